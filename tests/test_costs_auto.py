"""Every stage that runs leaves a priced ledger entry; cached stages cost nothing and leave none."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
from decimal import Decimal
from pathlib import Path

import pysubs2
import pytest

from localize.costs import ledger
from localize.costs.auto import LLM_ITEM, TM_WEIGHTED_ITEM, StageRun, stage_costs
from localize.costs.policies import load_policy
from localize.costs.usage import Usage
from localize.job import load_job
from tests.conftest import REPO, localize, write_job


def _ledger(work) -> list[dict]:
    with sqlite3.connect(work / "state.sqlite") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM ledger ORDER BY id")]


@pytest.mark.slow  # transcribes (Whisper): the ledger must show the transcribe stage, so no imported script here
def test_a_run_leaves_one_entry_per_stage_that_ran(tmp_path, tone_video):
    job = write_job(tmp_path / "job.yaml", [tone_video],
                    extra="costs:\n  rate_card: {compute_second: '0.05'}\n")
    work = tmp_path / "work"
    assert localize("run", job, "--work", work).code == 0
    entries = _ledger(work)
    assert [e["stage"] for e in entries] == ["ingest", "shots", "transcribe", "source_cues"]
    for entry in entries:
        assert entry["origin"] == "auto" and entry["unit"] == "s" and entry["episode"] == "ep01"
        expected = (Decimal(entry["quantity"]) * Decimal("0.05")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        assert Decimal(entry["amount"]) == expected

    assert localize("run", job, "--work", work).code == 0  # all cached: nothing ran, nothing charged
    assert len(_ledger(work)) == 4
    assert localize("costs", "verify", job, "--work", work).code == 0

    report = tmp_path / "report"
    assert localize("costs", "report", job, "--work", work, "-o", report).code == 0
    rows = list(csv.reader((report / "costs_by_stage.csv").read_text(encoding="utf-8-sig").splitlines()))
    total = next(r for r in rows if r and "Total" in r[0])
    assert Decimal(total[-1]) == sum(Decimal(e["amount_cny"]) for e in entries)


def test_a_rate_card_in_another_currency_needs_a_rate_before_anything_runs(tmp_path, tone_video):
    job = write_job(tmp_path / "job.yaml", [tone_video],
                    extra="costs:\n  rate_card: {currency: USD, compute_second: '0.01'}\n")
    result = localize("run", job, "--work", tmp_path / "work")
    assert result.code == 2 and "USD" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "work").exists()


def test_a_stage_on_a_gpu_is_priced_at_the_gpu_rate(tmp_path, tone_video):
    job = load_job(write_job(tmp_path / "job.yaml", [tone_video],
                             extra="costs:\n  rate_card: {compute_second: '0.01', gpu_second: '0.20'}\n"))
    runs = (StageRun("T", "ep01", "transcribe", "", 12.5, Usage(on_gpu=gpu)) for gpu in (True, False))
    card = job.costs.rate_card
    on_gpu, on_cpu = (stage_costs(run, ("compute",), card, "zh-Hans", lambda item: False)[0] for run in runs)
    assert (on_gpu.item, on_gpu.unit_price) == ("gpu compute: transcribe", Decimal("0.20"))
    assert (on_cpu.item, on_cpu.unit_price) == ("compute: transcribe", Decimal("0.01"))
    assert [ledger.price(cost, ())["amount"] for cost in (on_gpu, on_cpu)] == ["2.50", "0.13"]  # 0.125 half-up


# TM-weighted translation work. The sample's memory, changed so that the 15 sentences fall into several bands:
# two sources edited (fuzzy matches), one edited further (below the 85 threshold: the LLM translates it) and one
# unit removed (no match at all: the LLM again).
SAMPLE = REPO / "samples"
EDITS = {"为了我老婆，我什么都能忍。": "为了我老婆，我什么都愿意忍。",
         "天龙集团的董事长，就是我。": "天龙集团的新董事长，就是我啊。",
         "我真是有眼不识泰山！": "我真是有眼不识泰山啊啊！"}
REMOVED = "五百万？你知道我是谁吗？"
GRID = {"101": "0.20", "100": "0.30", "95-99": "0.50", "85-94": "0.60", "75-84": "0.80", "50-74": "0.90",
        "no match": "1.00"}


def _memory(target: Path) -> Path:
    text = (SAMPLE / "ep01.en.tmx").read_text(encoding="utf-8")
    for old, new in EDITS.items():
        text = text.replace(f"<seg>{old}</seg>", f"<seg>{new}</seg>")
    units = re.split(r"(?=<tu )", text)
    kept = [u for u in units if f'<tuv xml:lang="zh-Hans"><seg>{REMOVED}</seg>' not in u]
    assert len(kept) == len(units) - 1
    target.write_text("".join(kept), encoding="utf-8")
    return target


def _translation_job(folder: Path, server_url: str, card: str, video: Path) -> Path:
    """The sample's script imported (no Whisper) on ``video``: ``small_sample``, as only shot detection sees the
    picture and translation work is priced on the script alone."""
    shutil.copy(video, folder / "ep01.mp4")
    for name in ("ep01.zh.srt", "characters.yaml"):
        shutil.copy(SAMPLE / name, folder / name)
    shutil.copy(REPO / "glossaries" / "zh-en.micro-drama.yaml", folder / "glossary.yaml")
    _memory(folder / "memory.tmx")
    job = folder / "job.yaml"
    job.write_text("series: {title: The Son-in-Law Returns}\nsource_language: zh-Hans\ntargets: [en]\n"
                   "episodes: [{id: ep01, video: ep01.mp4, subtitles: ep01.zh.srt}]\n"
                   "characters: characters.yaml\nglossaries: [glossary.yaml]\n"
                   f"translation:\n  engines: [tm, llm]\n  tm: [memory.tmx]\n"
                   f"  llm: {{base_url: '{server_url}', model: test-model}}\n"
                   f"costs:\n  rate_card:\n{card}", encoding="utf-8")
    return job


def _tm_weighted_entries(work: Path) -> list[dict]:
    return [e for e in _ledger(work) if e["item"] == TM_WEIGHTED_ITEM]


def test_translation_is_priced_by_tm_weighted_units(tmp_path, server, small_sample):
    reference = dict(zip((e.plaintext for e in pysubs2.load(str(SAMPLE / "ep01.zh.srt"))),
                         (e.plaintext for e in pysubs2.load(str(SAMPLE / "ep01.en.srt"))), strict=True))
    server.translate = lambda text: reference[text]
    grid = "".join(f"      '{band}': '{weight}'\n" for band, weight in GRID.items())
    job = _translation_job(tmp_path, server.url, "    compute_second: '0'\n", small_sample)
    work = tmp_path / "work"
    assert localize("run", job, "--work", work).code == 0
    assert _tm_weighted_entries(work) == []  # the card does not price translation work: nothing is charged

    job = _translation_job(tmp_path, server.url, f"    translation_unit: '0.125'\n    leverage_grid:\n{grid}",
                           small_sample)
    done = localize("run", job, "--work", work, "--force", "translate")
    assert done.code == 0, done.stderr
    with sqlite3.connect(work / "state.sqlite") as db:
        usage = db.execute("SELECT usage FROM stage_results WHERE stage = 'draft.en'").fetchone()[0]
    bands = json.loads(usage)["tm_bands"]
    # Characters (letters and digits, not punctuation) of the 15 sentences, counted by hand: 150 in all.
    # 100 (exact, but a neighbour is missing: first and last line): 妈祝你生日快乐 7 + 好女婿快请坐快请坐 9 = 16.
    # 85-94 (edited units): 为了我老婆我什么都能忍 11 + 天龙集团的董事长就是我 11 = 22.
    # 75-84 (under the threshold of 85, so the LLM translates it): 我真是有眼不识泰山 9.
    # no match (unit removed): 五百万你知道我是谁吗 10.   101 (exact in context): the other 9 lines, 150 − 57 = 93.
    assert {band: row["units"] for band, row in bands.items()} == {
        "101": 93, "100": 16, "95-99": 0, "85-94": 22, "75-84": 9, "50-74": 0, "no match": 10}
    (entry,) = _tm_weighted_entries(work)
    # 93 × 0.20 + 16 × 0.30 + 22 × 0.60 + 9 × 0.80 + 10 × 1.00 = 18.60 + 4.80 + 13.20 + 7.20 + 10.00 = 53.80
    # weighted characters; × 0.125 CNY = 6.725 → 6.73 (half-up)
    assert (entry["quantity"], entry["unit"], entry["unit_price"], entry["amount"], entry["amount_cny"]) == \
        ("53.80", "weighted source characters", "0.125", "6.73", "6.73")
    assert (entry["stage"], entry["language"], entry["origin"]) == ("draft.en", "en", "auto")
    assert entry["note"] == ("TM match bands, units × weight: 101: 93 × 0.20; 100: 16 × 0.30; 95-99: 0 × 0.50; "
                             "85-94: 22 × 0.60; 75-84: 9 × 0.80; 50-74: 0 × 0.90; no match: 10 × 1.00; total 53.80")
    llm_entries = [e for e in _ledger(work) if e["item"] == LLM_ITEM]
    assert llm_entries  # the LLM translated one line
    for name in ("city-30", "province-50"):  # 译制 by its item alone, whatever stage it is filed under
        assert load_policy(name).counts({"item": entry["item"], "stage": None}), name
        assert all(load_policy(name).counts({"item": e["item"], "stage": None}) for e in llm_entries), name

    # A forced re-run spends compute again, but nobody translates the episode a second time.
    computes = sum(e["item"] == "compute: draft.en" for e in _ledger(work))
    assert localize("run", job, "--work", work, "--force", "draft.en").code == 0
    assert sum(e["item"] == "compute: draft.en" for e in _ledger(work)) == computes + 1
    assert _tm_weighted_entries(work) == [entry]
    assert localize("costs", "verify", job, "--work", work).code == 0


@pytest.mark.parametrize("grid, phrase", [
    ("{'101': '0.3', '100': '0.3', '95-99': '0.5', '85-94': '0.7', '75-84': '0.7', '50-74': '1'}",
     "no weight for 'no match'"),
    ("{101: '0.3', 100: '0.3', 95-99: '0.5', 85-94: '0.7', 75-84: '0.7', 50-74: '1', no_match: '1'}",
     "leverage_grid.no_match: unknown key; did you mean 'no match'?"),
    ("{101: '30', 100: '0.3', 95-99: '0.5', 85-94: '0.7', 75-84: '0.7', 50-74: '1', no match: '1'}",
     "leverage_grid.101: must be a share from 0 to 1"),
    ("[0.3, 0.5]", "leverage_grid: must be a mapping"),
], ids=["band-missing", "band-misspelt", "percent-not-share", "not-a-mapping"])
def test_a_bad_leverage_grid_is_refused_with_the_fix(tmp_path, grid, phrase):
    video = tmp_path / "ep01.mp4"
    video.touch()
    job = write_job(tmp_path / "job.yaml", [video],
                    extra=f"costs:\n  rate_card: {{translation_unit: '0.1', leverage_grid: {grid}}}\n")
    done = localize("costs", "verify", job, "--work", tmp_path / "work")
    assert done.code == 2 and phrase in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
