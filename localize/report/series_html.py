"""The series report as one self-contained HTML page: inline CSS, no script, nothing fetched, so it opens offline,
from an archive or as a mail attachment. Every piece of text is escaped: episode ids, messages and paths come
from users' files."""

from __future__ import annotations

from html import escape
from typing import Any

FAIL_COLOUR = "#c62828"  # failed, blocked and QC-failed cells; the screenshot test looks for it
STYLE = f"""
body{{font-family:sans-serif;margin:1.5em;color:#222}}
table{{border-collapse:collapse;margin-bottom:1.5em}}
th,td{{border:1px solid #bbb;padding:4px 8px;text-align:left;vertical-align:top;font-size:13px}}
thead th{{background:#eee}}
td small{{display:block;font-size:11px}}
small.run{{white-space:nowrap}}
td.num{{text-align:right;white-space:nowrap}}
.state-done{{background:#e3f1e5}}
.state-stale{{background:#fff1c2}}
.state-pending{{background:#f4f4f4;color:#777}}
td.fail{{background:{FAIL_COLOUR};color:#fff;font-weight:bold}}
tr.failed th{{border-left:6px solid {FAIL_COLOUR}}}
code{{font-size:12px;word-break:break-all}}
"""


def _time(ms: int | None) -> str:
    if ms is None:
        return ""
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def _fails(stage: dict[str, Any]) -> bool:
    return stage["state"] in ("failed", "blocked") or bool(stage["qc"] and not stage["qc"]["passed"])


def _cell(stage: dict[str, Any]) -> str:
    notes = []
    if stage["cache_hit"] is not None:
        notes.append("cached" if stage["cache_hit"] else "ran")
    if stage["ms"] is not None:
        notes.append(_time(stage["ms"]))
    qc = stage["qc"]
    lines = [escape(stage["state"]), f'<small class="run">{escape(" · ".join(notes))}</small>' if notes else ""]
    if qc:
        rules = ", ".join(f"{rule} {count}" for rule, count in qc["by_rule"].items())
        verdict = "QC ✓" if qc["passed"] else f"QC ✗ {qc['violations']}: {rules}"
        lines.append(f"<small>{escape(verdict)}</small>")
    classes = f"state-{stage['state']}" + (" fail" if _fails(stage) else "")
    title = f' title="{escape(stage["detail"])}"' if stage["detail"] else ""
    return f'<td class="{classes}"{title}>{"".join(lines)}</td>'


def _row(episode: dict[str, Any], columns: list[str], currency: str) -> str:
    by_name = {stage["stage"]: stage for stage in episode["stages"]}
    cells = "".join(_cell(by_name[name]) if name in by_name else "<td></td>" for name in columns)
    failed = " failed" if episode["state"] == "failed" else ""
    return (f'<tr id="row-{escape(episode["id"])}" class="episode{failed}">'
            f'<th scope="row">{escape(episode["id"])}<small> {escape(episode["state"])}</small></th>{cells}'
            f'<td class="num">{_time(episode["ms"])}</td>'
            f'<td class="num">{escape(episode["cost"])} {escape(currency)}</td></tr>')


def _failures(failures: list[dict[str, Any]]) -> str:
    if not failures:
        return "<h2>Failures</h2><p>None.</p>"
    head = "".join(f"<th>{name}</th>" for name in ("episode", "stage", "rule", "cue", "message", "command"))
    rows = "".join(
        f'<tr><td>{escape(f["episode"])}</td><td>{escape(f["stage"])}</td><td>{escape(f["rule"] or f["kind"])}</td>'
        f'<td>{"" if f["cue"] is None else escape(str(f["cue"]))}</td><td>{escape(f["message"])}</td>'
        f'<td><code>{escape(f["command"])}</code></td></tr>' for f in failures)
    return f'<h2>Failures ({len(failures)})</h2><table class="failures"><thead><tr>{head}</tr></thead>{rows}</table>'


def _blocked(episodes: list[dict[str, Any]]) -> str:
    rows = "".join(f'<tr><td>{escape(episode["id"])}</td><td>{escape(stage["stage"])}</td>'
                   f'<td>{escape(stage["detail"] or "")}</td></tr>'
                   for episode in episodes for stage in episode["stages"] if stage["state"] == "blocked")
    if not rows:
        return ""
    return ('<h2>Blocked: not run, an input failed</h2><table class="blocked"><thead><tr><th>episode</th>'
            f"<th>stage</th><th>why</th></tr></thead>{rows}</table>")


def render(report: dict[str, Any]) -> str:
    """The page for a report built by ``localize.report.series.build``."""
    totals, currency, columns = report["totals"], report["currency"], report["stages"]
    states = ", ".join(f"{count} {state}" for state, count in totals["stages"].items())
    failed = totals["failed_episodes"]
    head = "".join(f"<th>{escape(name)}</th>" for name in columns)
    body = "".join(_row(episode, columns, currency) for episode in report["episodes"])
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(report['series'])}: series report</title>", f"<style>{STYLE}</style></head><body>",
        f"<h1>{escape(report['series'])}: series report</h1>",
        f'<p class="generated">job {escape(report["job"])} · work dir <code>{escape(report["work_dir"])}</code> · '
        f"generated {escape(report['generated'])}</p>",
        f'<p class="totals">{totals["episodes"]} episodes, {len(failed)} failing'
        f'{": " + escape(", ".join(failed)) if failed else ""} · stages: {escape(states)} · '
        f'{_time(totals["ms"])} · {escape(totals["cost"])} {escape(currency)} so far</p>',
        f'<table class="series"><thead><tr><th>episode</th>{head}<th>time</th><th>cost</th></tr></thead>'
        f"<tbody>{body}</tbody></table>",
        _failures(report["failures"]),
        _blocked(report["episodes"]),
        "</body></html>", ""])
