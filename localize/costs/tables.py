"""Cost tables grouped by series, episode, language and stage, built only from the ledger's rounded CNY amounts.

Every table is a partition of the ledger (each entry lands in exactly one row, blanks in an "unassigned" row),
so each table's total is the ledger's sum to the cent: the reconciliation an auditor checks first. Stages are
listed in pipeline order and named in both languages (``stage_names``); episodes in numeric order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from localize.costs.stage_names import stage_label, stage_order

DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("series", "剧集", "Series"),
    ("episode", "集", "Episode"),
    ("language", "语言", "Language"),
    ("stage", "环节", "Stage"),
)
UNASSIGNED = "(未指定 unassigned)"


@dataclass(frozen=True)
class Table:
    """One grouping: rows of (key, entry count, CNY total), in a fixed order so output is deterministic."""

    name: str
    title_zh: str
    title_en: str
    rows: tuple[tuple[str, int, Decimal], ...]

    @property
    def total(self) -> Decimal:
        return sum((amount for _, _, amount in self.rows), Decimal("0.00"))

    @property
    def count(self) -> int:
        return sum(n for _, n, _ in self.rows)

    def label(self, key: str) -> str:
        """A row's name as the reports print it: a stage in Chinese and English, other keys (episode ids,
        language tags, series titles) as they are, since they read the same in both."""
        return stage_label(key) if self.name == "stage" and key != UNASSIGNED else key


def _key(entry: dict, column: str) -> str:
    value = entry.get(column)
    return str(value) if value not in (None, "") else UNASSIGNED


def _sort_key(column: str, key: str) -> tuple[int, int, str]:
    """Stages in pipeline order, numbers in numeric order (episode 2 before 10), the unassigned row last."""
    if key == UNASSIGNED:
        return (2, 0, key)
    if column == "stage":
        return (0, *stage_order(key))
    return (0, int(key), key) if key.isdigit() else (1, 0, key)


def group(entries: list[dict], column: str) -> tuple[tuple[str, int, Decimal], ...]:
    totals: dict[str, tuple[int, Decimal]] = {}
    for entry in entries:
        key = _key(entry, column)
        count, amount = totals.get(key, (0, Decimal("0.00")))
        totals[key] = (count + 1, amount + Decimal(entry["amount_cny"]))
    return tuple((k, *totals[k]) for k in sorted(totals, key=lambda key: _sort_key(column, key)))


def tables(entries: list[dict]) -> list[Table]:
    return [Table(name, zh, en, group(entries, name)) for name, zh, en in DIMENSIONS]


def ledger_total(entries: list[dict]) -> Decimal:
    return sum((Decimal(e["amount_cny"]) for e in entries), Decimal("0.00"))
