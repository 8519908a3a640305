"""Automatic ledger entries: every stage that runs logs what it consumed, priced by the job's rate card.

Compute seconds are logged for every stage, at ``compute_second`` or, for a stage that ran on a GPU, at
``gpu_second`` (at zero price when the card has no rate, so the quantity is on record anyway); translation
stages add the machine-translated source units and LLM tokens they used, and, when the card prices
``translation_unit``, the human translation work as TM-weighted source units (each match band's units × the
band's weight in ``leverage_grid``, the breakdown in the note so an auditor can redo it), once per episode
and language. Entries are ``origin: auto`` and join the same hash chain as manual ones.
"""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

from localize.costs import ledger
from localize.job import Episode, Job
from localize.translate.leverage import BANDS, unit_name, weighted_units

TM_WEIGHTED_ITEM = "translation (TM-weighted)"  # "translat": 译制 under every shipped policy


def _translation_stats(db: sqlite3.Connection, episode: str, language: str) -> dict:
    try:
        row = db.execute("SELECT stats FROM translation_stats WHERE episode=? AND language=?",
                         (episode, language)).fetchone()
    except sqlite3.OperationalError:  # no translation has run in this work store yet
        return {}
    return json.loads(row[0]) if row else {}


def _already_priced(db: sqlite3.Connection, episode: str, language: str) -> bool:
    return ledger.has_auto_entry(db, TM_WEIGHTED_ITEM, episode, language)


def _tm_weighted(db: sqlite3.Connection, job: Job, stats: dict, common: dict) -> list[ledger.Cost]:
    """Translation work priced per weighted unit, once per episode and language: a forced re-run or a glossary
    edit re-runs the stage but nobody translates the episode again. Nothing when the card leaves it unpriced
    or nothing was translated, since unlike compute this is not a cost the run incurs by itself."""
    price, grid, bands = job.costs.rate_card["translation_unit"], job.costs.rate_card["leverage_grid"], stats.get("tm")
    if not price or not bands or _already_priced(db, common["episode"], common["language"]):
        return []
    units = weighted_units(bands, grid)
    if not units:
        return []
    breakdown = "; ".join(f"{band}: {bands[band]['units']} × {grid[band]}" for band in BANDS if band in bands)
    return [ledger.Cost(item=TM_WEIGHTED_ITEM, quantity=units, unit_price=price,
                        unit=f"weighted source {unit_name(job.source_language)}s",
                        note=f"TM match bands, units × weight: {breakdown}; total {units}", **common)]


def stage_costs(db: sqlite3.Connection, job: Job, episode: Episode, stage: str, seconds: float,
                on_gpu: bool = False) -> list[ledger.Cost]:
    card = job.costs.rate_card
    language = stage.split(".", 1)[1] if stage.startswith("translate.") else ""
    common = dict(currency=card["currency"], series=job.series.title, episode=episode.id, language=language,
                  stage=stage, origin="auto")
    kind, price = ("gpu compute", card["gpu_second"]) if on_gpu else ("compute", card["compute_second"])
    costs = [ledger.Cost(item=f"{kind}: {stage}", quantity=Decimal(f"{seconds:.3f}"), unit="s", unit_price=price,
                         **common)]
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
        costs += _tm_weighted(db, job, stats, common)
    return costs


def record_stage(db: sqlite3.Connection, job: Job, episode: Episode, stage: str, seconds: float,
                 on_gpu: bool = False) -> None:
    for cost in stage_costs(db, job, episode, stage, seconds, on_gpu):
        ledger.append(db, cost, job.costs.rates, job.path)
