"""Delivery: where the original Chinese subtitles are burned in (``band``) and one release package per delivery
profile (``package.<profile>``), the only place subtitle formats are rendered in a run."""

from __future__ import annotations

import re
from dataclasses import dataclass

from localize import media
from localize.dub.fitting import placed_lines, subtitles_following
from localize.errors import BadInput
from localize.job import Episode, Job, Series
from localize.model import Track, cues_from_json
from localize.package import band
from localize.package.audio import DUB, ORIGINAL
from localize.package.build import Dub, Release, assemble_package, flag
from localize.package.burn import require_font_for_language
from localize.package.profiles import DeliveryProfile
from localize.stages.registry import Stage, StageCall, qc_artifact, read_json
from localize.store import atomic_write_json

RELEASE = "release"  # the package folder inside a package.<profile> stage folder: what gets uploaded


def _band(call: StageCall) -> None:
    """Where the original Chinese subtitles are burned in, for profiles whose mask band is ``auto``."""
    found = band.find_band(call.inputs["video"], call.ffmpeg, call.engine("ocr"), progress=call.progress)
    atomic_write_json(call.output("band"), found.to_json())


BAND = Stage("band", 1, needs=("video", "probe"), makes={"band": "band.json"}, action=_band, engines=("ocr",),
             reads=lambda job: {"samples": band.SAMPLES, "scan_width": band.SCAN_WIDTH, "min_score": band.MIN_SCORE,
                                "min_share": band.MIN_SHARE, "min_change": band.MIN_CHANGE},
             preflight=lambda job: band.require_ocr())


def episode_number(episode: Episode, job: Job) -> int:
    """The number a package names: the digits of the id (ep07 → 7), else the episode's place in the job."""
    digits = re.findall(r"\d+", episode.id)
    return int(digits[-1]) if digits else [e.id for e in job.episodes].index(episode.id) + 1


def package_languages(job: Job, profile: DeliveryProfile) -> tuple[str, ...]:
    """Soft and sidecar packages carry every target (the first is the default); a burned one only the first."""
    return job.targets[:1] if profile.subtitles == "burned" else job.targets


def dubbed_languages(job: Job, profile: DeliveryProfile) -> tuple[str, ...]:
    """The package's languages whose dub it carries: those the job dubs, unless the profile keeps the original."""
    dubbed = job.dub.targets if job.dub else ()
    return () if profile.audio_tracks == ORIGINAL else tuple(lang for lang in package_languages(job, profile)
                                                              if lang in dubbed)


@dataclass(frozen=True)
class PackageSettings:
    profile: DeliveryProfile
    languages: tuple[str, ...]
    series: Series
    source_language: str
    episode_number: int
    dubbed: tuple[str, ...] = ()
    follow_dub: bool = False  # the dubbed languages' subtitles follow re-timed dub lines (``dub: {retime: true}``)


def _package(call: StageCall) -> None:
    """Build the release into the stage's own folder and record package QC as the stage's QC report, so a
    package that fails it makes ``localize run`` exit 1 like any other failed check."""
    settings: PackageSettings = call.settings
    profile, series = settings.profile, settings.series
    release = Release(series.title, settings.episode_number, series.first_producer or None, series.licence or None)
    tracks = [Track(language, tuple(cues_from_json(read_json(call.inputs[f"cues.{language}"]))))
              for language in settings.languages]
    if settings.follow_dub:
        tracks = [Track(track.language, tuple(subtitles_following(
            track.cues, placed_lines(read_json(call.inputs[qc_artifact(f"fit.dub.{track.language}")])))))
            if track.language in settings.dubbed else track for track in tracks]
    if not any(track.cues for track in tracks):
        raise BadInput(f"no speech found in {call.inputs['video']}: there is nothing to subtitle, so no package is "
                       "made; check the episode's dialogue track")
    flags: dict[str, list] = {}
    checks = [(language, f"fit.{language}") for language in settings.languages]
    checks += [(language, check) for language in settings.dubbed for check in (f"fit.dub.{language}",
                                                                                f"listen.{language}")]
    for language, check in checks:
        report = read_json(call.inputs[qc_artifact(check)])  # failed: the job delivers flagged tracks
        if not report["passed"]:
            flags.setdefault(language, []).append(flag(check, [v["rule"] for v in report["violations"]]))
    dubs = {language: Dub(call.inputs[f"mix.{language}"], _voices(read_json(call.inputs[f"lines.{language}"])))
            for language in settings.dubbed}
    mask_band = profile.mask_band
    if profile.detects_band:
        found = read_json(call.inputs["band"])["band"]
        mask_band = tuple(found) if found else None
    folder = call.out / RELEASE
    folder.mkdir()
    _, failures = assemble_package(call.inputs["video"], tracks, profile, folder, release,
                                   settings.source_language, call.ffmpeg, mask_band=mask_band,
                                   origins=[str(call.inputs[f"cues.{language}"]) for language in settings.languages],
                                   flags=flags, dubs=dubs)
    atomic_write_json(call.output(qc_artifact(f"package.{profile.name}")),
                      {"profile": profile.name, "passed": not failures,
                       "failures": [failure.to_json() for failure in failures]})


def _voices(speech: dict) -> dict[str, str]:
    """Who spoke the dub in which voice, from the ``tts.<lang>`` stage's speech.json."""
    return {line["speaker"]: line["voice"] for line in sorted(speech["lines"], key=lambda line: line["speaker"])}


def _check_package(job: Job, profile: DeliveryProfile) -> None:
    if profile.subtitles == "burned":
        require_font_for_language(job.targets[0])
    if profile.audio_tracks == DUB and not dubbed_languages(job, profile):
        raise BadInput(f"{job.path}: delivery profile '{profile.name}' carries the dub alone (audio: {{tracks: dub}}) "
                       f"but the job dubs none of its languages ({', '.join(package_languages(job, profile))}); "
                       "add them to dub: {targets}, or give the profile audio: {tracks: dub+original}")


def _check_picture(episode: Episode, profile: DeliveryProfile) -> None:
    """The package shows the episode's picture at the profile's frame: an audio-only file, or a 16:9 source for a
    9:16 platform, fails here rather than after transcription and translation ran."""
    info = media.probe(episode.video)
    media.require_picture(info)
    profile.rescale(info.path, info.width, info.height)


def package_stage(profile: DeliveryProfile, job: Job, episode: Episode) -> Stage:
    """One delivery profile's release package, built from the fitted cues and checked by package QC. Every
    delivered file is an output, so a deleted or edited one makes the next run rebuild the package."""
    languages, dubbed = package_languages(job, profile), dubbed_languages(job, profile)
    band_input = ("band",) if profile.detects_band else ()
    dub_inputs = [name for lang in dubbed for name in (f"mix.{lang}", f"lines.{lang}", qc_artifact(f"fit.dub.{lang}"),
                                                        qc_artifact(f"listen.{lang}"))]
    return Stage(
        f"package.{profile.name}", 6,
        needs=("video", "probe", *band_input, *(f"cues.{language}" for language in languages),
               *(qc_artifact(f"fit.{language}") for language in languages), *dub_inputs),
        makes={f"{profile.name}.manifest": f"{RELEASE}/manifest.json", **release_files(profile, job, episode),
               qc_artifact(f"package.{profile.name}"): "qc.json"},
        action=_package, force_group="package", preflight=lambda j: _check_package(j, profile), delivers=True,
        check_episode=lambda j, e: _check_picture(e, profile),
        reads=lambda j: PackageSettings(profile, languages, j.series, j.source_language, episode_number(episode, j),
                                        dubbed, bool(dubbed) and j.dub.retime),
    )


def release_files(profile: DeliveryProfile, job: Job, episode: Episode) -> dict[str, str]:
    """The files a package delivers besides its manifest, as named by the profile. Artifact names carry the
    profile's name so they never shadow the episode's own ``video`` or a language's ``cues.<lang>``."""
    slug, number = Release(job.series.title).series_slug, episode_number(episode, job)
    languages = package_languages(job, profile)
    files = {f"{profile.name}.mp4": f"{RELEASE}/{profile.stem(slug, number, languages[0])}.mp4"}
    for language in languages if profile.subtitles == "sidecar" else ():
        for fmt in profile.sidecars:
            files[f"{profile.name}.{fmt}.{language}"] = f"{RELEASE}/{profile.stem(slug, number, language)}.{fmt}"
    return files
