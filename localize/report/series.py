"""The series report as one structure: episodes × stages, each stage with its state, whether the last run took it
from the cache, its compute time, its QC verdict and its cost so far, and every failure with its rule, its cue and
the one command that shows it.

It is built from the job's graph, the work store, the cost ledger and the last run's record, never from a run's
memory, so what ``localize run`` writes (``<work>/report/series.json`` and ``series.html``) and what
``localize status --json`` prints are the same data. Its shape is ``localize/data/series-report.schema.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from collections import Counter
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from localize.costs import ledger
from localize.costs.tables import group, ledger_total
from localize.job import Job
from localize.pipeline import EpisodeOutcome, StageStatus, job_status
from localize.report import last_run
from localize.report.series_html import render
from localize.stages.graph import build_graph
from localize.stages.registry import Stage, qc_artifact, qc_findings, qc_rule
from localize.store import WorkStore, atomic_write_json, atomic_write_text

SCHEMA_VERSION = 1
SCHEMA_FILE = "series-report.schema.json"
CURRENCY = "CNY"  # the ledger's per-entry rounded CNY amounts, only summed, as ``localize costs report`` does
NO_COST = Decimal("0.00")


def report_folder(work_dir: Path) -> Path:
    return work_dir / "report"


def schema() -> dict[str, Any]:
    """The JSON Schema the report follows, as shipped with the package (for whoever reads series.json)."""
    return json.loads(resources.files("localize.data").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def qc_message(item: dict[str, Any]) -> str:
    """What was measured against what was allowed, after what the rule means (or which file failed)."""
    limit = item.get("limit", item.get("expected"))
    measured = f"{item.get('measured', '')}" + (f" (limit {limit})" if limit else "")
    what = item.get("description") or item.get("file")
    return f"{what}: {measured}" if what else measured


def qc_summary(qc: dict[str, Any], report: str, command: str) -> dict[str, Any]:
    """The verdict of one QC report and its counts, by rule."""
    found = qc_findings(qc)
    by_rule = Counter(qc_rule(item) for item in found)
    return {"passed": bool(qc["passed"]), "violations": len(found), "by_rule": dict(sorted(by_rule.items())),
            "report": report, "command": command}


def qc_failures(qc: dict[str, Any], command: str) -> list[dict[str, Any]]:
    """One failure per violation (subtitle QC) or failed check (package QC) of a report that failed."""
    if qc["passed"]:
        return []
    return [{"kind": "qc", "rule": qc_rule(item), "cue": item.get("cue"), "message": qc_message(item),
             "command": command} for item in qc_findings(qc)]


def stage_state(stored: str, blocked: str | None) -> str:
    """The store's state (done, stale, pending, failed), except that a stage the last run of its episode blocked
    stays blocked until it is made again: the store keeps no record of a stage that never ran."""
    return "blocked" if blocked is not None and stored != "done" else stored


def stage_labels(stage: Stage) -> dict[str, str | None]:
    """``draft.en`` is step draft in language en; ``package.youtube-shorts`` is step package for that profile."""
    step, _, variant = stage.name.partition(".")
    return {"step": step, "language": stage.language or None,
            "profile": variant if variant and not stage.language else None}


def episode_state(stages: list[dict[str, Any]]) -> str:
    """failed (a stage failed, was blocked or failed QC), else stale, pending or done: the worst of its stages."""
    states = {stage["state"] for stage in stages}
    if states & {"failed", "blocked"} or any(stage["qc"] and not stage["qc"]["passed"] for stage in stages):
        return "failed"
    return next((state for state in ("stale", "pending") if state in states), "done")


def _costs_by(entries: list[dict], column: str) -> dict[str, Decimal]:
    return {key: amount for key, _, amount in group(entries, column)}


def _read_qc(path: Path) -> dict[str, Any] | None:
    """A stage's QC report; None when it is gone or no longer JSON (edited by hand: the next run rebuilds it)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class _Builder:
    """One stage's entry and failures from the store; knows the commands that show a failure."""

    def __init__(self, job: Job, work_dir: Path, store: WorkStore):
        self.store = store
        self.root = work_dir.resolve()
        self.status_command = f"localize status {shlex.quote(str(job.path))} --work {shlex.quote(str(self.root))}"

    def stage(self, stage: Stage, row: StageStatus, seen: dict[str, Any], cost: Decimal
              ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        blocked = seen.get("blocked", {}).get(stage.name)
        state = stage_state(row.state, blocked)
        result = self.store.result(row.episode, stage.name) if row.state in ("done", "stale") else None
        qc, failures = None, []
        report = result.outputs.get(qc_artifact(stage.name)) if result else None
        stored = _read_qc(self.root / report["path"]) if report else None
        if stored is not None:
            command = f"localize qc show {shlex.quote(str(self.root / report['path']))}"
            qc = qc_summary(stored, report["path"], command)
            failures = qc_failures(stored, command)
        if state == "failed":
            failures.append({"kind": "error", "rule": None, "cue": None, "message": row.detail,
                             "command": self.status_command})
        detail = blocked if state == "blocked" else row.detail if state == "failed" else None
        entry = {"stage": stage.name, **stage_labels(stage), "state": state,
                 "cache_hit": seen.get("cache_hits", {}).get(stage.name),
                 "ms": round(result.seconds * 1000) if result else None,
                 "finished": result.finished_at if result else None,
                 "qc": qc, "cost": str(cost), "detail": detail}
        return entry, [{"episode": row.episode, "stage": stage.name, **failure} for failure in failures]


def build(job: Job, work_dir: Path, generated: str | None = None) -> dict[str, Any]:
    """The report for every episode of the job, as the work dir has it now; reads only, runs nothing."""
    rows = {(row.episode, row.stage): row for row in job_status(job, work_dir)}
    seen_by_episode = last_run.load(report_folder(work_dir))
    store = WorkStore(work_dir)
    try:
        entries = ledger.entries(store.db) if store.exists() else []
        builder = _Builder(job, work_dir, store)
        episode_costs = _costs_by(entries, "episode")
        episodes, failures = [], []
        for graph in build_graph(job, job.episodes):
            episode = graph.episode.id
            seen = seen_by_episode.get(episode, {})
            stage_costs = _costs_by([e for e in entries if e.get("episode") == episode], "stage")
            stages, found = [], []
            for stage in graph.stages:
                entry, its_failures = builder.stage(stage, rows[(episode, stage.name)], seen,
                                                    stage_costs.get(stage.name, NO_COST))
                stages.append(entry)
                found += its_failures
            episodes.append({"id": episode, "state": episode_state(stages), "last_run": seen.get("finished"),
                             "ms": sum(stage["ms"] or 0 for stage in stages),
                             "cost": str(episode_costs.get(episode, NO_COST)), "failures": len(found),
                             "stages": stages})
            failures += found
    finally:
        store.close()
    return {
        "schema_version": SCHEMA_VERSION,
        "job": job.name,
        "series": job.series.title,
        "job_file": str(job.path),
        "work_dir": str(work_dir.resolve()),
        "generated": generated or now(),
        "currency": CURRENCY,
        "stages": list(dict.fromkeys(stage["stage"] for episode in episodes for stage in episode["stages"])),
        "episodes": episodes,
        "failures": failures,
        "totals": {
            "episodes": len(episodes),
            "failed_episodes": [episode["id"] for episode in episodes if episode["state"] == "failed"],
            "stages": dict(sorted(Counter(s["state"] for e in episodes for s in e["stages"]).items())),
            "failures": len(failures),
            "ms": sum(episode["ms"] for episode in episodes),
            "cost": str(ledger_total(entries)),  # the whole ledger: manual entries of no episode count too
        },
    }


def write(job: Job, work_dir: Path, outcomes: list[EpisodeOutcome]) -> None:
    """After a run: record what it saw, then write series.json and series.html, each atomically."""
    folder = report_folder(work_dir)
    generated = now()
    last_run.record(folder, outcomes, generated)
    report = build(job, work_dir, generated)
    atomic_write_json(folder / "series.json", report)
    atomic_write_text(folder / "series.html", render(report))
