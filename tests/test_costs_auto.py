"""Every stage that runs leaves a priced ledger entry; cached stages cost nothing and leave none."""

from __future__ import annotations

import csv
import sqlite3
from decimal import Decimal

from tests.conftest import localize, write_job


def _ledger(work) -> list[dict]:
    with sqlite3.connect(work / "state.sqlite") as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute("SELECT * FROM ledger ORDER BY id")]


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
