"""``localize export``: the run's cues as subtitle files (SRT, WebVTT, ASS, TTML or JSON), one per episode and
language. Stages pass cues as JSON; formats are rendered only at the edges, here and in packages."""

from __future__ import annotations

from pathlib import Path

import click

from localize.cli import _work_dir, main
from localize.errors import BadInput


@main.command()
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, metavar="DIR", type=click.Path(file_okay=False),
              help="Folder for <episode>.<language>.<format> files.")
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--episodes", metavar="SPEC", help="Episodes by position or id, e.g. 1-3,7 or ep01,ep02.")
@click.option("--lang", "languages", metavar="TAG", multiple=True, help="Only these languages (default: all).")
@click.option("--format", "fmt", type=click.Choice(["srt", "vtt", "ass", "ttml", "json"]), default="srt",
              show_default=True)
def export(job_file: str, output: str, work: str | None, episodes: str | None, languages: tuple[str, ...],
           fmt: str) -> None:
    """Write the source and translated cues of finished episodes as subtitle files.

    Example: localize export jobs/sample.yaml -o subs --lang en --format vtt
    """
    from localize.formats import read_track, render_track
    from localize.job import load_job, select_episodes
    from localize.languages import normalize_tag
    from localize.pipeline import cue_files
    from localize.store import atomic_write_text
    from localize.subtitles.profiles import screen

    job = load_job(job_file)
    work_dir = _work_dir(job, work)
    wanted = {normalize_tag(language) for language in languages}
    frame = screen(job.subtitles.profile, job.subtitles.rules)
    missing = []
    for cues in cue_files(job, work_dir, select_episodes(job, episodes)):
        if wanted and cues.language not in wanted:
            continue
        if cues.path is None:
            missing.append(f"{cues.episode} {cues.language} ({cues.state})")
            continue
        target = Path(output) / f"{cues.episode}.{cues.language}.{fmt}"
        atomic_write_text(target, render_track(read_track(cues.path, cues.language), fmt, frame))
        click.echo(str(target))
    if missing:
        raise BadInput(f"not exported, their stages are not done: {', '.join(missing)}; run: localize run {job_file}")
