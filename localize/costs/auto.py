"""Automatic ledger entries: every stage that runs logs what it consumed, priced by the job's rate card.

Compute seconds are logged for every stage (at zero price when the card has no rate, so the quantity is on
record anyway); translation stages add the machine-translated source units and LLM tokens they used. Entries
are ``origin: auto`` and join the same hash chain as manual ones.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

from localize.costs import ledger
from localize.job import Episode, Job


def _translation_stats(db: sqlite3.Connection, episode: str, language: str) -> dict:
    try:
        row = db.execute("SELECT stats FROM translation_stats WHERE episode=? AND language=?",
                         (episode, language)).fetchone()
    except sqlite3.OperationalError:  # no translation has run in this work store yet
        return {}
    return json.loads(row[0]) if row else {}


def stage_costs(db: sqlite3.Connection, job: Job, episode: Episode, stage: str, seconds: float) -> list[ledger.Cost]:
    card = job.costs.rate_card
    language = stage.split(".", 1)[1] if stage.startswith("translate.") else ""
    common = dict(currency=card["currency"], series=job.series.title, episode=episode.id, language=language,
                  stage=stage, origin="auto")
    costs = [ledger.Cost(item=f"compute: {stage}", quantity=Decimal(f"{seconds:.3f}"), unit="s",
                         unit_price=card["compute_second"], **common)]
    if language:
        stats = _translation_stats(db, episode.id, language)
        units = int(stats.get("mt", {}).get("units", 0))
        if units:
            costs.append(ledger.Cost(item=f"machine translation ({stats['mt']['engine']})", quantity=Decimal(units),
                                     unit="source units", unit_price=card["mt_unit"], **common))
        tokens = sum(stats.get("llm_tokens", ()))
        if tokens:
            costs.append(ledger.Cost(item="llm tokens", quantity=Decimal(tokens), unit="tokens",
                                     unit_price=card["llm_1k_tokens"] / 1000, **common))
    return costs


def record_stage(db: sqlite3.Connection, job: Job, episode: Episode, stage: str, seconds: float) -> None:
    for cost in stage_costs(db, job, episode, stage, seconds):
        ledger.append(db, cost, job.costs.rates, job.path)
