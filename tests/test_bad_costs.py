"""Money and rate inputs out of bounds, and report paths that cannot be written: refused where they are read, in
one line with exit 2, never a traceback halfway through a run. The bounds as functions first, then a few CLI
runs of the commands the issue named."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from localize.costs import ledger
from localize.costs.auto import StageRun, stage_costs
from localize.costs.money import (
    AMOUNT,
    EXCHANGE_RATE,
    GRANT,
    MAX_AMOUNT,
    PRICE,
    QUANTITY,
    SHARE,
    decimal_in,
    parse_amount,
)
from localize.costs.policies import apply_caps, load_policy
from localize.costs.settings import ExchangeRate
from localize.costs.usage import Usage
from localize.errors import BadInput
from localize.job import RATE_CARD_PRICES
from localize.translate.leverage import DEFAULT_GRID
from tests.conftest import localize
from tests.test_costs import make_job

FORTY_ONE_DIGITS = "1" * 41


@pytest.mark.parametrize("bounds, good, bad", [
    (PRICE, ["0", "0.0", "0.000001", "1000000", 0.002, "5e-05"], ["1e30", "1000000.01", "-0.01", "0.0000001"]),
    (EXCHANGE_RATE, ["7.10", 7.1, "0.00001700", "10000"], ["0", "-7", "10000.5", "1e5", "0.000000001"]),
    (SHARE, ["0", "0.3", "1", "0.123456"], ["1.01", "30", "-0.1", "0.1234567"]),
    (GRANT, ["0", "100000", "1000000000000", "0.01"], ["-1", "0.001", "1000000000000.01", FORTY_ONE_DIGITS]),
])
def test_each_kind_of_number_has_a_range_and_decimals(bounds, good: list, bad: list) -> None:
    parse = decimal_in(bounds)
    assert [parse(v) for v in good] == [Decimal(str(v)) for v in good]
    for value in bad:
        with pytest.raises(ValueError, match=f"must be .* with at most {bounds.places} decimals, got '{value}'"):
            parse(value)


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "sNaN", True, "abc", ""])
def test_what_is_not_a_finite_number_is_refused(value) -> None:
    with pytest.raises(ValueError):
        decimal_in(PRICE)(value)


@pytest.mark.parametrize("value, what, bounds", [
    (FORTY_ONE_DIGITS, "--amount", AMOUNT),
    ("-1000000000000.5", "--amount", AMOUNT),
    ("0.0000001", "--quantity", QUANTITY),
    (FORTY_ONE_DIGITS, "--claimed-this-year", GRANT),
    ("100.001", "--claimed-this-year", GRANT),
])
def test_a_cli_amount_out_of_bounds_names_the_option_and_the_range(value: str, what: str, bounds) -> None:
    with pytest.raises(BadInput, match=f"^{what}: must be .*{MAX_AMOUNT}.*decimals, got '{value}'$"):
        parse_amount(value, what, bounds)
    assert parse_amount("-1000000000000", "--amount") == -MAX_AMOUNT


def test_the_largest_inputs_allowed_never_overflow_the_arithmetic() -> None:
    """Everything at its bound at once: each product must still round to the cent (it raised InvalidOperation
    when a 1e30 price or a 41-digit amount got through)."""
    top_rate = ExchangeRate("USD", dt.date(2025, 1, 1), Decimal("9999.99999999"))
    row = ledger.price(ledger.Cost(item="translation", currency="USD", amount=Decimal("-999999999999.999999"),
                                   date=dt.date(2025, 2, 1)), (top_rate,))
    assert (row["amount"], row["amount_cny"]) == ("-1000000000000.00", "-9999999999990000.00")
    card = {"currency": "CNY", **{key: Decimal("999999.999999") for key in RATE_CARD_PRICES},
            "leverage_grid": dict(DEFAULT_GRID)}
    usage = Usage(on_gpu=True, mt_engine="argos", mt_units=10**9, llm_tokens=10**9,
                  tm_bands={"no match": {"units": 10**9, "segments": 1}})
    run = StageRun("S", "ep01", "draft.en", "en", 10**7 + 0.123, usage)
    costs = [ledger.price(cost, ()) for cost in stage_costs(run, ("translation",), card, "zh-Hans", lambda item: False)]
    assert [c["amount"] for c in costs][:2] == ["10000000122990.00", "999999999999000.00"]  # 10000000.123 s, 1e9 units
    assert len(costs) == 4 and all(Decimal(c["amount"]) > 0 for c in costs)
    granted = apply_caps(Decimal("9999999999999999.99"), load_policy("city-30"), MAX_AMOUNT)
    assert granted["subsidy_after_caps"] == "100000.00"


def test_a_policy_file_out_of_bounds_is_refused_naming_the_key(tmp_path: Path) -> None:
    policy = tmp_path / "mine.yaml"
    policy.write_text("policies:\n  mine: {title: Mine, rate: '0.3', cap_per_work: '1e30'}\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"policies\.mine\.cap_per_work: must be CNY from 0 to 1000000000000"):
        load_policy(str(policy))


def one_line(done) -> str:
    assert done.code == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr


def test_a_rate_card_price_out_of_bounds_fails_job_check_and_run_before_anything_runs(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    job.write_text(job.read_text(encoding="utf-8") + "  rate_card: {compute_second: \"1e30\"}\n", encoding="utf-8")
    for command in (("job", "check", job), ("run", job, "--work", work)):
        message = one_line(localize(*command))
        assert "costs.rate_card.compute_second: must be a price from 0 to 1000000" in message, message
    assert not work.exists()


@pytest.mark.parametrize("option, value", [
    ("--amount", FORTY_ONE_DIGITS), ("--quantity", FORTY_ONE_DIGITS), ("--claimed-this-year", FORTY_ONE_DIGITS),
])
def test_a_41_digit_number_on_the_command_line_is_one_line(tmp_path: Path, option: str, value: str) -> None:
    job, work = make_job(tmp_path)
    if option == "--claimed-this-year":
        done = localize("costs", "claim", job, "--work", work, "--policy", "city-30", option, value)
    else:
        amount = () if option == "--amount" else ("--amount", "100")
        done = localize("costs", "add", job, "--work", work, "--item", "配音", "--currency", "CNY", option, value,
                        *amount)
    assert one_line(done).startswith(f"error: {option}: must be "), done.stderr
    assert not (work / "state.sqlite").exists()


def test_report_and_pack_outputs_of_the_wrong_kind_are_refused(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    existing = tmp_path / "costs.xlsx"
    existing.write_bytes(b"someone's spreadsheet")
    message = one_line(localize("costs", "report", job, "--work", work, "-o", existing))
    assert f"-o: {existing} is a file, not a folder" in message and "costs_report" in message, message
    message = one_line(localize("costs", "report", job, "--work", work, "-o", existing / "report"))
    assert f"{existing} is a file" in message, message
    assert existing.read_bytes() == b"someone's spreadsheet"
    message = one_line(localize("claim", "pack", job, "--work", work, "--policy", "city-30", "-o", tmp_path))
    assert f"-o: {tmp_path} is a folder; give the zip file to write" in message, message
    done = localize("costs", "report", job, "--work", work, "-o", tmp_path / "report")
    again = localize("costs", "report", job, "--work", work, "-o", tmp_path / "report")  # an earlier report: replaced
    assert (done.code, again.code) == (0, 0) and (tmp_path / "report" / "costs.xlsx").is_file(), again.stderr
