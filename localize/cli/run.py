"""Running jobs: run, status, job check, and transcribe (media to source-language subtitles)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from localize.cli import _work_dir, main
from localize.errors import EXIT_QC_FAILED

if TYPE_CHECKING:
    from localize.job import Job
    from localize.pipeline import Preflight


@main.command()
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--episodes", metavar="SPEC", help="Episodes by position or id, e.g. 1-3,7 or ep01,ep02.")
@click.option("--force", "force", metavar="STAGE", multiple=True, help="Re-run this stage even if cached (or: all).")
@click.option("--jobs", "jobs", default=1, show_default=True, type=click.IntRange(1, 64), metavar="N",
              help="Stages to run side by side in worker processes (each loads its own models).")
@click.option("--fail-fast", is_flag=True, help="Start nothing new after the first failure (default: a failure "
                                                "stops only the stages that need its outputs).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary on stdout.")
def run(job_file: str, work: str | None, episodes: str | None, force: tuple[str, ...], jobs: int, fail_fast: bool,
        as_json: bool) -> None:
    """Run a job, resuming from whatever an earlier run finished.

    A failing episode, language or profile never stops the others: the run goes on, reports every failure and
    blocked stage, and exits with the worst code (1 QC failed, 2 bad input, 3 engine unavailable).

    Example: localize run jobs/sample.yaml --episodes 1-3 --jobs 2 --json
    """
    from localize.pipeline import run_job
    from localize.progress import make_reporter
    from localize.report import series

    started = time.monotonic()
    job, work_dir, ready = _checked(job_file, work, episodes, force)
    reporter = make_reporter()
    try:
        outcomes = run_job(job, ready.graphs, work_dir, ready.forced, reporter, ready.ffmpeg,
                           command=f"localize run {job_file}", jobs=jobs, fail_fast=fail_fast,
                           finished=lambda outcomes: series.write(job, work_dir, outcomes))
    finally:
        reporter.close()
    stages = [s for o in outcomes for s in o.stages]
    summary = {
        "job": job.name,
        "work_dir": str(work_dir.resolve()),
        "report": str(series.report_folder(work_dir).resolve() / "series.html"),
        "episodes": [{"id": o.id, "errors": o.errors, "blocked": o.blocked, "stages": [s.__dict__ for s in o.stages],
                      "qc": o.qc} for o in outcomes],
        "stages_run": sum(s.status == "ran" for s in stages),
        "cache_hits": sum(s.status == "cached" for s in stages),
        "failed_episodes": [o.id for o in outcomes if o.errors],
        "qc_failed": [path for o in outcomes for path, qc in o.qc.items() if not qc["passed"]],
        "seconds": round(time.monotonic() - started, 3),
    }
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for outcome in outcomes:
            for error in outcome.errors:
                click.echo(f"error: {outcome.id} {error['stage']}: {error['message']}", err=True)
            for blocked in outcome.blocked:
                click.echo(f"blocked: {outcome.id} {blocked['stage']}: {blocked['reason']}", err=True)
        for path in summary["qc_failed"]:
            click.echo(f"QC failed: {work_dir / path} (see: localize qc show {work_dir / path})", err=True)
        done = sum(not o.errors and not o.blocked for o in outcomes)
        click.echo(f"{done}/{len(outcomes)} episodes done: {summary['stages_run']} stages ran, "
                   f"{summary['cache_hits']} cached, {summary['seconds']:.1f}s; work dir {summary['work_dir']}; "
                   f"report {summary['report']}")
    codes = [error["exit_code"] for outcome in outcomes for error in outcome.errors]
    if summary["qc_failed"] or any(outcome.blocked for outcome in outcomes):
        codes.append(EXIT_QC_FAILED)
    if codes:
        sys.exit(max(codes))


def _checked(job_file: str, work: str | None = None, episodes: str | None = None,
             force: tuple[str, ...] = ()) -> tuple[Job, Path, Preflight]:
    """Everything ``run`` checks before its first stage; ``job check`` calls it too, so it fails on every job that
    ``run`` would refuse."""
    from localize.job import load_job, select_episodes
    from localize.pipeline import preflight

    job = load_job(job_file)
    selected = select_episodes(job, episodes)
    work_dir = _work_dir(job, work)
    return job, work_dir, preflight(job, selected, force)


@main.command()
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--json", "as_json", is_flag=True, help="Print the series report (as in <work>/report/series.json).")
def status(job_file: str, work: str | None, as_json: bool) -> None:
    """Show each episode's stages: done, stale (inputs or settings changed), pending, failed or blocked (the last
    run did not start it: an input failed or failed QC). Runs nothing.

    Example: localize status jobs/sample.yaml --json
    """
    from rich.console import Console

    from localize.job import load_job
    from localize.report import series
    from localize.report.status_table import status_table

    job = load_job(job_file)
    report = series.build(job, _work_dir(job, work))
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    Console().print(status_table(report, f"{job.name}: {len(job.episodes)} episodes"))
    for failure in report["failures"]:
        where = f"{failure['episode']} {failure['stage']}"
        if failure["kind"] == "error":
            click.echo(f"{where}: {failure['message']}")
        else:
            cue = f" cue {failure['cue']}" if failure["cue"] is not None else ""
            click.echo(f"{where}{cue}: {failure['rule']}: {failure['message']} (see: {failure['command']})")


@main.group()
def job() -> None:
    """Work with job files."""


@job.command("check")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
def job_check(job_file: str) -> None:
    """Validate a job, its media and its model without running anything.

    Example: localize job check jobs/sample.yaml
    """
    loaded, _, _ = _checked(job_file)
    sources = sorted({e.source for e in loaded.episodes})
    click.echo(f"ok: job '{loaded.name}': {len(loaded.episodes)} episodes, source {loaded.source_language} "
               f"({', '.join(sources)}), targets {', '.join(loaded.targets) or 'none'}")


@main.command()
@click.argument("media_files", metavar="MEDIA...", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, metavar="OUT",
              help="OUT.srt, .vtt, .ass, .ttml or .json; a folder for several inputs.")
@click.option("--model", default="base", show_default=True, help="Model name (cache or pip bundle) or folder.")
@click.option("--language", metavar="TAG", help="Source language as BCP-47 (zh, zh-Hans, en…); default: detect.")
@click.option("--format", "fmt", type=click.Choice(["srt", "vtt", "ass", "ttml", "json"]), default="srt",
              show_default=True,
              help="Output format when OUT is a folder.")
@click.option("--beam-size", default=5, show_default=True, type=click.IntRange(1, 20))
@click.option("--compute-type", default="int8", show_default=True)
@click.option("--vad/--no-vad", default=True, show_default=True, help="Skip silence with Silero VAD.")
@click.option("--profile", default="vertical", show_default=True, help="Subtitle profile the cues are timed for.")
def transcribe(media_files: tuple[str, ...], output: str, model: str, language: str | None, fmt: str,
               beam_size: int, compute_type: str, vad: bool, profile: str) -> None:
    """Transcribe media files to source-language subtitles.

    Example: localize transcribe samples/ep01.mp4 -o ep01.srt --language zh
    """
    from localize.asr.oneshot import transcribe_files
    from localize.languages import normalize_tag
    from localize.progress import make_reporter

    tag = normalize_tag(language) if language else None
    written = transcribe_files([Path(m) for m in media_files], Path(output), fmt, model=model, language=tag,
                               beam_size=beam_size, compute_type=compute_type, vad=vad, profile=profile,
                               reporter=make_reporter())
    for path in written:
        click.echo(str(path))
