"""The ``localize`` command line: parse, call, print. No logic lives here.

Exit codes: 0 ok · 1 QC failed · 2 bad input or usage · 3 model/engine unavailable · 130 interrupted.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
import time
from fractions import Fraction
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from localize import __version__, media
from localize.costs import launches as launch_records
from localize.costs import ledger
from localize.costs.claim_pack import write_pack
from localize.costs.money import cents, parse_amount, parse_currency
from localize.costs.policies import claim, claimed_amount, load_policy
from localize.costs.report import write_report
from localize.costs.tables import ledger_total
from localize.delivery import load_delivery_profile, parse_band
from localize.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_QC_FAILED, LocalizeError
from localize.fix import fix_cues
from localize.formats import output_format, read_track, render_track
from localize.glossary import KINDS, export_glossary, glossary_files, import_glossary, lint
from localize.job import Job, load_job, select_episodes
from localize.languages import normalize_tag
from localize.model import Track
from localize.models import list_models
from localize.package import Release, build_package, parse_subs
from localize.package_qc import check_package
from localize.pipeline import check_force, job_status, preflight, run_job
from localize.profiles import load_profile
from localize.progress import make_reporter
from localize.qc import check_track, report
from localize.shots import detect_shots
from localize.store import WorkStore, atomic_write_bytes, atomic_write_text, check_work_dir
from localize.transcribe import transcribe_files
from localize.translate.align import pair_by_time
from localize.translate.argos import install_package, install_pair
from localize.translate.tm import TranslationMemory
from localize.translate.tmx import read_tmx, tmx_bytes


class LocalizeGroup(click.Group):
    """Turns our errors into one line on stderr and the documented exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LocalizeError as exc:
            click.echo(f"error: {exc}", err=True)
            raise click.exceptions.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            click.echo("interrupted: finished stages are kept; run the same command again to resume", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


@click.group(cls=LocalizeGroup)
@click.version_option(__version__, prog_name="localize")
def main() -> None:
    """Localize Chinese vertical micro-dramas: transcribe, time, translate, dub and package."""


def _work_dir(job: Job, work: str | None) -> Path:
    return check_work_dir(Path(work) if work else job.default_work_dir)


@main.command()
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--episodes", metavar="SPEC", help="Episodes by position or id, e.g. 1-3,7 or ep01,ep02.")
@click.option("--force", "force", metavar="STAGE", multiple=True, help="Re-run this stage even if cached (or: all).")
@click.option("--json", "as_json", is_flag=True, help="Print a machine-readable summary on stdout.")
def run(job_file: str, work: str | None, episodes: str | None, force: tuple[str, ...], as_json: bool) -> None:
    """Run a job, resuming from whatever an earlier run finished.

    Example: localize run jobs/sample.yaml --episodes 1-3 --json
    """
    started = time.monotonic()
    job = load_job(job_file)
    selected = select_episodes(job, episodes)
    forced = check_force(force, job)
    work_dir = _work_dir(job, work)
    ffmpeg_binary = media.find_ffmpeg()
    preflight(job, selected)
    reporter = make_reporter()
    try:
        outcomes = run_job(job, selected, work_dir, forced, reporter, ffmpeg_binary, command=f"localize run {job_file}")
    finally:
        reporter.close()
    stages = [s for o in outcomes for s in o.stages]
    failed = [o for o in outcomes if o.error]
    summary = {
        "job": job.name,
        "work_dir": str(work_dir.resolve()),
        "episodes": [{"id": o.id, "error": o.error, "stages": [s.__dict__ for s in o.stages], "qc": o.qc}
                     for o in outcomes],
        "stages_run": sum(s.status == "ran" for s in stages),
        "cache_hits": sum(s.status == "cached" for s in stages),
        "failed_episodes": [o.id for o in failed],
        "qc_failed": [path for o in outcomes for path, qc in o.qc.items() if not qc["passed"]],
        "seconds": round(time.monotonic() - started, 3),
    }
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        for outcome in failed:
            click.echo(f"error: {outcome.id}: {outcome.error}", err=True)
        for path in summary["qc_failed"]:
            click.echo(f"QC failed: {work_dir / path} (see the violations there)", err=True)
        click.echo(f"{len(outcomes) - len(failed)}/{len(outcomes)} episodes done: {summary['stages_run']} stages ran, "
                   f"{summary['cache_hits']} cached, {summary['seconds']:.1f}s; work dir {summary['work_dir']}")
    if failed:
        sys.exit(EXIT_BAD_INPUT)
    if summary["qc_failed"]:
        sys.exit(EXIT_QC_FAILED)


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
    tag = normalize_tag(language) if language else None
    written = transcribe_files([Path(m) for m in media_files], Path(output), fmt, model=model, language=tag,
                               beam_size=beam_size, compute_type=compute_type, vad=vad, profile=profile,
                               reporter=make_reporter())
    for path in written:
        click.echo(str(path))


@main.command()
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def status(job_file: str, work: str | None, as_json: bool) -> None:
    """Show each episode's stages: done, stale (inputs or settings changed), pending or failed.

    Example: localize status jobs/sample.yaml
    """
    job = load_job(job_file)
    rows = job_status(job, _work_dir(job, work))
    if as_json:
        click.echo(json.dumps([r.__dict__ for r in rows], ensure_ascii=False, indent=2))
        return
    stages = list(dict.fromkeys(r.stage for r in rows))
    table = Table(title=f"{job.name}: {len(job.episodes)} episodes")
    table.add_column("episode")
    for stage in stages:
        table.add_column(stage)
    colours = {"done": "green", "stale": "yellow", "pending": "dim", "failed": "red"}
    for episode in dict.fromkeys(r.episode for r in rows):
        cells = {r.stage: f"[{colours[r.state]}]{r.state}[/]" for r in rows if r.episode == episode}
        table.add_row(episode, *(cells.get(s, "") for s in stages))
    Console().print(table)
    for row in rows:
        if row.state == "failed":
            click.echo(f"{row.episode} {row.stage}: {row.detail}")


@main.group()
def job() -> None:
    """Work with job files."""


@job.command("check")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
def job_check(job_file: str) -> None:
    """Validate a job, its media and its model without running anything.

    Example: localize job check jobs/sample.yaml
    """
    loaded = load_job(job_file)
    preflight(loaded, loaded.episodes)
    sources = sorted({e.source for e in loaded.episodes})
    click.echo(f"ok: job '{loaded.name}': {len(loaded.episodes)} episodes, source {loaded.source_language} "
               f"({', '.join(sources)}), targets {', '.join(loaded.targets) or 'none'}")


def _subtitle_context(file: str, profile: str, lang: str, video: str | None):
    """Read a track and build its profile (frame rate and shot changes from --video when given)."""
    language = normalize_tag(lang)
    track = read_track(Path(file), language)
    fps, cuts, end = None, (), None
    if video:
        info = media.probe(Path(video))
        fps = Fraction(info.fps) if info.fps else None
        cuts = tuple(detect_shots(Path(video), media.find_ffmpeg())) if info.fps else ()
        end = info.duration_ms
    return track, load_profile(profile, language, fps), cuts, end


def _print_violations(violations, as_json: bool, qc_report: dict) -> None:
    if as_json:
        click.echo(json.dumps(qc_report, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{qc_report['cues_passing']}/{qc_report['cues']} cues pass ({qc_report['profile']}, "
                        f"{qc_report['language']}, {qc_report['fps']} fps)")
    for column in ("cue", "rule", "measured", "limit"):
        table.add_column(column)
    for v in violations:
        table.add_row(str(v.cue), v.rule, v.measured, v.limit)
    Console().print(table if violations else f"QC passed: {qc_report['cues']} cues ({qc_report['profile']}, "
                                             f"{qc_report['language']})")


@main.group()
def qc() -> None:
    """Quality checks (exit 1 when anything fails)."""


@qc.command("subs")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--profile", default="vertical", show_default=True, help="Subtitle profile (screen).")
@click.option("--lang", required=True, help="Language of the subtitles (BCP-47).")
@click.option("--video", type=click.Path(dir_okay=False), help="The episode: its frame rate and shot changes.")
@click.option("--json", "as_json", is_flag=True)
def qc_subs(file: str, profile: str, lang: str, video: str | None, as_json: bool) -> None:
    """Check a subtitle file against the profile: every violation with cue, rule, value and limit.

    Example: localize qc subs ep01.en.srt --profile vertical --lang en --video ep01.mp4
    """
    track, rules, cuts, _ = _subtitle_context(file, profile, lang, video)
    violations = check_track(list(track.cues), rules, cuts)
    _print_violations(violations, as_json, report(list(track.cues), violations, rules))
    if violations:
        sys.exit(EXIT_QC_FAILED)


@qc.command("package")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--profile", required=True, help="Delivery profile the package was made for.")
@click.option("--json", "as_json", is_flag=True)
def qc_package(folder: str, profile: str, as_json: bool) -> None:
    """Check a release package against its profile and manifest.json: every failure with file, check, value.

    Example: localize qc package release/youtube-shorts --profile youtube-shorts
    """
    failures = check_package(Path(folder), load_delivery_profile(profile))
    if as_json:
        click.echo(json.dumps({"profile": profile, "passed": not failures,
                               "failures": [f.to_json() for f in failures]}, ensure_ascii=False, indent=2))
    elif failures:
        table = Table(title=f"{len(failures)} package QC failures ({profile})")
        for column in ("file", "check", "measured", "expected"):
            table.add_column(column)
        for f in failures:
            table.add_row(f.file, f.check, f.measured, f.expected)
        Console().print(table)
    else:
        click.echo(f"package QC passed: {folder} ({profile})")
    if failures:
        sys.exit(EXIT_QC_FAILED)


@main.command("package")
@click.argument("video", type=click.Path(dir_okay=False))
@click.option("--subs", "subs_specs", metavar="LANG=FILE", multiple=True,
              help="Subtitles per language; the first becomes the default track.")
@click.option("--profile", required=True,
              help="Delivery profile: youtube-shorts, tiktok, reels, vertical-app (burned in), streaming.")
@click.option("-o", "--output", required=True, metavar="DIR", help="The package folder (replaced if it exists).")
@click.option("--series-title", help="Series title for names and metadata (default: the video's file name).")
@click.option("--episode", default=1, show_default=True, type=click.IntRange(1, 9999))
@click.option("--producer", help="First producer, written as the copyright tag.")
@click.option("--licence", help="NRTA licence or filing number, written as the comment tag.")
@click.option("--audio-lang", default="zh", show_default=True, help="Language of the audio track (BCP-47).")
@click.option("--mask-band", metavar="TOP:BOTTOM|auto|none",
              help="Rows of the original burned-in subtitles to hide when burning in; auto finds them with OCR "
                   "(default: the profile's, auto for vertical-app).")
def package(video: str, subs_specs: tuple[str, ...], profile: str, output: str, series_title: str | None,
            episode: int, producer: str | None, licence: str | None, audio_lang: str, mask_band: str | None) -> None:
    """Package an episode for a platform: subtitles muxed or beside it, manifest.json, package QC.

    Example: localize package ep01.mp4 --subs en=ep01.en.srt --subs zh=ep01.zh.srt --profile youtube-shorts -o out
    """
    chosen = load_delivery_profile(profile)
    release = Release(series_title or Path(video).stem, episode, producer, licence)
    band = parse_band(mask_band) if mask_band else chosen.mask_band
    manifest = build_package(Path(video), parse_subs(subs_specs), chosen, Path(output), release,
                             normalize_tag(audio_lang), mask_band=band)
    click.echo(f"ok: {output}: {', '.join(f['name'] for f in manifest['files'])} ({profile})")


@main.command("band")
@click.argument("video", type=click.Path(dir_okay=False))
@click.option("--samples", default=12, show_default=True, type=click.IntRange(1, 200), help="Frames to read.")
@click.option("--json", "as_json", is_flag=True, help="Print the band, the frames and every box read.")
def band_command(video: str, samples: int, as_json: bool) -> None:
    """Find the rows of the original burned-in Chinese subtitles with the bundled OCR (needs localize[ocr]).

    Example: localize band ep01.mp4   → prints TOP:BOTTOM for --mask-band or a job's mask band
    """
    from localize.band import find_band, load_ocr

    path = Path(video)
    media.probe(path)  # a missing or unreadable file is bad input before the OCR loads
    found = find_band(path, media.find_ffmpeg(None), load_ocr(), samples)
    if as_json:
        click.echo(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
    elif found.band:
        click.echo(f"{found.band[0]}:{found.band[1]}  ({found.reason})")
    else:
        click.echo(f"none  ({found.reason})")


@main.group()
def subs() -> None:
    """Work on subtitle files."""


@subs.command("fix")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, help="Where to write the repaired file (format from extension).")
@click.option("--profile", default="vertical", show_default=True)
@click.option("--lang", required=True, help="Language of the subtitles (BCP-47).")
@click.option("--video", type=click.Path(dir_okay=False), help="The episode: its frame rate and shot changes.")
@click.option("--json", "as_json", is_flag=True)
def subs_fix(file: str, output: str, profile: str, lang: str, video: str | None, as_json: bool) -> None:
    """Repair timing and line breaks without changing a word; report what could not be repaired.

    Example: localize subs fix ep01.en.srt -o ep01.fixed.srt --lang en --video ep01.mp4
    """
    fmt = output_format(Path(output))
    track, rules, cuts, end = _subtitle_context(file, profile, lang, video)
    fixed = fix_cues(list(track.cues), rules, cuts, end)
    atomic_write_text(Path(output), render_track(Track(track.language, tuple(fixed)), fmt, rules.screen))
    violations = check_track(fixed, rules, cuts)
    _print_violations(violations, as_json, report(fixed, violations, rules))
    if violations:
        sys.exit(EXIT_QC_FAILED)


@main.group()
def models() -> None:
    """Speech and translation models available offline."""


@models.command("list")
@click.option("--json", "as_json", is_flag=True)
def models_list(as_json: bool) -> None:
    """List models in the cache and pip-installed bundles.

    Example: localize models list
    """
    entries = list_models()
    if as_json:
        click.echo(json.dumps([e.__dict__ for e in entries], indent=2))
        return
    for entry in entries:
        click.echo(f"{entry.name:<10} {entry.kind:<8} {entry.state:<36} {entry.location}")


@main.group()
def glossary() -> None:
    """Glossaries: lint them, import and export TBX-Basic or CSV."""


@glossary.command("lint")
@click.argument("paths", metavar="PATH...", nargs=-1, required=True, type=click.Path())
def glossary_lint(paths: tuple[str, ...]) -> None:
    """Find conflicts, duplicates, empty targets, missing notes and shadowed terms (exit 1 on errors).

    Example: localize glossary lint glossaries/
    """
    files = glossary_files(paths)
    findings = lint(files)
    for finding in findings:
        click.echo(f"{finding.file}: {finding.where} {finding.term}: {finding.severity}: {finding.message}")
    errors = sum(f.severity == "error" for f in findings)
    click.echo(f"{len(files)} glossaries: {errors} errors, {len(findings) - errors} warnings")
    if errors:
        sys.exit(EXIT_QC_FAILED)


@glossary.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, metavar="OUT.yaml", help="The glossary YAML to write.")
@click.option("--source-language", metavar="TAG", help="Source language (default: TBX's Chinese terms; CSV zh-Hans).")
@click.option("--kind", type=click.Choice(KINDS), help="Kind for TBX entries without a subjectField.")
def glossary_import(file: str, output: str, source_language: str | None, kind: str | None) -> None:
    """Import a TBX (TBX-Basic or martif) or CSV glossary as YAML.

    Example: localize glossary import client.tbx -o glossaries/client.yaml --kind plot
    """
    imported = import_glossary(Path(file), Path(output), source_language=source_language, default_kind=kind)
    click.echo(f"wrote {output}: {len(imported.terms)} terms; check it with: localize glossary lint {output}")


@glossary.command("export")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", required=True, metavar="OUT", help="OUT.tbx (TBX-Basic) or OUT.csv.")
def glossary_export(file: str, output: str) -> None:
    """Export a glossary YAML as TBX-Basic (ISO 30042, DCA style) or CSV.

    Example: localize glossary export glossaries/zh-en.micro-drama.yaml -o zh-en.tbx
    """
    exported = export_glossary(Path(file), Path(output))
    click.echo(f"wrote {output}: {len(exported.terms)} terms")


@models.command("install-translation")
@click.argument("package_file", metavar="[FILE.argosmodel]", required=False, type=click.Path(dir_okay=False))
@click.option("--pair", metavar="FROM-TO", help="Download this pair from the Argos index instead (online only).")
def models_install_translation(package_file: str | None, pair: str | None) -> None:
    """Install an Argos Translate package for the offline argos engine.

    Example: localize models install-translation translate-zh_en-1_9.argosmodel
    """
    if (package_file is None) == (pair is None):
        raise click.UsageError("give either FILE.argosmodel or --pair FROM-TO")
    package = install_package(Path(package_file)) if package_file else install_pair(pair or "")
    click.echo(f"installed {package.pair} (package {package.version}) into {package.folder}")


@main.group("tm")
def tm_group() -> None:
    """Translation memory: import and export TMX 1.4b, look up matches (101, 100, 95-99 … 50-74)."""


@tm_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--tm", "tm_path", required=True, metavar="TM.sqlite", help="The memory (created if missing).")
@click.option("--target-lang", metavar="TAG", help="Import only this target language (zh-TW counts as zh-Hant).")
@click.option("--source-lang", default="zh-Hans", show_default=True, metavar="TAG",
              help='Source language of units whose file says srclang="*all*".')
def tm_import(file: str, tm_path: str, target_lang: str | None, source_lang: str) -> None:
    """Import a TMX file; units already in the memory are not added twice.

    Example: localize tm import client.tmx --tm work/tm.sqlite --target-lang en
    """
    content = read_tmx(Path(file), target_lang=normalize_tag(target_lang) if target_lang else None,
                       source_lang=normalize_tag(source_lang))
    added = TranslationMemory.open(Path(tm_path), create=True).add(content.units)
    for reason in content.skipped[:5]:
        click.echo(f"skipped {reason}", err=True)
    click.echo(f"imported {added} new units from {file} into {tm_path} "
               f"({len(content.units) - added} already there, {len(content.skipped)} tu skipped)")


@tm_group.command("export")
@click.option("--tm", "tm_path", required=True, metavar="TM.sqlite", help="The memory to export.")
@click.option("-o", "--output", required=True, metavar="OUT.tmx", help="The TMX 1.4b file to write.")
@click.option("--target-lang", metavar="TAG", help="Export only this target language.")
def tm_export(tm_path: str, output: str, target_lang: str | None) -> None:
    """Export a memory as TMX 1.4b (the same memory always gives the same bytes).

    Example: localize tm export --tm work/tm.sqlite -o series.en.tmx --target-lang en
    """
    units = TranslationMemory.open(Path(tm_path)).units(normalize_tag(target_lang) if target_lang else None)
    atomic_write_bytes(Path(output), tmx_bytes(units))
    click.echo(f"wrote {output}: {len(units)} units")


@tm_group.command("lookup")
@click.argument("text")
@click.option("--tm", "tm_path", required=True, metavar="TM.sqlite", help="The memory to search.")
@click.option("--target-lang", required=True, metavar="TAG", help="Language of the translation wanted.")
@click.option("--context-before", default="", metavar="TEXT", help="The source segment before (for 101 matches).")
@click.option("--context-after", default="", metavar="TEXT", help="The source segment after (for 101 matches).")
def tm_lookup(text: str, tm_path: str, target_lang: str, context_before: str, context_after: str) -> None:
    """Print the best match as score, band and target separated by tabs, or "no match" below 50.

    Example: localize tm lookup --tm work/tm.sqlite --target-lang en "你给我站住！"
    """
    found = TranslationMemory.open(Path(tm_path)).lookup(text, normalize_tag(target_lang), context_before,
                                                         context_after)
    click.echo(f"{found.score}\t{found.band}\t{found.target}" if found else "no match")


@tm_group.command("from-subtitles")
@click.argument("source", type=click.Path(dir_okay=False))
@click.argument("target", type=click.Path(dir_okay=False))
@click.option("--source-lang", default="zh-Hans", show_default=True, metavar="TAG")
@click.option("--target-lang", required=True, metavar="TAG")
@click.option("-o", "--output", required=True, metavar="OUT.tmx", help="The TMX 1.4b file to write.")
def tm_from_subtitles(source: str, target: str, source_lang: str, target_lang: str, output: str) -> None:
    """Turn an already translated episode (two subtitle files) into approved TMX units, paired by time.

    Example: localize tm from-subtitles ep01.zh.srt ep01.en.srt --target-lang en -o ep01.en.tmx
    """
    source_tag, target_tag = normalize_tag(source_lang), normalize_tag(target_lang)
    pairs = pair_by_time(list(read_track(Path(source), source_tag).cues),
                         list(read_track(Path(target), target_tag).cues), source_tag, target_tag)
    memory = TranslationMemory(sqlite3.connect(":memory:"))
    memory.add_approved([s for s, _ in pairs], [t for _, t in pairs], source_tag, target_tag,
                        f"subtitles:{Path(target).name}")
    atomic_write_bytes(Path(output), tmx_bytes(memory.units(target_tag)))
    click.echo(f"wrote {output}: {len(pairs)} units")


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


@costs.command("add")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("--item", required=True, help="What was paid for, e.g. 配音演员, translation, subtitling.")
@click.option("--amount", required=True, help="The total, e.g. 1200 or 99.50 (rounded half-up to cents).")
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
    job = load_job(job_file)
    total = parse_amount(amount)
    count = parse_amount(quantity, "--quantity") if quantity is not None else None
    cost = ledger.Cost(item=item, currency=parse_currency(currency), amount=total, quantity=count, unit=unit,
                       unit_price=cents(total / count) if count else None, series=job.series.title,
                       episode=episode, language=normalize_tag(lang) if lang else "", stage=stage,
                       date=_day_option(day), note=note)
    row = ledger.record(WorkStore(_work_dir(job, work)), cost, job.costs.rates, job.path,
                        Path(invoice) if invoice else None)
    click.echo(f"ledger entry {row['id']}: {row['amount']} {row['currency']} = {row['amount_cny']} CNY")


@costs.command("verify")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
def costs_verify(job_file: str, work: str | None) -> None:
    """Check the ledger's and the launch records' hash chains; exit 1 naming the first bad entry.

    Example: localize costs verify jobs/sample.yaml
    """
    store = WorkStore(_work_dir(load_job(job_file), work))
    if not store.exists():
        click.echo("no ledger yet: 0 entries")
        return
    broken = ledger.verify(store.db) or launch_records.verify(store.db)
    if broken:
        click.echo(f"chain broken at {broken}", err=True)
        raise click.exceptions.Exit(EXIT_QC_FAILED)
    click.echo(f"ledger intact: {len(ledger.entries(store.db))} entries, "
               f"{len(launch_records.launches(store.db))} launch records")
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


CLAIMED_HELP = "CNY already granted under this policy this year (other works); counts against its yearly cap."


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
    job = load_job(job_file)
    name = policy or job.costs.policy
    if not name:
        raise LocalizeError("--policy: name a policy (e.g. city-30) or set costs.policy in the job")
    already = claimed_amount(claimed)
    result = claim(WorkStore(_work_dir(job, work)), job, load_policy(name), already)
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
    job = load_job(job_file)
    values = launch_records.launch_values(platform, url, day, episodes, lang, note)
    row = launch_records.append(WorkStore(_work_dir(job, work)).db, values)
    click.echo(f"launch record {row['id']}: {row['platform']} {row['language']} episodes {row['episodes']}")


@costs.command("report")
@click.argument("job_file", metavar="JOB", type=click.Path(dir_okay=False))
@click.option("--work", metavar="DIR", help="Work directory (default: work/<job name> beside the job).")
@click.option("-o", "--output", required=True, metavar="DIR", help="Folder for the CSVs, costs.xlsx and summary.html.")
def costs_report(job_file: str, work: str | None, output: str) -> None:
    """Cost tables by series, episode, language and stage (CSV and XLSX) and an HTML summary with charts;
    every total equals the ledger sum to the cent.

    Example: localize costs report jobs/sample.yaml -o reports/
    """
    job = load_job(job_file)
    store = WorkStore(_work_dir(job, work))
    entries = ledger.entries(store.db) if store.exists() else []
    written = write_report(entries, job.series.title, Path(output))
    click.echo(f"wrote {len(written)} files to {output}: {len(entries)} entries, "
               f"total {ledger_total(entries)} CNY")


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
    job = load_job(job_file)
    name = policy or job.costs.policy
    if not name:
        raise LocalizeError("--policy: name a policy (e.g. city-30) or set costs.policy in the job")
    chosen, already = load_policy(name), claimed_amount(claimed)
    store = WorkStore(_work_dir(job, work))
    result = claim(store, job, chosen, already)
    files = write_pack(store, result, Path(output))
    click.echo(f"wrote {output}: {len(files)} files, subsidy after caps {result['subsidy_after_caps']} CNY")
    for unmet in result["unmet_conditions"]:
        click.echo(f"unmet: {unmet['condition']}: {unmet['detail']}", err=True)
    if result["unmet_conditions"]:
        raise click.exceptions.Exit(EXIT_QC_FAILED)
