"""What only a run sees and the work store does not keep: which stages it took from the cache and which it left
blocked (and why). Kept per episode in ``<work>/report/last_run.json``, so a run of some episodes leaves what the
last run of the others saw, and ``localize status`` can report it without running anything."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from localize.pipeline import EpisodeOutcome
from localize.store import atomic_write_json

FILE = "last_run.json"


def load(folder: Path) -> dict[str, Any]:
    """Episode id -> {finished, cache_hits: {stage: bool}, blocked: {stage: reason}}; empty before any run, or
    when the file is unreadable (it only adds detail to the report, so a bad one is not worth failing over)."""
    try:
        return json.loads((folder / FILE).read_text(encoding="utf-8"))["episodes"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def record(folder: Path, outcomes: list[EpisodeOutcome], finished: str) -> None:
    """Replace the record of each episode this run covered; keep the others'."""
    episodes = load(folder)
    for outcome in outcomes:
        episodes[outcome.id] = {
            "finished": finished,
            "cache_hits": {stage.stage: stage.status == "cached" for stage in outcome.stages},
            "blocked": {blocked["stage"]: blocked["reason"] for blocked in outcome.blocked},
        }
    atomic_write_json(folder / FILE, {"episodes": episodes})
