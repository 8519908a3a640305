"""``localize claim pack``: one zip an auditor can check on their own: the claim, the ledger, the evidence.

Contents: ``summary.json`` (exactly what ``costs claim --json`` computes, the ledger's head hash included) and
``summary.html`` (the same numbers with Chinese and English labels), ``ledger.csv`` (every entry with its
hashes), ``launches.csv``, ``invoices/`` (the stored invoice files, named by hash), ``manifests/<path>`` (every
deliverable ``manifest.json`` under the work dir), and ``SHA256SUMS`` over all of them. Written to a temp file and
renamed, so a half-written pack never sits where the real one should.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from html import escape
from pathlib import Path
from typing import Any

from localize.costs import launches as launch_records
from localize.costs import ledger
from localize.costs.report import csv_text, ledger_csv
from localize.costs.xlsx import FIXED_TIME
from localize.store import WorkStore, atomic_write_bytes

LAUNCH_HEADER = ("id", *launch_records.COLUMNS, "prev_sha256", "entry_sha256")
LABELS = (  # (claim key, Chinese, English)
    ("total_cost", "账本总成本", "Total cost in the ledger"),
    ("eligible_cost", "符合条件的译制费用", "Eligible translation and dubbing (译制) cost"),
    ("rate", "补助比例", "Subsidy rate"),
    ("cap_per_work", "单部作品上限", "Cap per work"),
    ("cap_per_company_year", "企业年度上限", "Cap per company per year"),
    ("claimed_this_year", "本年度已获补助", "Already granted this year"),
    ("company_year_remaining", "年度剩余额度", "Left under the yearly cap"),
    ("subsidy_before_caps", "封顶前补助", "Subsidy before caps"),
    ("subsidy_after_caps", "封顶后补助（申请金额）", "Subsidy after caps (amount claimed)"),
)
CONDITION_ZH = {"licence": "发行许可证或备案号", "foreign_language": "外语音轨或字幕",
                "overseas_launch": "境外主流平台上线", "producer_local": "第一出品方为本地企业",
                "ledger_intact": "账本完整"}


def _head_html(head: dict[str, Any]) -> str:
    """The ledger's newest hash, printed for the auditor to keep: a later ledger that does not extend it was cut."""
    if not head["entries"]:
        return "<p>账本为空 The ledger is empty</p>"
    return (f"<p>账本末条 Ledger head: entry {head['entries']}, sha256 <code>{head['entry_sha256']}</code> "
            "（请留存以核对账本日后未被截断 keep it to check later that the ledger was not cut off）</p>")


def summary_html(result: dict[str, Any]) -> str:
    rows = "".join(f"<tr><th>{zh}<br>{en}</th><td>{escape(str(result.get(key)))}</td></tr>"
                   for key, zh, en in LABELS)
    unmet = "".join(f"<li>{escape(CONDITION_ZH.get(u['condition'], u['condition']))} {escape(u['condition'])}: "
                    f"{escape(u['detail'])}</li>" for u in result["unmet_conditions"])
    verdict = ("全部条件已满足 All conditions met" if not unmet
               else f"未满足的条件 Unmet conditions:<ul>{unmet}</ul>")
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="zh-Hans"><head><meta charset="utf-8">',
        f"<title>补助申请 Subsidy claim — {escape(result['policy'])}</title></head><body>",
        f"<h1>{escape(result['title_zh'] or result['title'])}<br>{escape(result['title'])}</h1>",
        "<p>金额单位：人民币元 Amounts in CNY</p>", f"<table>{rows}</table>", f"<div>{verdict}</div>",
        _head_html(result["ledger_head"]),
        "<p>核对：SHA256SUMS 列出本包内每个文件的 SHA-256。Check: SHA256SUMS lists the SHA-256 of every file in "
        "this pack.</p>", "</body></html>", ""])


def _evidence(work: Path) -> dict[str, bytes]:
    """Invoices and deliverable manifests under the work dir, keyed by their name inside the pack."""
    files: dict[str, bytes] = {}
    invoices = work / "invoices"
    if invoices.is_dir():
        for path in sorted(p for p in invoices.iterdir() if p.is_file() and not p.name.startswith(".")):
            files[f"invoices/{path.name}"] = path.read_bytes()
    for path in sorted(work.rglob("manifest.json")):
        relative = path.relative_to(work).as_posix()
        if not any(part.startswith(".") for part in path.relative_to(work).parts):
            files[f"manifests/{relative}"] = path.read_bytes()
    return files


def pack_files(store: WorkStore, result: dict[str, Any]) -> dict[str, bytes]:
    """Every file of the pack, SHA256SUMS included, in a fixed order."""
    files = {
        "summary.json": (json.dumps(result, ensure_ascii=False, indent=2) + "\n").encode("utf-8"),
        "summary.html": summary_html(result).encode("utf-8"),
        "ledger.csv": ledger_csv(ledger.entries(store.db)).encode("utf-8"),
        "launches.csv": csv_text([list(LAUNCH_HEADER)] + [[r.get(c) for c in LAUNCH_HEADER]
                                                          for r in launch_records.launches(store.db)]
                                 ).encode("utf-8"),
        **_evidence(store.root),
    }
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items())
    files["SHA256SUMS"] = sums.encode("utf-8")
    return files


def write_pack(store: WorkStore, result: dict[str, Any], target: Path) -> dict[str, bytes]:
    files = pack_files(store, result)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    atomic_write_bytes(target, buffer.getvalue())
    return files
