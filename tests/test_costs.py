"""The cost ledger, launch records and subsidy claims, in real SQLite and real files.

The rules (cap arithmetic, currencies, conditions, tampering) are driven through the library functions that the
CLI commands call, called the way ``localize/cli/costs.py`` calls them (``add``, ``launch`` and ``claim`` below);
a few tests per command run the real CLI for its wiring, output and exit codes.

Every expected number below is worked out by hand in the comments (30 % of eligible 译制 cost, rounded
half-up to cents per entry and once for the subsidy)."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from localize.cli.costs import manual_cost, work_of
from localize.costs import launches as launch_records
from localize.costs import ledger, policies
from localize.costs.chain import entry_hash
from localize.costs.policies import Work, load_policy, unmet_conditions
from localize.errors import EXIT_BAD_INPUT, BadInput
from localize.job import load_job
from localize.media import find_ffmpeg
from localize.store import WorkStore, check_work_dir
from tests.conftest import REPO, localize, write_job

RATES = """costs:
  policy: city-30
  rates:
    - {currency: USD, date: 2025-01-01, cny: "7.10"}
    - {currency: USD, date: 2025-06-01, cny: "7.20"}
"""
LOCAL = "  licence: (2025)网微剧字第001号\n  first_producer: 本地影业\n  first_producer_region: 杭州\n"


def make_job(tmp_path: Path, *, series: str = LOCAL, targets: str = "[en]") -> tuple[Path, Path]:
    video = tmp_path / "ep01.mp4"
    video.touch()
    job = write_job(tmp_path / "job.yaml", [video], extra=f"targets: {targets}\n{RATES}")
    text = job.read_text(encoding="utf-8").replace("  original_title: 测试\n", "  original_title: 测试\n" + series)
    job.write_text(text, encoding="utf-8")
    return job, tmp_path / "work"


@contextlib.contextmanager
def opened(work: Path) -> Iterator[WorkStore]:
    """The work store as the CLI opens it (``--work``, checked first), closed afterwards."""
    store = WorkStore(check_work_dir(work))
    try:
        yield store
    finally:
        store.close()


def add(job: Path, work: Path, item: str, amount: str, currency: str = "CNY", *, episode: str = "", lang: str = "",
        stage: str = "", date: str | None = None, invoice: Path | None = None) -> dict:
    """A ledger entry appended as ``costs add`` appends it (same parsing, same ``ledger.record``), in-process."""
    loaded = load_job(job)
    cost = manual_cost(loaded, item, amount, currency, episode=episode, lang=lang, stage=stage, day=date)
    with opened(work) as store:
        return ledger.record(store, cost, loaded.costs.rates, loaded.path, invoice)


URL = "https://www.youtube.com/playlist?list=x"


def launch(work: Path, lang: str = "en") -> dict:
    """A launch record appended as ``release record`` appends it, in-process."""
    with opened(work) as store:
        return launch_records.append(store.db, launch_records.launch_values("YouTube", URL, "2025-07-01", "1-80",
                                                                            lang))


def claim(job: Path, work: Path, policy: str | Path | None = "city-30", claimed: str = "0") -> dict:
    """What ``costs claim --json`` prints, computed as it computes it (None: the job's costs.policy), in-process.
    The command exits 1 exactly when ``unmet_conditions`` is not empty (``claimable`` is False)."""
    loaded = load_job(job)
    chosen = load_policy(str(policy or loaded.costs.policy))
    with opened(work) as store:
        return policies.claim(store, work_of(loaded), chosen, policies.claimed_amount(claimed))


def unmet(result: dict) -> list[str]:
    return [u["condition"] for u in result["unmet_conditions"]]


def test_claim_under_the_cap(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    add(job, work, "translation", "10000")
    add(job, work, "配音演员", "5000", "CNY", episode="3", lang="en")
    launch(work)
    result = claim(job, work)
    # (10000 + 5000) × 0.30 = 4500.00, under 100000
    assert (result["claimable"], result["eligible_cost"], result["subsidy_before_caps"],
            result["subsidy_after_caps"]) == (True, "15000.00", "4500.00", "4500.00")
    assert unmet(result) == [] and result["capped"] is False and result["capped_by"] == []
    assert (result["cap_per_company_year"], result["claimed_this_year"], result["company_year_remaining"]) == \
        (None, "0.00", None)  # city-30 names no yearly cap


def test_claim_over_the_cap(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    add(job, work, "dubbing", "400000.50")
    launch(work)
    result = claim(job, work)
    # 400000.50 × 0.30 = 120000.15, capped at 100000.00
    assert (result["claimable"], result["subsidy_before_caps"], result["subsidy_after_caps"], result["capped"]) == \
        (True, "120000.15", "100000.00", True)
    assert result["capped_by"] == ["cap_per_work"]


YEARLY = """policies:
  yearly:
    title: A measure with a yearly cap per company
    rate: "0.30"
    cap_per_work: "100000"
    cap_per_company_year: "300000"
    counts_as_translation: [translat, dub, 配音]
"""


@pytest.mark.parametrize("claimed, remaining, after, capped_by", [
    ("0", "300000.00", "100000.00", ["cap_per_work"]),
    ("200000", "100000.00", "100000.00", ["cap_per_work", "cap_per_company_year"]),  # both bind, equally
    ("215000.50", "84999.50", "84999.50", ["cap_per_company_year"]),
    ("299999.99", "0.01", "0.01", ["cap_per_company_year"]),
    ("350000", "0.00", "0.00", ["cap_per_company_year"]),  # over the cap already: nothing left, never negative
], ids=["none-claimed", "tie", "yearly-binds", "one-fen-left", "exhausted"])
def test_claim_under_a_yearly_cap(tmp_path: Path, claimed: str, remaining: str, after: str,
                                  capped_by: list[str]) -> None:
    job, work = yearly_job(tmp_path)
    result = claim(job, work, tmp_path / "yearly.yaml", claimed)
    # before caps: 400000.50 × 0.30 = 120000.15; after = min(120000.15, 100000, max(0, 300000 − claimed))
    assert (result["claimable"], result["subsidy_before_caps"], result["cap_per_company_year"]) == \
        (True, "120000.15", "300000.00")
    assert (result["claimed_this_year"], result["company_year_remaining"], result["subsidy_after_caps"],
            result["capped_by"], result["capped"]) == (f"{Decimal(claimed):.2f}", remaining, after, capped_by, True)


def yearly_job(tmp_path: Path) -> tuple[Path, Path]:
    """One 400000.50 CNY dubbing entry and an English launch, and the YEARLY policy in yearly.yaml."""
    job, work = make_job(tmp_path)
    (tmp_path / "yearly.yaml").write_text(YEARLY, encoding="utf-8")
    add(job, work, "dubbing", "400000.50")
    launch(work)
    return job, work


def test_costs_claim_prints_json_and_text(tmp_path: Path) -> None:
    job, work = yearly_job(tmp_path)
    policy = ("--policy", tmp_path / "yearly.yaml", "--claimed-this-year", "200000")
    done = localize("costs", "claim", job, "--work", work, *policy, "--json")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(json.dumps(claim(job, work, tmp_path / "yearly.yaml", "200000")))
    text = localize("costs", "claim", job, "--work", work, *policy)
    # 400000.50 × 0.30 = 120000.15; both caps leave 100000.00 (300000 − 200000), so both are named
    assert (text.code, text.stdout.splitlines()) == (0, [
        "A measure with a yearly cap per company (yearly)",
        "eligible 译制 cost: 400000.50 CNY of 400000.50 CNY",
        "subsidy before caps: 120000.15 CNY",
        "yearly cap: 300000.00 CNY, already claimed 200000.00 CNY, remaining 100000.00 CNY",
        "subsidy after caps:  100000.00 CNY (capped by cap_per_work, cap_per_company_year)"]), text.stderr


@pytest.mark.parametrize("claimed", ["12,000", "1e5", "-5", "100.001", "", "abc"])
def test_a_malformed_claimed_amount_is_refused(claimed: str) -> None:
    with pytest.raises(BadInput) as refused:
        policies.claimed_amount(claimed)  # what costs claim and claim pack parse --claimed-this-year with
    message = str(refused.value)
    assert refused.value.exit_code == EXIT_BAD_INPUT and "--claimed-this-year" in message, message
    assert len(message.strip().splitlines()) == 1, message


def test_a_malformed_claimed_amount_is_refused_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    add(job, work, "translation", "1000")
    for command in (("costs", "claim"), ("claim", "pack", "-o", tmp_path / "claim.zip")):
        done = localize(*command, job, "--work", work, "--policy", "city-30", "--claimed-this-year", "12,000")
        assert done.code == 2 and "--claimed-this-year" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not (tmp_path / "claim.zip").exists()


def test_a_claim_on_a_work_dir_that_does_not_exist_is_refused_and_makes_none(tmp_path: Path) -> None:
    """A mistyped --work used to become a new, empty store claiming 0 CNY."""
    job, work = make_job(tmp_path)
    add(job, work, "translation", "1000")
    typo = tmp_path / "wrok"
    for command in (("costs", "claim"), ("claim", "pack", "-o", tmp_path / "claim.zip")):
        done = localize(*command, job, "--work", typo, "--policy", "city-30")
        assert done.code == 2 and f"--work: no work store at {typo}" in done.stderr, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert not typo.exists() and not (tmp_path / "claim.zip").exists()


def test_claim_mixed_currencies_with_dated_rates(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    add(job, work, "translation", "1000", "USD", date="2025-03-15")  # rate of 2025-01-01: 7100.00
    add(job, work, "subtitling", "333.33", "USD", date="2025-07-01")  # 7.20: 2399.976 → 2399.98
    add(job, work, "配音", "1234.56")
    launch(work)
    result = claim(job, work)
    # 7100.00 + 2399.98 + 1234.56 = 10734.54; × 0.30 = 3220.362 → 3220.36
    assert (result["claimable"], result["eligible_cost"], result["subsidy_after_caps"]) == \
        (True, "10734.54", "3220.36")
    with sqlite3.connect(work / "state.sqlite") as db:
        rows = db.execute("SELECT amount_cny, rate_used, rate_date FROM ledger ORDER BY id").fetchall()
    assert rows == [("7100.00", "7.10", "2025-01-01"), ("2399.98", "7.20", "2025-06-01"), ("1234.56", "1", None)]


def test_claim_items_that_are_not_translation(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    add(job, work, "翻译", "2000")
    add(job, work, "transcription", "500")
    add(job, work, "packaging", "300")
    add(job, work, "市场推广", "1000")
    launch(work)
    result = claim(job, work)
    # only 翻译 counts: 2000 × 0.30 = 600.00 of a 3800.00 total
    assert (result["claimable"], result["total_cost"], result["eligible_cost"], result["subsidy_after_caps"]) == \
        (True, "3800.00", "2000.00", "600.00")
    assert (result["entries_counted"], result["entries_excluded"]) == ([1], [2, 3, 4])


def test_claim_without_launch_proof(tmp_path: Path) -> None:
    job, work = make_job(tmp_path, series="  first_producer: 外地影业\n")
    add(job, work, "translation", "1000")
    launch(work, "zh-Hans")  # a launch in the source language is no overseas proof
    done = localize("costs", "claim", job, "--work", work, "--json")  # the job's costs.policy: city-30
    result = json.loads(done.stdout)
    assert (done.code, result["policy"], result["subsidy_after_caps"], result["claimable"]) == \
        (1, "city-30", "300.00", False)
    assert unmet(result) == ["licence", "overseas_launch", "producer_local"]


def four_entries(tmp_path: Path) -> Path:
    """A work dir whose ledger holds four manual entries, appended as ``costs add`` appends them (real SQLite)."""
    work = tmp_path / "work"
    store = WorkStore(work)
    for item, amount in (("translation", "100"), ("dubbing", "200"), ("subtitling", "300"), ("review", "400")):
        ledger.record(store, ledger.Cost(item=item, currency="CNY", amount=Decimal(amount)))
    store.close()
    assert broken(work) is None
    return work


def broken(work: Path) -> str | None:
    """What ``costs verify`` reports as the first bad entry of the ledger; None when it is intact."""
    store = WorkStore(work)
    try:
        found = ledger.verify(store.db)
    finally:
        store.close()
    return None if found is None else str(found)


def tampered(work: Path, tamper) -> None:
    with sqlite3.connect(work / "state.sqlite") as db:
        tamper(db)


@pytest.mark.parametrize("tamper", [
    "UPDATE ledger SET amount = '2000.00', amount_cny = '2000.00' WHERE id = 2",
    "DELETE FROM ledger WHERE id = 2",
    "UPDATE ledger SET id = -1 WHERE id = 2; UPDATE ledger SET id = 2 WHERE id = 3; "
    "UPDATE ledger SET id = 3 WHERE id = -1",
], ids=["edited", "deleted", "swapped"])
def test_verify_names_the_first_bad_entry(tmp_path: Path, tamper: str) -> None:
    work = four_entries(tmp_path)
    tampered(work, lambda db: db.executescript(tamper))
    assert broken(work).startswith("ledger entry 2:")


def last_hash(work: Path) -> str:
    with sqlite3.connect(work / "state.sqlite") as db:
        return db.execute("SELECT entry_sha256 FROM ledger ORDER BY id DESC LIMIT 1").fetchone()[0]


def rehash(db: sqlite3.Connection, entry_id: int) -> None:
    """Recompute a row's hash the way localize does, as someone covering their tracks would."""
    db.row_factory = sqlite3.Row
    row = dict(db.execute("SELECT * FROM ledger WHERE id = ?", (entry_id,)).fetchone())
    del row["entry_sha256"]
    db.execute("UPDATE ledger SET entry_sha256 = ? WHERE id = ?", (entry_hash(row), entry_id))


def append_forged(db: sqlite3.Connection) -> None:
    """A fifth row chained correctly onto the fourth, written straight into SQLite."""
    db.execute("INSERT INTO ledger SELECT 5, time, date, series, episode, language, stage, item, quantity, unit, "
               "unit_price, currency, amount, amount_cny, rate_used, rate_date, origin, evidence_sha256, note, "
               "entry_sha256, '' FROM ledger WHERE id = 4")
    rehash(db, 5)


def replace_last(db: sqlite3.Connection) -> None:
    db.execute("UPDATE ledger SET amount = '4000.00', amount_cny = '4000.00' WHERE id = 4")
    rehash(db, 4)


@pytest.mark.parametrize("tamper, message", [
    (lambda db: db.execute("DELETE FROM ledger WHERE id = 4"),
     "ledger entry 4: missing (the newest entries were cut off): the head record says 4 entries, the table holds 3"),
    (lambda db: db.execute("DELETE FROM ledger WHERE id >= 2"), "ledger entry 2: missing (the newest entries"),
    (append_forged, "ledger entry 5: not in the head record, which ends at entry 4"),
    (replace_last, "ledger entry 4: does not match the head record's hash (the newest entry was replaced)"),
], ids=["last-deleted", "last-three-deleted", "forged-append", "last-replaced"])
def test_verify_checks_the_end_of_the_chain_against_its_head(tmp_path: Path, tamper, message: str) -> None:
    work = four_entries(tmp_path)
    tampered(work, tamper)
    assert broken(work).startswith(message)


def test_verify_prints_the_head_and_a_broken_chain_fails_verify_and_the_claim(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    four_entries(tmp_path)
    launch(work)
    done = localize("costs", "verify", job, "--work", work)
    assert done.code == 0 and f"ledger head: entry 4 sha256 {last_hash(work)}\n" in done.stdout, done.stdout
    assert "ledger intact: 4 entries, 1 launch record\n" in done.stdout and "launches head: entry 1" in done.stdout
    tampered(work, replace_last)
    done = localize("costs", "verify", job, "--work", work)
    assert done.code == 1 and "chain broken at ledger entry 4: does not match the head record" in done.stderr
    result = claim(job, work)
    assert result["claimable"] is False and unmet(result)[0] == "ledger_intact"


def test_a_store_without_head_records_verifies_and_gets_one_on_the_next_append(tmp_path: Path) -> None:
    work = four_entries(tmp_path)
    tampered(work, lambda db: db.execute("DROP TABLE chain_heads"))  # a ledger written before head records existed
    store = WorkStore(work)
    assert ledger.verify(store.db) is None
    assert ledger.head_summary(store.db) == {"entries": 4, "entry_sha256": last_hash(work), "head_recorded": False}
    ledger.record(store, ledger.Cost(item="dubbing", currency="CNY", amount=Decimal("500")))
    assert ledger.head_summary(store.db) == {"entries": 5, "entry_sha256": last_hash(work), "head_recorded": True}
    store.close()
    tampered(work, lambda db: db.execute("DELETE FROM ledger WHERE id = 5"))
    assert broken(work).startswith("ledger entry 5: missing (the newest entries were cut off)")


def test_verify_detects_an_inserted_row(tmp_path: Path) -> None:
    work = four_entries(tmp_path)

    def insert(db: sqlite3.Connection) -> None:
        db.execute("UPDATE ledger SET id = -id WHERE id >= 3")  # make room, then insert a forged entry 3
        db.execute("UPDATE ledger SET id = 1 - id WHERE id < 0")
        row = db.execute("SELECT * FROM ledger WHERE id = 2").fetchone()
        db.execute(f"INSERT INTO ledger VALUES (3, {', '.join('?' * (len(row) - 1))})", row[1:])

    tampered(work, insert)
    assert broken(work).startswith("ledger entry 3:")


LOOP = """
import sys
from decimal import Decimal
from pathlib import Path
from localize.costs import ledger
from localize.store import WorkStore
store = WorkStore(Path(sys.argv[1]))
for n in range(200):
    ledger.record(store, ledger.Cost(item="translation", currency="CNY", amount=Decimal(n), note=sys.argv[2]))
"""


def test_two_processes_appending_keep_the_chain(tmp_path: Path) -> None:
    work = tmp_path / "work"
    loops = [subprocess.Popen([sys.executable, "-c", LOOP, str(work), name]) for name in ("a", "b")]
    assert [p.wait(timeout=300) for p in loops] == [0, 0]
    assert broken(work) is None
    with sqlite3.connect(work / "state.sqlite") as db:
        assert db.execute("SELECT entries, entry_sha256 FROM chain_heads WHERE name = 'ledger'").fetchone() == \
            (400, last_hash(work))


@pytest.mark.parametrize("bad", [
    dict(amount="12,00"),
    dict(amount="1e3"),
    dict(currency="EUR"),  # no EUR rate in the job
    dict(currency="USD", date="2024-12-31"),  # before the first USD rate
    dict(invoice="missing.pdf"),
], ids=["comma", "exponent", "unknown-currency", "no-rate-yet", "missing-invoice"])
def test_bad_input_writes_nothing(tmp_path: Path, bad: dict[str, str]) -> None:
    job, work = make_job(tmp_path)
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(b"%PDF-1.4 invoice")
    given = {"amount": "100", "currency": "CNY", "invoice": invoice, **bad}
    given["invoice"] = tmp_path / given["invoice"]  # an absolute path stays itself

    def refused() -> None:
        with pytest.raises(BadInput) as error:
            add(job, work, "配音演员", given["amount"], given["currency"], date=given.get("date"),
                invoice=given["invoice"])
        assert error.value.exit_code == EXIT_BAD_INPUT and len(str(error.value).strip().splitlines()) == 1, error

    refused()
    assert not work.exists()
    add(job, work, "translation", "1")  # and with a ledger already there, still no row and no copy
    refused()
    with sqlite3.connect(work / "state.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM ledger").fetchone() == (1,)
    assert not (work / "invoices").exists()


def test_costs_add_refuses_bad_input_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    invoice = tmp_path / "invoice.pdf"
    invoice.write_bytes(b"%PDF-1.4 invoice")
    done = localize("costs", "add", job, "--work", work, "--item", "配音演员", "--amount", "100", "--currency", "USD",
                    "--date", "2024-12-31", "--invoice", invoice)  # before the first USD rate
    assert done.code == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "no USD → CNY rate dated on or before 2024-12-31" in done.stderr and not work.exists()


def test_invoice_is_stored_by_hash(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    invoice = tmp_path / "Invoice.PDF"
    invoice.write_bytes(b"%PDF-1.4 invoice")
    done = localize("costs", "add", job, "--work", work, "--item", "配音演员", "--amount", "1200", "--currency", "cny",
                    "--episode", "3", "--lang", "EN", "--stage", "dub", "--date", "2025-06-02", "--invoice", invoice)
    assert (done.code, done.stdout) == (0, "ledger entry 1: 1200.00 CNY = 1200.00 CNY\n"), done.stderr
    with sqlite3.connect(work / "state.sqlite") as db:
        origin, digest, *row = db.execute("SELECT origin, evidence_sha256, series, episode, language, stage, date, "
                                          "currency FROM ledger").fetchone()
    assert origin == "invoice" and (work / "invoices" / f"{digest}.pdf").read_bytes() == invoice.read_bytes()
    assert row == ["Test Series", "3", "en", "dub", "2025-06-02", "CNY"]  # every option reached the entry


def test_release_record(tmp_path: Path) -> None:
    job, work = make_job(tmp_path)
    done = localize("release", "record", job, "--work", work, "--platform", "YouTube", "--url", URL, "--date",
                    "2025-07-01", "--episodes", "1-80", "--lang", "EN")
    assert (done.code, done.stdout) == (0, "launch record 1: YouTube en episodes 1-80\n"), done.stderr
    with opened(work) as store:
        rows = launch_records.launches(store.db)
        assert launch_records.verify(store.db) is None
    assert [(r["platform"], r["url"], r["date"], r["episodes"], r["language"]) for r in rows] == \
        [("YouTube", URL, "2025-07-01", "1-80", "en")]


def readme_job(folder: Path) -> Path:
    """README's job example, taken from README.md as it is now, in a folder laid out as the example assumes
    (jobs/ beside samples/ and glossaries/, its own files beside it): a README that drifts fails here."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Job files\n"):]
    example = section[section.index("```yaml\n") + len("```yaml\n"):section.index("\n```", section.index("```yaml"))]
    jobs = folder / "jobs"
    jobs.mkdir()
    for name in ("samples", "glossaries"):
        (folder / name).symlink_to(REPO / name)
    for name, source in (("characters.yaml", "characters.yaml"), ("memory.tmx", "ep01.en.tmx"),
                         ("ep01.zh.srt", "ep01.zh.srt")):
        (jobs / name).write_bytes((REPO / "samples" / source).read_bytes())
    # The example's M&E stem: the episode's own sound stands in (as long as the episode, as a stem must be).
    subprocess.run([find_ffmpeg(None), "-nostdin", "-v", "error", "-i", str(REPO / "samples" / "ep01.mp4"), "-vn",
                    str(jobs / "ep01.me.wav")], check=True)
    job = jobs / "readme.yaml"
    job.write_text(example + "\n", encoding="utf-8")
    return job


def test_readme_job_example_carries_what_a_claim_needs(tmp_path: Path) -> None:
    job, work = readme_job(tmp_path), tmp_path / "work"
    add(job, work, "translation", "1000", "USD", date="2025-03-01", lang="en")  # README's rate: 7.10
    launch(work)
    result = claim(job, work, policy=None)  # README's costs.policy: city-30
    assert result["claimable"], result["unmet_conditions"]
    # 1000 USD × 7.10 = 7100.00 CNY of 译制; × 0.30 = 2130.00
    assert (result["policy"], unmet(result), result["eligible_cost"], result["subsidy_after_caps"]) == \
        ("city-30", [], "7100.00", "2130.00")


@pytest.mark.parametrize("series, named", [
    (dict(first_producer="本地影业"), "add series.first_producer_region (where it is registered, e.g. 杭州) to"),
    (dict(first_producer_region="杭州"), "add series.first_producer (the 出品方, as registered) to the job"),
    ({}, "add series.first_producer (the 出品方, as registered) and series.first_producer_region"),
])
def test_an_unmet_producer_condition_names_the_job_key_to_add(series: dict, named: str) -> None:
    work = Work("zh-Hans", ("en",), licence="L", **series)
    found = [u["detail"] for u in unmet_conditions(load_policy("city-30"), work, []) if u["condition"] ==
             "producer_local"]
    assert len(found) == 1 and found[0].startswith(named), found
