"""``localize costs report``: the ledger as CSV tables, one XLSX workbook and an HTML summary with charts.

Everything is derived from the ledger's per-entry rounded CNY amounts and only summed, never re-rounded, so
every table total equals the ledger total to the cent. Output is deterministic (rows in a fixed order, fixed zip
timestamps); only the HTML's generated-at line changes between runs on the same ledger.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from html import escape
from pathlib import Path

from localize.costs import ledger
from localize.costs.tables import Table, ledger_total, tables
from localize.costs.xlsx import Cell, workbook_bytes
from localize.store import atomic_write_bytes, atomic_write_text

BOM = "\ufeff"  # Excel reads a CSV as UTF-8 (and shows 配音 right) only when it starts with a BOM
HEAD_COUNT = "条目数 Entries"
HEAD_AMOUNT = "金额 Amount (CNY)"
TOTAL = "合计 Total"
LEDGER_HEADER = ("id", *ledger.COLUMNS, "prev_sha256", "entry_sha256")


def table_rows(table: Table) -> list[list[Cell]]:
    """Header, one row per group, and the total row; amounts stay Decimal."""
    rows: list[list[Cell]] = [[_title(table), HEAD_COUNT, HEAD_AMOUNT]]
    rows += [[table.label(key), count, amount] for key, count, amount in table.rows]
    rows.append([TOTAL, table.count, table.total])
    return rows


def csv_text(rows: list[list[Cell]] | list[list[str | None]]) -> str:
    """UTF-8 CSV with a BOM and CRLF line ends; Decimal is written by ``str``, so exactly (1234.50)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if v is None else str(v) for v in row])
    return BOM + out.getvalue()


def ledger_csv(entries: list[dict]) -> str:
    """Every ledger entry with its hashes, column for column, so the chain can be re-checked from the file."""
    return csv_text([list(LEDGER_HEADER)] + [[e.get(c) for c in LEDGER_HEADER] for e in entries])


def _title(table: Table) -> str:
    """The table's name as every output writes it: Chinese, then English."""
    return f"{table.title_zh} {table.title_en}"


def bar_chart(table: Table, title: str) -> str:
    """A horizontal bar chart as inline SVG: no script and nothing fetched, so the file works offline
    and in an archive years later. Negative rows (corrections) are drawn with no bar."""
    rows = table.rows
    peak = max((amount for _, _, amount in rows), default=Decimal(0))
    label_w, bar_w, row_h, top = 220, 360, 26, 34
    height = top + row_h * len(rows) + 10
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 140}" height="{height}" '
             f'role="img" aria-label="{escape(title)}">',
             f'<text x="0" y="20" font-size="15" font-weight="bold">{escape(title)}</text>']
    for i, (key, _, amount) in enumerate(rows):
        y = top + i * row_h
        width = (amount / peak * bar_w).quantize(Decimal("0.1")) if peak > 0 and amount > 0 else Decimal(0)
        parts += [f'<text x="{label_w - 6}" y="{y + 17}" font-size="12" text-anchor="end">'
                  f'{escape(table.label(key))}</text>',
                  f'<rect x="{label_w}" y="{y + 4}" width="{width}" height="{row_h - 8}" fill="#3b73b9"/>',
                  f'<text x="{label_w + width + 6}" y="{y + 17}" font-size="12">{amount}</text>']
    parts.append("</svg>")
    return "\n".join(parts)


def _html_table(table: Table) -> str:
    rows = table_rows(table)
    head = "".join(f"<th>{escape(str(c))}</th>" for c in rows[0])
    body = "".join("<tr>" + "".join(f'<td{" class=num" if isinstance(c, (int, Decimal)) else ""}>'
                                    f"{escape(str(c))}</td>" for c in row) + "</tr>" for row in rows[1:])
    return f"<h2>{escape(_title(table))}</h2><table><tr>{head}</tr>{body}</table>"


def summary_html(title: str, entries: list[dict], grouped: list[Table], generated: str) -> str:
    by_name = {t.name: t for t in grouped}
    total = ledger_total(entries)
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="zh-Hans"><head><meta charset="utf-8">',
        f"<title>{escape(title)} 成本报告 Cost report</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1em}"
        "td,th{border:1px solid #999;padding:3px 8px}td.num{text-align:right}</style></head><body>",
        f"<h1>{escape(title)} — 成本报告 Cost report</h1>",
        f'<p class="generated">生成时间 Generated at: {escape(generated)}</p>',
        f"<p>账本合计 Ledger total: <strong>{total} CNY</strong>, {len(entries)} 条 entries. "
        "每条金额按四舍五入保留两位小数，合计为各条之和。Each entry is rounded half-up to cents; totals are sums of "
        "entries.</p>",
        bar_chart(by_name["stage"], "按环节的成本 Cost by stage (CNY)"),
        bar_chart(by_name["language"], "按语言的成本 Cost by language (CNY)"),
        *(_html_table(t) for t in grouped),
        "</body></html>", ""])


def write_report(entries: list[dict], title: str, out: Path, generated: str | None = None) -> list[Path]:
    """Write the CSVs, ``costs.xlsx``, ``ledger.csv`` and ``summary.html`` into ``out``; return their paths."""
    grouped = tables(entries)
    written = []
    for table in grouped:
        path = out / f"costs_by_{table.name}.csv"
        atomic_write_text(path, csv_text(table_rows(table)))
        written.append(path)
    sheets = [(_title(t), table_rows(t)) for t in grouped]
    atomic_write_bytes(out / "costs.xlsx", workbook_bytes(sheets))
    atomic_write_text(out / "ledger.csv", ledger_csv(entries))
    now = generated or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    atomic_write_text(out / "summary.html", summary_html(title, entries, grouped, now))
    return [*written, out / "costs.xlsx", out / "ledger.csv", out / "summary.html"]
