"""Automatic ledger entries: what a stage consumed, priced by the job's rate card.

Compute seconds are priced for every stage, at ``compute_second`` or, for a stage that ran on a GPU, at
``gpu_second`` (at zero price when the card has no rate, so the quantity is on record anyway). Stages priced as
``translation`` add the machine-translated source units and LLM tokens they used, and, when the card prices
``translation_unit``, the human translation work as TM-weighted source units (each match band's units × the
band's weight in ``leverage_grid``, the breakdown in the note so an auditor can redo it), once per episode and
language. Stages priced as ``post_edit`` (the review stage) add each reviewer import's post-editing, once per
import: source units per edited-share band × the band's weight in ``post_edit_grid``, at ``post_edit_unit``.
Stages priced as ``tts`` add the seconds of dub speech they synthesized, at ``tts_second``.
Entries are ``origin: auto`` and join the same hash chain as manual ones. Nothing here writes: the runner appends
these entries in the same transaction as the stage's result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from localize.costs import ledger
from localize.costs.usage import Usage
from localize.translate.leverage import BANDS, unit_name, weighted_units

TM_WEIGHTED_ITEM = "translation (TM-weighted)"  # "translat": 译制 under every shipped policy
LLM_ITEM = "llm tokens (translation)"  # the same for LLM drafts and condensation, whatever stage spent them
POST_EDIT_ITEM = "translation post-editing"  # one entry per reviewer import: the import id follows in brackets
TTS_ITEM = "dubbing speech (tts)"  # 配音 under every shipped policy


def post_edit_item(import_id: str) -> str:
    return f"{POST_EDIT_ITEM} (import {import_id})"


@dataclass(frozen=True)
class StageRun:
    """One finished run of a stage, as the ledger labels it."""

    series: str
    episode: str
    stage: str
    language: str  # the target language of a per-language stage, else ""
    seconds: float
    usage: Usage


def _tm_weighted(card: dict[str, Any], source_language: str, bands: dict[str, dict[str, int]],
                 common: dict[str, str]) -> list[ledger.Cost]:
    """Translation work priced per weighted unit. Nothing when the card leaves it unpriced or nothing was
    translated, since unlike compute this is not a cost the run incurs by itself."""
    price, grid = card["translation_unit"], card["leverage_grid"]
    units = weighted_units(bands, grid) if price and bands else Decimal(0)
    if not units:
        return []
    breakdown = "; ".join(f"{band}: {bands[band]['units']} × {grid[band]}" for band in BANDS if band in bands)
    return [ledger.Cost(item=TM_WEIGHTED_ITEM, quantity=units, unit_price=price,
                        unit=f"weighted source {unit_name(source_language)}s",
                        note=f"TM match bands, units × weight: {breakdown}; total {units}", **common)]


def _post_edit(card: dict[str, Any], source_language: str, import_id: str, work: dict[str, Any],
               common: dict[str, str]) -> ledger.Cost:
    """One import's post-editing, recorded even when the card leaves it unpriced: the work was done."""
    grid, bands = card["post_edit_grid"], work["bands"]
    units = weighted_units(bands, grid)
    breakdown = "; ".join(f"{band}: {row['units']} × {grid[band]}" for band, row in bands.items())
    return ledger.Cost(item=post_edit_item(import_id), quantity=units, unit_price=card["post_edit_unit"],
                       unit=f"weighted source {unit_name(source_language)}s",
                       note=f"{work['file']}: {sum(row['segments'] for row in bands.values())} lines; edited-share "
                            f"bands, units × weight: {breakdown}; total {units}; {work['edited']} of "
                            f"{work['tokens']} target words/characters edited", **common)


def stage_costs(run: StageRun, priced: tuple[str, ...], card: dict[str, Any], source_language: str,
                billed: Callable[[str], bool]) -> list[ledger.Cost]:
    """The entries for one run. ``billed(item)``: the episode and language already carry an automatic entry
    for ``item``. The TM-weighted translation is priced once (a forced re-run or a glossary edit re-drafts, but
    nobody translates the episode again), and so is each reviewer import, however often the review re-runs."""
    usage = run.usage
    common = dict(currency=card["currency"], series=run.series, episode=run.episode, language=run.language,
                  stage=run.stage, origin="auto")
    kind, price = ("gpu compute", card["gpu_second"]) if usage.on_gpu else ("compute", card["compute_second"])
    costs = [ledger.Cost(item=f"{kind}: {run.stage}", quantity=Decimal(f"{run.seconds:.3f}"), unit="s",
                         unit_price=price, **common)]
    if "post_edit" in priced:
        costs += [_post_edit(card, source_language, import_id, work, common)
                  for import_id, work in usage.post_edit.items() if not billed(post_edit_item(import_id))]
    if "tts" in priced and usage.tts_seconds:
        costs.append(ledger.Cost(item=TTS_ITEM, quantity=Decimal(f"{usage.tts_seconds:.3f}"), unit="s of speech",
                                 unit_price=card["tts_second"], **common))
    if "translation" not in priced:
        return costs
    if usage.mt_units:
        costs.append(ledger.Cost(item=f"machine translation ({usage.mt_engine})", quantity=Decimal(usage.mt_units),
                                 unit="source units", unit_price=card["mt_unit"], **common))
    if usage.llm_tokens:
        costs.append(ledger.Cost(item=LLM_ITEM, quantity=Decimal(usage.llm_tokens), unit="tokens",
                                 unit_price=card["llm_1k_tokens"] / 1000, **common))
    if not billed(TM_WEIGHTED_ITEM):
        costs += _tm_weighted(card, source_language, usage.tm_bands, common)
    return costs
