"""Release packages: the episode with its subtitles muxed (soft ``mov_text``) or beside it (sidecars), and a
manifest.json with every file's checksum, size, duration and streams.

Soft and sidecar packages stream-copy the video; the audio is always re-encoded (AAC at the profile's rate)
because it is brought to the profile's loudness target. Every ffmpeg output is bit-exact, so the same
inputs give byte-identical files and a manifest that differs only in ``created``. The package is built in
a temp folder next to the output, checked by package QC, then renamed into place: a failure at any
point leaves no partial package behind.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any

from localize import __version__, children, media
from localize.errors import EXIT_QC_FAILED, BadInput, LocalizeError
from localize.formats import read_track, render_track
from localize.languages import normalize_tag
from localize.model import Track
from localize.package import burn
from localize.package.audio import DUB, SoundTrack, sound_args, sound_tracks
from localize.package.band import find_band, load_ocr
from localize.package.profiles import AUTO, DeliveryProfile
from localize.package.qc import MANIFEST, Failure, check_package, describe_streams, iso639_2, language_name
from localize.store import atomic_write_text, sha256_file
from localize.subtitles.profiles import load_profile, screen, shipped_profiles
from localize.subtitles.qc import check_track, report

_BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]


class PackageQCFailed(LocalizeError):
    """Subtitles or the built package failed QC (exit 1): nothing was delivered."""

    exit_code = EXIT_QC_FAILED


@dataclass(frozen=True)
class Release:
    """Who and what a package is for: fills the naming pattern and the profile's metadata templates."""

    series_title: str
    episode: int = 1
    producer: str | None = None
    licence: str | None = None  # NRTA licence or filing number

    @property
    def series_slug(self) -> str:
        return re.sub(r"[^\w-]+", "-", self.series_title).strip("-") or "series"

    def metadata(self, profile: DeliveryProfile) -> list[tuple[str, str]]:
        values = {"series_title": self.series_title, "episode": self.episode, "producer": self.producer,
                  "licence": self.licence}
        missing = {key for key, value in values.items() if value is None}
        return [(tag, template.format(**values)) for tag, template in profile.metadata
                if not any(f"{{{key}" in template for key in missing)]


def parse_subs(specs: tuple[str, ...]) -> list[tuple[str, Path]]:
    """``LANG=FILE`` pairs from the command line, in order (the first becomes the default track)."""
    pairs: list[tuple[str, Path]] = []
    for spec in specs:
        lang, _, file = spec.partition("=")
        if not file.strip():
            raise BadInput(f"--subs {spec}: no subtitle file for '{lang}'; give it as --subs {lang or 'en'}=FILE")
        tag = normalize_tag(lang.strip())
        if tag in {known for known, _ in pairs}:
            raise BadInput(f"--subs: language '{tag}' given twice; give one subtitle file per language")
        pairs.append((tag, Path(file.strip())))
    if not pairs:
        raise BadInput("no subtitles given; add --subs LANG=FILE for each target language")
    return pairs


def ffmpeg_version(ffmpeg: str) -> str:
    done = children.run([ffmpeg, "-version"], text=True)
    return done.stdout.splitlines()[0] if done.stdout else "unknown"


def build_package(video: Path, subs: list[tuple[str, Path]], profile: DeliveryProfile, out: Path,
                  release: Release, audio_language: str = "zh", ffmpeg: str | None = None,
                  mask_band: tuple[int, int] | str | None = AUTO) -> dict[str, Any]:
    """Build the package for ``profile`` from subtitle files into ``out`` (replacing it) and return its manifest;
    a package that fails QC is never put in place (PackageQCFailed).

    ``mask_band`` is the band of original subtitles hidden before ours are burned in: (top, bottom) rows,
    ``auto`` (found with OCR once the subtitles have been read) or None for an untouched picture.
    """
    tracks = [read_track(file, lang) for lang, file in subs]
    out.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp"))
    try:
        manifest, failures = assemble_package(video, tracks, profile, temp, release, audio_language, ffmpeg,
                                              mask_band, [str(file) for _, file in subs])
        if failures:
            first = failures[0]
            raise PackageQCFailed(f"the built package failed QC ({len(failures)} failures, first: {first.file} "
                                  f"{first.check}: {first.measured}, expected {first.expected}); nothing delivered")
        temp.chmod(0o755)  # mkdtemp's 0700 would hide the delivery from whoever uploads it
        _swap_into_place(temp, out)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return manifest


def assemble_package(video: Path, tracks: list[Track], profile: DeliveryProfile, folder: Path, release: Release,
                     audio_language: str = "zh", ffmpeg: str | None = None,
                     mask_band: tuple[int, int] | str | None = AUTO, origins: list[str] | None = None,
                     flags: dict[str, list[dict[str, Any]]] | None = None,
                     dubs: dict[str, Dub] | None = None) -> tuple[dict[str, Any], list[Failure]]:
    """Build the package into the existing ``folder`` and check it once: (manifest, package QC failures).
    Tracks that break the profile's subtitle rules fail before anything is built (PackageQCFailed naming the
    command that shows why); ``origins`` names where each track came from, for that message. ``flags``: checks
    that tracks failed earlier and are delivered anyway (the job's ``qc.deliver_flagged``): such a package is
    built whatever the subtitle rules find too, and its manifest carries every flag. ``dubs``: each dubbed
    language's mix and the voices in it, carried as the profile's ``audio.tracks`` says."""
    burned = profile.subtitles == "burned"
    if burned and len(tracks) != 1:
        raise BadInput(f"profile '{profile.name}' burns one language in; give exactly one --subs LANG=FILE")
    ffmpeg = media.find_ffmpeg(ffmpeg)
    info = media.probe(video)
    media.require_audio(info)
    profile.rescale(info.path, info.width, info.height)  # another shape fails before anything is read
    for track in tracks if burned else []:
        burn.family_for(track)  # a script without a shipped font fails before anything is built
    band = None
    if burned and mask_band == AUTO:
        band = find_band(video, ffmpeg, load_ocr()).band
    elif burned and isinstance(mask_band, tuple):
        band = mask_band
    fps = Fraction(info.fps) if info.fps else None
    qc_reports = {}
    # The band is in the source's rows; subtitle rules place captions on the profile's screen.
    band_top = round(band[0] * screen(profile.subtitle_profile).height / info.height) if band and info.height else None
    flags = {language: list(found) for language, found in (flags or {}).items()}
    for track, origin in zip(tracks, origins or [track.language for track in tracks], strict=True):
        lang = track.language
        rules = load_profile(profile.subtitle_profile, lang, fps, band_top)
        violations = check_track(list(track.cues), rules)
        qc_reports[lang] = report(list(track.cues), violations, rules)
        if violations and flags:
            flags.setdefault(lang, []).append(flag(f"subtitles on {profile.subtitle_profile}",
                                                   [v.rule for v in violations]))
        elif violations:
            rules_hit = sorted({v.rule for v in violations})
            raise PackageQCFailed(f"subtitle QC failed for {lang} ({origin}): {len(violations)} violations "
                                  f"({', '.join(rules_hit)}); run: localize qc subs {origin} --profile "
                                  f"{profile.subtitle_profile} --lang {lang} --video {video}")
    dubs = dubs or {}
    sound = sound_tracks(video, audio_language, {language: dub.mix for language, dub in dubs.items()}, profile,
                         ffmpeg)
    manifest = _assemble(video, tracks, profile, folder, release, ffmpeg, qc_reports, sound, band, flags, dubs)
    return manifest, check_package(folder, profile)


@dataclass(frozen=True)
class Dub:
    """A dubbed language's mix and who voiced it, as the manifest lists them."""

    mix: Path
    voices: dict[str, str]  # speaker → "engine voice"

    def to_json(self) -> dict[str, Any]:
        return {"voices": self.voices, "engines": sorted({voice.split(" ")[0] for voice in self.voices.values()})}


def flag(check: str, rules: list[str]) -> dict[str, Any]:
    """One failed check of a track delivered anyway, as the manifest records it."""
    return {"check": check, "violations": len(rules), "rules": sorted(set(rules))}


def _can_copy_video(info: media.Probe, profile: DeliveryProfile) -> bool:
    """Stream copy keeps the picture bit for bit, but only delivers the codec, codec profile (H.264 High, not a
    phone's Baseline) and frame the source already has: package QC checks all three."""
    if profile.rescale(info.path, info.width, info.height) is not None:
        return False
    video = next(s for s in describe_streams(Path(info.path)) if s["type"] == "video")
    return video["codec"] == profile.video_codec and video["profile"] == profile.video_profile


def _assemble(video: Path, tracks: list[Track], profile: DeliveryProfile, folder: Path, release: Release,
              ffmpeg: str, qc_reports: dict[str, dict], sound: list[SoundTrack],
              band: tuple[int, int] | None, flags: dict[str, Any], dubs: dict[str, Dub]) -> dict[str, Any]:
    first = tracks[0].language
    mp4 = folder / f"{profile.stem(release.series_slug, release.episode, first)}.mp4"
    if profile.subtitles == "burned":
        burn.burn(video, tracks[0], profile, band, screen(profile.subtitle_profile),
                  int(shipped_profiles()["burned_in_clearance_px"]), mp4, ffmpeg, _metadata_args(release, profile),
                  sound)
    else:
        soft = tracks if profile.subtitles == "mov_text" else []
        _mux(video, soft, profile, mp4, release, ffmpeg, folder, sound)
    sidecars = []
    for track in tracks if profile.subtitles == "sidecar" else []:
        for fmt in profile.sidecars:
            path = folder / f"{profile.stem(release.series_slug, release.episode, track.language)}.{fmt}"
            atomic_write_text(path, render_track(track, fmt, screen(profile.subtitle_profile)))
            sidecars.append((path, track))
    files = [_media_entry(mp4)] + [_sidecar_entry(path, track) for path, track in sidecars]
    manifest = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "profile": profile.name,
        "series": release.series_slug, "episode": release.episode,
        "languages": [track.language for track in tracks],
        "audio": [{**track.to_json(), **(dubs[track.language].to_json() if track.kind == DUB else {})}
                  for track in sound],
        **({"burn": {"mask": profile.mask_method if band else None, "band": list(band) if band else None,
                     "preset": profile.video_preset}} if profile.subtitles == "burned" else {}),
        "metadata": dict(release.metadata(profile)),
        "files": files,
        "subtitle_qc": qc_reports,
        **({"qc_flags": flags} if flags else {}),
        "tools": {"ffmpeg": ffmpeg_version(ffmpeg), "localize": __version__,
                  "python": platform.python_version()},
    }
    atomic_write_text(folder / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2) + "\n")
    return manifest


def mux_command(video: Path, tracks: list[Track], profile: DeliveryProfile, target: Path, release: Release,
                ffmpeg: str, folder: Path, sound: list[SoundTrack]) -> list[str]:
    """The ffmpeg command that stream-copies the picture (re-encodes it when the source's codec or frame is not
    the profile's), carries the sound tracks, each normalised, and adds one tagged mov_text track per language
    (the first is the default). It reads the tracks from ``.input.<n>.srt`` files it writes into ``folder``."""
    info = media.probe(video)
    if _can_copy_video(info, profile):
        codecs = ["-c:v", "copy", *_BITEXACT]
    else:
        fps = Fraction(info.fps) if info.fps else None
        size = profile.rescale(info.path, info.width, info.height)
        scale = ["-vf", f"scale={size[0]}:{size[1]}:flags=lanczos"] if size else []
        codecs = [*scale, *burn.encode_args(profile, fps), "-fflags", "+bitexact", "-flags:a", "+bitexact"]
    inputs, subtitle_maps, tags = ["-i", str(video)], [], []
    for number, track in enumerate(tracks):
        srt = folder / f".input.{number}.srt"  # validated cues rendered once, whatever format came in
        srt.write_text(render_track(track, "srt"), encoding="utf-8")
        inputs += ["-i", str(srt)]
        subtitle_maps += ["-map", f"{number + 1}:0"]
        tags += [f"-metadata:s:s:{number}", f"language={iso639_2(track.language)}",
                 f"-metadata:s:s:{number}", f"title={language_name(track.language)}",
                 f"-disposition:s:{number}", "default" if number == 0 else "0"]
    audio = sound_args(sound, profile, first_input=len(tracks) + 1)
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs, *audio.inputs,
            "-map", "0:v:0", *audio.maps, *subtitle_maps, *codecs, *audio.codecs,
            "-c:s", "mov_text", "-map_metadata", "-1", "-map_chapters", "-1", *_metadata_args(release, profile),
            *tags, "-movflags", "+faststart", str(target)]


def _mux(video: Path, tracks: list[Track], profile: DeliveryProfile, target: Path, release: Release,
         ffmpeg: str, folder: Path, sound: list[SoundTrack]) -> None:
    """Run ``mux_command``, then remove the subtitle inputs it wrote."""
    command = mux_command(video, tracks, profile, target, release, ffmpeg, folder, sound)
    done = children.run(command, text=True)
    for srt in folder.glob(".input.*.srt"):
        srt.unlink()
    if done.returncode != 0:
        raise BadInput(f"ffmpeg could not package {video}: {children.failure_reason(done)}")


def _metadata_args(release: Release, profile: DeliveryProfile) -> list[str]:
    metadata = []
    for tag, value in release.metadata(profile):
        metadata += ["-metadata", f"{tag}={value}"]
    return metadata


def _media_entry(path: Path) -> dict[str, Any]:
    return {"name": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size,
            "duration_ms": media.probe(path).duration_ms, "streams": describe_streams(path)}


def _sidecar_entry(path: Path, track: Track) -> dict[str, Any]:
    return {"name": path.name, "sha256": sha256_file(path), "bytes": path.stat().st_size,
            "duration_ms": max(cue.end_ms for cue in track.cues),
            "streams": [{"type": "subtitle", "codec": path.suffix[1:], "language": track.language}]}


def _swap_into_place(temp: Path, out: Path) -> None:
    """Rename the finished package over ``out``; an older package there is moved aside, then removed."""
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        out.rename(old)
    temp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
