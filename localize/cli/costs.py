"""Costs and subsidies: the costs ledger (add, verify, claim, report), release records and claim packs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from localize.cli import _work_dir, main
from localize.errors import EXIT_QC_FAILED, BadInput, LocalizeError

if TYPE_CHECKING:
    from localize.costs.ledger import Cost
    from localize.costs.policies import Work
    from localize.job import Job
    from localize.store import WorkStore


def load_job(path: str) -> Job:
    """The job file: loaded when a command runs, not when the CLI starts (the job module pulls in every wing)."""
    from localize.job import load_job as load

    return load(path)


@main.group()
def costs() -> None:
    """The cost ledger (hash-chained, in the work store) and subsidy claims."""


def _day_option(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise LocalizeError(f"--date: '{value}' is not a date; write YYYY-MM-DD") from None


def _output(value: str, folder: bool) -> Path:
    """``-o``, checked before anything is computed: a report is a folder and a claim pack a file, and neither
    replaces a thing of the other kind, nor can it be made inside a file."""
    path = Path(value)
    existing = next(p for p in (path, *path.parents) if p.exists())  # "." or "/" always does
    if existing == path and folder and not path.is_dir():
        raise BadInput(f"-o: {path} is a file, not a folder; the report is several files: give a new or existing "
                       f"folder, e.g. -o {path.parent / (path.stem + '_report')}")
    if existing == path and not folder and path.is_dir():
        raise BadInput(f"-o: {path} is a folder; give the zip file to write, e.g. -o {path / 'claim.zip'}")
    if existing != path and not existing.is_dir():
        raise BadInput(f"-o: {existing} is a file, so {path} cannot be made inside it; choose another path")
    return path


@costs.command("add")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--item", required=True, help="What was paid for, e.g. 配音演员, translation, subtitling.")
@click.option("--amount", required=True,
              help="The total, e.g. 1200 or 99.50 (rounded half-up to cents; at most 10^12, 6 decimals).")
@click.option("--currency", required=True, help="ISO 4217 code; not CNY needs a dated rate under costs.rates.")
@click.option("--episode", default="", help="Episode id or number the cost belongs to.")
@click.option("--lang", default="", metavar="TAG", help="Target language the cost belongs to.")
@click.option("--stage", default="", help="Pipeline stage the cost belongs to, if any.")
@click.option("--quantity", default=None, help="How many units, e.g. 35.")
@click.option("--unit", default="", help="The unit, e.g. minutes or words.")
@click.option("--invoice", type=click.Path(dir_okay=False), help="Invoice file, copied into the work store by hash.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="When the cost was incurred (picks the rate; default today).")
@click.option("--note", default="")
def costs_add(job_file: str, work: str | None, item: str, amount: str, currency: str, episode: str, lang: str,
              stage: str, quantity: str | None, unit: str, invoice: str | None, day: str | None, note: str) -> None:
    """Append a manual cost (origin manual, or invoice when --invoice is given) to the ledger.

    Example: localize costs add jobs/sample.yaml --item 配音演员 --amount 1200 --currency CNY --episode 3
    """
    from localize.costs import ledger
    from localize.store import WorkStore

    job = load_job(job_file)
    cost = manual_cost(job, item, amount, currency, episode=episode, lang=lang, stage=stage, quantity=quantity,
                       unit=unit, day=day, note=note)
    row = ledger.record(WorkStore(_work_dir(job, work)), cost, job.costs.rates, job.path,
                        Path(invoice) if invoice else None)
    click.echo(f"ledger entry {row['id']}: {row['amount']} {row['currency']} = {row['amount_cny']} CNY")


def manual_cost(job: Job, item: str, amount: str, currency: str, *, episode: str = "", lang: str = "", stage: str = "",
                quantity: str | None = None, unit: str = "", day: str | None = None, note: str = "") -> Cost:
    """The entry ``costs add`` appends, from its options as typed (amounts bounded, currency and language
    normalised, the unit price from the quantity)."""
    from localize.costs.ledger import Cost
    from localize.costs.money import QUANTITY, cents, parse_amount, parse_currency
    from localize.languages import normalize_tag

    total = parse_amount(amount)
    count = parse_amount(quantity, "--quantity", QUANTITY) if quantity is not None else None
    return Cost(item=item, currency=parse_currency(currency), amount=total, quantity=count, unit=unit,
                unit_price=cents(total / count) if count else None, series=job.series.title, episode=episode,
                language=normalize_tag(lang) if lang else "", stage=stage, date=_day_option(day), note=note)


@costs.command("verify")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
def costs_verify(job_file: str, work: str | None) -> None:
    """Check the ledger's and the launch records' hash chains; exit 1 naming the first bad entry.

    Example: localize costs verify jobs/sample.yaml
    """
    from localize.costs import launches as launch_records
    from localize.costs import ledger
    from localize.store import WorkStore

    store = WorkStore(_work_dir(load_job(job_file), work))
    if not store.exists():
        click.echo("no ledger yet: 0 entries")
        return
    broken = ledger.verify(store.db) or launch_records.verify(store.db)
    if broken:
        click.echo(f"chain broken at {broken}", err=True)
        raise click.exceptions.Exit(EXIT_QC_FAILED)
    entries, launches = len(ledger.entries(store.db)), len(launch_records.launches(store.db))
    click.echo(f"ledger intact: {entries} {'entry' if entries == 1 else 'entries'}, "
               f"{launches} launch record{'s' * (launches != 1)}")
    click.echo(_head_line("ledger", ledger.head_summary(store.db)))
    click.echo(_head_line("launches", launch_records.head_summary(store.db)))


def _head_line(table: str, summary: dict) -> str:
    """The newest entry's hash, for the auditor to keep: a later chain that does not extend it was cut."""
    if not summary["entries"]:
        return f"{table} head: empty"
    line = f"{table} head: entry {summary['entries']} sha256 {summary['entry_sha256']}"
    if not summary["head_recorded"]:
        line += " (no head record yet: a cut-off end goes unnoticed until the next entry is added)"
    return line


def _recorded_store(job: Job, work: str | None) -> WorkStore:
    """The work store a claim reads: one that exists. A mistyped --work must not become a new, empty store that
    claims 0 CNY."""
    from localize.store import WorkStore

    store = WorkStore(_work_dir(job, work))
    if not store.exists():
        raise BadInput(f"--work: no work store at {store.root}: nothing was run or recorded there yet; check the "
                       f"path (`localize run` or `localize costs add` makes it)")
    return store


def work_of(job: Job) -> Work:
    """The facts about the work a subsidy policy checks."""
    from localize.costs.policies import Work

    series = job.series
    return Work(job.source_language, job.targets, series.licence, series.first_producer, series.first_producer_region)


CLAIMED_HELP = ("CNY already granted under this policy this year (other works); counts against its yearly cap. "
                "0 to 10^12, to the fen.")


@costs.command("claim")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--policy", metavar="NAME|FILE[#NAME]", help="Subsidy policy (default: the job's costs.policy).")
@click.option("--claimed-this-year", "claimed", default="0", metavar="AMOUNT", help=CLAIMED_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the claim as JSON on stdout.")
def costs_claim(job_file: str, work: str | None, policy: str | None, claimed: str, as_json: bool) -> None:
    """Eligible 译制 cost, subsidy before and after caps, and every unmet condition (exit 1 if any).

    Example: localize costs claim jobs/sample.yaml --policy city-30 --claimed-this-year 120000 --json
    """
    from localize.costs.policies import claim, claimed_amount, load_policy

    job = load_job(job_file)
    name = policy or job.costs.policy
    if not name:
        raise LocalizeError("--policy: name a policy (e.g. city-30) or set costs.policy in the job")
    chosen, already = load_policy(name), claimed_amount(claimed)
    result = claim(_recorded_store(job, work), work_of(job), chosen, already)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        click.echo(f"{result['title']} ({result['policy']})")
        click.echo(f"eligible 译制 cost: {result['eligible_cost']} CNY of {result['total_cost']} CNY")
        click.echo(f"subsidy before caps: {result['subsidy_before_caps']} CNY")
        if result["cap_per_company_year"] is not None:
            click.echo(f"yearly cap: {result['cap_per_company_year']} CNY, already claimed "
                       f"{result['claimed_this_year']} CNY, remaining {result['company_year_remaining']} CNY")
        bound = f" (capped by {', '.join(result['capped_by'])})" if result["capped_by"] else ""
        click.echo(f"subsidy after caps:  {result['subsidy_after_caps']} CNY{bound}")
        for unmet in result["unmet_conditions"]:
            click.echo(f"unmet: {unmet['condition']}: {unmet['detail']}")
    if result["unmet_conditions"]:
        raise click.exceptions.Exit(EXIT_QC_FAILED)


@costs.command("report")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("-o", "--output", required=True, metavar="DIR", help="Folder for the CSVs, costs.xlsx and summary.html.")
def costs_report(job_file: str, work: str | None, output: str) -> None:
    """Cost tables by series, episode, language and stage (CSV and XLSX) and an HTML summary with charts;
    every total equals the ledger sum to the cent.

    Example: localize costs report jobs/sample.yaml -o reports/
    """
    from localize.costs import ledger
    from localize.costs.report import write_report
    from localize.costs.tables import ledger_total
    from localize.store import WorkStore

    job = load_job(job_file)
    target = _output(output, folder=True)
    store = WorkStore(_work_dir(job, work))
    entries = ledger.entries(store.db) if store.exists() else []
    try:
        written = write_report(entries, job.series.title, target)
    except OSError as exc:  # no permission, disk full: the system's reason, in one line
        raise BadInput(f"-o: cannot write the report to {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {len(written)} files to {output}: {len(entries)} entries, "
               f"total {ledger_total(entries)} CNY")


@main.group()
def release() -> None:
    """Evidence of overseas release, kept for subsidy claims."""


@release.command("record")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--platform", required=True, help="e.g. YouTube, TikTok, ReelShort.")
@click.option("--url", required=True, help="Address of the published series or episode.")
@click.option("--date", "day", required=True, metavar="YYYY-MM-DD", help="Launch date.")
@click.option("--episodes", required=True, metavar="SPEC", help="Episode numbers launched, e.g. 1-80.")
@click.option("--lang", required=True, metavar="TAG", help="Language of the launched audio or subtitles.")
@click.option("--note", default="")
def release_record(job_file: str, work: str | None, platform: str, url: str, day: str, episodes: str, lang: str,
                   note: str) -> None:
    """Append a launch record (hash-chained like the ledger).

    Example: localize release record jobs/sample.yaml --platform YouTube --url https://youtu.be/x --date 2025-06-01
    --episodes 1-80 --lang en
    """
    from localize.costs import launches as launch_records
    from localize.store import WorkStore

    job = load_job(job_file)
    values = launch_records.launch_values(platform, url, day, episodes, lang, note)
    row = launch_records.append(WorkStore(_work_dir(job, work)).db, values)
    click.echo(f"launch record {row['id']}: {row['platform']} {row['language']} episodes {row['episodes']}")


@main.group("claim")
def claim_group() -> None:
    """Subsidy claim packs: the claim with its evidence, checksummed."""


@claim_group.command("pack")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--policy", metavar="NAME|FILE[#NAME]", help="Subsidy policy (default: the job's costs.policy).")
@click.option("--claimed-this-year", "claimed", default="0", metavar="AMOUNT", help=CLAIMED_HELP)
@click.option("-o", "--output", required=True, metavar="CLAIM.zip", help="The zip to write (atomically).")
def claim_pack(job_file: str, work: str | None, policy: str | None, claimed: str, output: str) -> None:
    """Zip the claim summary (HTML and JSON), ledger, launch records, invoices, deliverable manifests and a
    SHA256SUMS list. The pack is written even when conditions are unmet (they are listed in it), but the
    command then exits 1, as `costs claim` does.

    Example: localize claim pack jobs/sample.yaml --policy city-30 -o claim.zip
    """
    from localize.costs.claim_pack import write_pack
    from localize.costs.policies import claim, claimed_amount, load_policy

    job = load_job(job_file)
    name = policy or job.costs.policy
    if not name:
        raise LocalizeError("--policy: name a policy (e.g. city-30) or set costs.policy in the job")
    chosen, already, target = load_policy(name), claimed_amount(claimed), _output(output, folder=False)
    store = _recorded_store(job, work)
    result = claim(store, work_of(job), chosen, already)
    try:
        files = write_pack(store, result, target)
    except OSError as exc:
        raise BadInput(f"-o: cannot write the claim pack to {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {output}: {len(files)} files, subsidy after caps {result['subsidy_after_caps']} CNY")
    for unmet in result["unmet_conditions"]:
        click.echo(f"unmet: {unmet['condition']}: {unmet['detail']}", err=True)
    if result["unmet_conditions"]:
        raise click.exceptions.Exit(EXIT_QC_FAILED)
