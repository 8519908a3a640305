"""``localize review``: the translator's round trip. ``export`` writes XLIFF 2.1 and XLSX review files of the
run's drafts; ``import`` checks reviewed files and records their approvals beside the job, for the next run."""

from __future__ import annotations

from pathlib import Path

import click

from localize.cli import _work_dir, main
from localize.errors import BadInput


@main.group()
def review() -> None:
    """Review drafts in a CAT tool (XLIFF) or a spreadsheet (XLSX), then bring the approvals back."""


@review.command("export")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, metavar="DIR", type=click.Path(file_okay=False),
              help="Folder for <job>.<episode>.<language>.xlf / .xlsx files.")
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--episodes", metavar="SPEC", help="Episodes by position or id, e.g. 1-3,7 or ep01,ep02.")
@click.option("--lang", "languages", metavar="TAG", multiple=True, help="Only these languages (default: all targets).")
@click.option("--format", "formats", type=click.Choice(["xliff", "xlsx"]), multiple=True,
              help="File formats (default: both).")
def review_export(job_file: str, output: str, work: str | None, episodes: str | None, languages: tuple[str, ...],
                  formats: tuple[str, ...]) -> None:
    """Write one review file per episode and language: every sentence with its cues, speaker, glossary terms,
    TM match, QA flags and the most characters that fit.

    Example: localize review export jobs/sample.yaml -o review --lang en --format xliff
    """
    from localize.job import load_job, select_episodes
    from localize.review_round import episode_reviews, export_reviews

    job = load_job(job_file)
    chosen = _languages(languages, job.targets)
    wanted = [(episode, language) for episode in select_episodes(job, episodes) for language in chosen]
    reviews = episode_reviews(job, _work_dir(job, work), wanted)
    for path in export_reviews(reviews, job, Path(output), formats or ("xliff", "xlsx")):
        click.echo(str(path))


def _languages(given: tuple[str, ...], targets: tuple[str, ...]) -> tuple[str, ...]:
    from localize.languages import normalize_tag

    chosen = tuple(dict.fromkeys(normalize_tag(language) for language in given)) or targets
    unknown = [language for language in chosen if language not in targets]
    if unknown:
        raise BadInput(f"--lang {unknown[0]}: not a target of the job (targets: {', '.join(targets)})")
    return chosen


@review.command("import")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.argument("files", metavar="FILE...", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--rebase", is_flag=True, help="Apply a file exported from an earlier draft to the current one.")
@click.option("--partial", is_flag=True, help="Import the valid units of a file whose other units have errors.")
def review_import(job_file: str, files: tuple[str, ...], work: str | None, rebase: bool, partial: bool) -> None:
    """Check reviewed XLIFF/XLSX files and record their approvals for the next run. Every problem is listed by
    unit; if any file has errors, nothing is imported (exit 2).

    Example: localize review import jobs/sample.yaml review/sample.ep01.en.xlf && localize run jobs/sample.yaml
    """
    from localize.job import load_job
    from localize.review_round import check_review_files, record_imports

    job = load_job(job_file)
    results = check_review_files(job, _work_dir(job, work), [Path(f) for f in files], rebase, partial)
    for result in results:
        for problem in result.problems:
            kind = "error" if problem.is_error else "warning"
            where = f"unit {problem.unit}: " if problem.unit else ""
            click.echo(f"{result.file}: {kind}: {where}{problem.rule}: {problem.detail}", err=True)
    refused = [str(result.file) for result in results if result.refused]
    if refused:
        raise BadInput(f"nothing imported: {', '.join(refused)} {'has' if len(refused) == 1 else 'have'} errors "
                       "(listed above)")
    record_imports(job, results)
    for result in results:
        if result.round is None:
            click.echo(f"{result.file}: {result.episode} {result.language}: nothing changed")
            continue
        units = result.round.units
        edited = sum(1 for unit in units if unit.effort.edited_tokens)
        click.echo(f"{result.file}: {result.episode} {result.language}: {len(units)} sentence(s) approved, "
                   f"{edited} edited (import {result.round.id})")
    if any(result.round for result in results):
        click.echo(f"next: localize run {job_file}  (applies the approvals; only what changed is laid out again)")
