"""Subtitle files: the ``qc`` group with ``qc subs`` (check against a profile) and ``qc terms`` (a translation
against glossaries), and ``subs fix`` (repair)."""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path

import click

from localize.cli import main
from localize.errors import EXIT_QC_FAILED, BadInput


def _subtitle_context(file: str, profile: str, lang: str, video: str | None):
    """Read a track and build its profile (frame rate and shot changes from --video when given)."""
    from localize import media
    from localize.formats import read_track
    from localize.languages import normalize_tag
    from localize.subtitles.profiles import load_profile
    from localize.subtitles.shots import detect_shots

    language = normalize_tag(lang)
    track = read_track(Path(file), language)
    fps, cuts, end = None, (), None
    if video:
        info = media.probe(Path(video))
        fps = Fraction(info.fps) if info.fps else None
        cuts = tuple(detect_shots(Path(video), media.find_ffmpeg())) if info.fps else ()
        end = info.duration_ms
    return track, load_profile(profile, language, fps), cuts, end


TABLE_ROWS = 200  # a terminal table of 100 k violations takes minutes to draw and nobody reads it


def _print_violations(violations, as_json: bool, qc_report: dict) -> None:
    if as_json:
        click.echo(json.dumps(qc_report, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{qc_report['cues_passing']}/{qc_report['cues']} cues pass ({qc_report['profile']}, "
                        f"{qc_report['language']}, {qc_report['fps']} fps)")
    for column in ("cue", "rule", "measured", "limit"):
        table.add_column(column)
    for v in violations[:TABLE_ROWS]:
        table.add_row(str(v.cue), v.rule, v.measured, v.limit)
    if len(violations) > TABLE_ROWS:
        table.caption = f"first {TABLE_ROWS} of {len(violations)} violations; --json lists them all"
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
    from localize.subtitles.qc import check_track, report

    track, rules, cuts, _ = _subtitle_context(file, profile, lang, video)
    violations = check_track(list(track.cues), rules, cuts)
    _print_violations(violations, as_json, report(list(track.cues), violations, rules))
    if violations:
        sys.exit(EXIT_QC_FAILED)


@qc.command("terms")
@click.argument("source_file", metavar="SOURCE", type=click.Path(dir_okay=False))
@click.argument("target_file", metavar="TARGET", type=click.Path(dir_okay=False))
@click.option("--glossary", "glossaries", multiple=True, required=True,
              help="Glossary YAML, or a folder of them; repeat for several (earlier ones win within a scope).")
@click.option("--lang", required=True, help="Language of TARGET (BCP-47); SOURCE is in the glossaries' language.")
@click.option("--characters", type=click.Path(dir_okay=False), help="Character sheet: its names are required terms.")
@click.option("--json", "as_json", is_flag=True)
def qc_terms(source_file: str, target_file: str, glossaries: tuple[str, ...], lang: str, characters: str | None,
             as_json: bool) -> None:
    """Check a translation against glossaries, whoever made it: exit 1 on a missing required rendering (names,
    brands, do-not-translate) or any forbidden one; a missing preferred rendering (forms of address, idioms) is
    a warning. Terms count only as whole words of the source (万 is not in 万事有我).

    Cues are paired by time: each cue is linked to the cue of the other file it overlaps longest, and linked
    cues are checked together (a line split in two, or two merged into one); a cue overlapping none is unpaired.

    Example: localize qc terms ep01.zh.srt ep01.en.srt --glossary glossaries/zh-en.micro-drama.yaml --lang en
    """
    from localize.formats import read_track
    from localize.glossary import glossary_files, load_glossary, merge_terms, protected_names
    from localize.glossary.characters import load_characters
    from localize.languages import normalize_tag
    from localize.translate.qa import check_pairs, terms_report

    language = normalize_tag(lang)
    loaded = [load_glossary(path) for path in glossary_files(glossaries)]
    source_language = loaded[0].source_language
    other = next((g for g in loaded if g.source_language != source_language), None)
    if other:
        raise BadInput(f"{other.name} is for {other.source_language} but {loaded[0].name} for {source_language}; "
                       "check one source language at a time")
    if not any(term.target(language) for g in loaded for term in g.terms):
        have = sorted({locale for g in loaded for term in g.terms for locale, _ in term.targets})
        raise BadInput(f"no glossary term has a rendering for {language} (the glossaries have: {', '.join(have)}); "
                       "pass the glossary for that language or fix --lang")
    cast = load_characters(Path(characters)) if characters else ()
    # Overlapping cues stay apart ("stack"): pairing by time handles them, and cue numbers stay the file's.
    source = read_track(Path(source_file), source_language, overlaps="stack")
    target = read_track(Path(target_file), language, overlaps="stack")
    checks = check_pairs(source.cues, target.cues, merge_terms(loaded, cast, language), protected_names(cast),
                         source_language, language)
    result = {"source": source_file, "target": target_file, "source_language": source_language, "language": language,
              "glossaries": [g.name for g in loaded], **terms_report(source.cues, target.cues, checks)}
    _print_term_findings(result, as_json)
    if not result["passed"]:
        sys.exit(EXIT_QC_FAILED)


def _print_term_findings(result: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    errors, warnings = result["violations"], result["warnings"]
    unpaired = result["unpaired"]
    summary = (f"{result['pairs']} cue pairs, {_count(len(errors), 'error')}, {_count(len(warnings), 'warning')}; "
               f"unpaired cues: {len(unpaired['source_cues'])} source, {len(unpaired['target_cues'])} target")
    console = Console()
    if not errors and not warnings:
        console.print(f"Terms passed: {summary}")
        return
    table = Table(title=f"Terms {'failed' if errors else 'passed'}: {summary}")
    for column in ("cue", "time", "source", "target", "finding"):
        table.add_column(column, overflow="fold")  # Chinese has no spaces to wrap at: fold, never cut
    rows = [(row, "error") for row in errors] + [(row, "warning") for row in warnings]
    for row, severity in rows[:TABLE_ROWS]:
        table.add_row(str(row["cue"]), _clock(row["start_ms"]), row["source"], row["target"],
                      f"{row['rule']} ({severity}): {row['measured']}")
    if len(rows) > TABLE_ROWS:
        table.caption = f"first {TABLE_ROWS} of {len(rows)} findings; --json lists them all"
    console.print(table)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _clock(ms: int) -> str:
    seconds, millis = divmod(ms, 1000)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{millis:03d}"


@qc.command("show")
@click.argument("report_file", metavar="REPORT", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def qc_show(report_file: str, as_json: bool) -> None:
    """Show a QC report a run wrote (a stage's qc.json): every violation or package failure, then the warnings
    (they never fail); exit 1 if any violation.

    Example: localize qc show jobs/work/sample/ep01/fit.en/qc.json
    """
    path = Path(report_file)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        rows = stored.get("violations", stored.get("failures"))
        warnings = stored.get("warnings", [])  # reports written before warnings existed have none
        passed = stored["passed"]
    except (OSError, ValueError, KeyError, AttributeError):
        raise BadInput(f"{path} is not a QC report a run wrote (a stage's qc.json)") from None
    if as_json:
        click.echo(json.dumps(stored, ensure_ascii=False, indent=2))
    else:
        from rich.console import Console
        from rich.table import Table

        columns = ("cue", "rule", "measured", "limit") if "violations" in stored else ("file", "check", "measured",
                                                                                         "expected")
        verdict = "passed" if passed else "failed"
        table = Table(title=f"{path}: {verdict}" + (f" ({len(warnings)} warnings)" if warnings else ""))
        for column in columns:
            table.add_column(column)
        for row in [*(rows or []), *warnings]:
            table.add_row(*(str(row.get(column, "")) for column in columns))
        Console().print(table)
    if not passed:
        sys.exit(EXIT_QC_FAILED)


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
    from localize.formats import output_format, render_track
    from localize.model import Track
    from localize.store import atomic_write_text
    from localize.subtitles.fix import fix_cues
    from localize.subtitles.qc import check_track, report

    fmt = output_format(Path(output))
    track, rules, cuts, end = _subtitle_context(file, profile, lang, video)
    fixed = fix_cues(list(track.cues), rules, cuts, end)
    atomic_write_text(Path(output), render_track(Track(track.language, tuple(fixed)), fmt, rules.screen))
    violations = check_track(fixed, rules, cuts)
    _print_violations(violations, as_json, report(fixed, violations, rules))
    if violations:
        sys.exit(EXIT_QC_FAILED)
