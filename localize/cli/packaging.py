"""Release packages: package (an episode for a platform), band (find burned-in subtitles) and qc package."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from localize.cli import main
from localize.cli.subtitles import qc
from localize.errors import EXIT_QC_FAILED


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
    from localize import media
    from localize.languages import normalize_tag
    from localize.package.build import Release, build_package, parse_subs
    from localize.package.profiles import load_delivery_profile, parse_band

    chosen = load_delivery_profile(profile)
    media.require_picture(media.probe(Path(video)))  # before any subtitle is read or anything is built
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
    from localize import media
    from localize.package.band import find_band, load_ocr

    path = Path(video)
    media.probe(path)  # a missing or unreadable file is bad input before the OCR loads
    found = find_band(path, media.find_ffmpeg(None), load_ocr(), samples)
    if as_json:
        click.echo(json.dumps(found.to_json(), ensure_ascii=False, indent=2))
    elif found.band:
        click.echo(f"{found.band[0]}:{found.band[1]}  ({found.reason})")
    else:
        click.echo(f"none  ({found.reason})")


@qc.command("package")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--profile", help="Delivery profile the package was made for (default: the one its manifest.json "
                                "names).")
@click.option("--json", "as_json", is_flag=True)
def qc_package(folder: str, profile: str | None, as_json: bool) -> None:
    """Check a release package against its profile and manifest.json: every failure with file, check, value.

    Example: localize qc package work/sample/ep01/package.youtube-shorts/release
    """
    from rich.console import Console
    from rich.table import Table

    from localize.package.profiles import load_delivery_profile
    from localize.package.qc import check_package, manifest_profile, refuse_stage_folder

    refuse_stage_folder(Path(folder))
    profile = profile or manifest_profile(Path(folder))
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
