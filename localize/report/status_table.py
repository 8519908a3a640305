"""``localize status`` as a terminal table: one row per episode, one column per stage.

Stage names such as ``package.youtube-shorts`` and ``package.vertical-app`` only differ after the dot, and a narrow
terminal cuts headers from the right, so each header shows its step and its variant on two lines and folds
instead of ending in an ellipsis."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table

COLOURS = {"done": "green", "stale": "yellow", "pending": "dim", "failed": "red", "blocked": "red"}


def header(stage: str) -> str:
    step, dot, variant = stage.partition(".")
    return f"{step}\n{variant}" if dot else stage


def status_table(report: dict[str, Any], title: str) -> Table:
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("episode", no_wrap=True)
    for stage in report["stages"]:
        table.add_column(header(stage), overflow="fold")
    for episode in report["episodes"]:
        cells = {s["stage"]: f"[{COLOURS[s['state']]}]{s['state']}[/]" for s in episode["stages"]}
        table.add_row(episode["id"], *(cells.get(stage, "") for stage in report["stages"]))
    return table
