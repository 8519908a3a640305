"""Package QC: does a delivered folder match its profile and its manifest?

Checks what a platform's ingest (or a distributor's QC vendor) would reject: missing or untagged streams,
wrong codecs or frame size, picture and sound that drift apart, names off the pattern, files changed
after packaging, sound off the loudness target or over the true-peak limit. Every failure names the file,
the check, what was measured and what was expected.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from localize import media
from localize.errors import BadInput
from localize.package import loudness
from localize.package.profiles import DeliveryProfile
from localize.store import sha256_file

MANIFEST = "manifest.json"
LOUDNESS_TOLERANCE_LU = 1.0
# ISO 639-2/B codes, what ffmpeg's MP4 muxer and most players expect in a track's language field.
ISO639_2 = {"en": "eng", "zh": "chi", "yue": "chi", "cmn": "chi", "es": "spa", "pt": "por", "id": "ind",
            "th": "tha", "vi": "vie", "ar": "ara", "ko": "kor", "ja": "jpn", "fr": "fre", "de": "ger",
            "ru": "rus", "ms": "may", "fil": "fil", "tl": "tgl", "hi": "hin", "tr": "tur", "it": "ita"}

NAMES = {"en": "English", "zh": "Chinese", "yue": "Cantonese", "es": "Spanish", "pt": "Portuguese",
         "id": "Indonesian", "th": "Thai", "vi": "Vietnamese", "ar": "Arabic", "ko": "Korean", "ja": "Japanese"}


@dataclass(frozen=True)
class Failure:
    file: str
    check: str
    measured: str
    expected: str

    def to_json(self) -> dict:
        return asdict(self)


def iso639_2(tag: str) -> str:
    primary = tag.split("-")[0]
    if primary not in ISO639_2:
        raise BadInput(f"no MP4 language code known for '{tag}'; languages are {', '.join(sorted(ISO639_2))}")
    return ISO639_2[primary]


def language_name(tag: str) -> str:
    """The English name of a tag's language, for track titles (the tag itself when not listed)."""
    return NAMES.get(tag.split("-")[0], tag)


def describe_streams(path: Path) -> list[dict[str, Any]]:
    """Each stream's codec, size, rate, language, default flag, start and duration: what QC compares."""
    found = []
    import av  # PyAV loads in ~80 ms: only commands that read media pay for it

    with av.open(str(path)) as container:
        for stream in container.streams:
            base = stream.time_base or Fraction(1, 1000)
            entry: dict[str, Any] = {
                "index": stream.index, "type": stream.type, "codec": stream.codec_context.name,
                "language": (stream.metadata or {}).get("language"),
                "default": bool(int(stream.disposition) & 1),
                "start_ms": round(float((stream.start_time or 0) * base) * 1000, 3),
                "duration_ms": round(float((stream.duration or 0) * base) * 1000, 3),
            }
            if stream.type == "video":
                rate = stream.average_rate or stream.base_rate
                entry |= {"width": stream.codec_context.width, "height": stream.codec_context.height,
                          "fps": str(Fraction(rate)) if rate else None, "profile": stream.codec_context.profile}
            elif stream.type == "audio":
                entry |= {"sample_rate": stream.codec_context.sample_rate, "profile": stream.codec_context.profile}
            found.append(entry)
    return found


def check_package(folder: Path, profile: DeliveryProfile) -> list[Failure]:
    """Every way ``folder`` falls short of ``profile`` and of its own manifest; empty when it is clean."""
    if not folder.is_dir():
        raise BadInput(f"package folder not found: {folder}")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [Failure(MANIFEST, "manifest", "missing", "present")]
    except (ValueError, UnicodeDecodeError) as exc:
        return [Failure(MANIFEST, "manifest", f"unreadable ({exc})", "valid JSON")]
    failures = _check_profile_name(manifest, profile) + _check_files(folder, manifest) + _check_names(manifest, profile)
    for lang, qc in manifest.get("subtitle_qc", {}).items():
        if not qc.get("passed"):
            failures.append(Failure(MANIFEST, f"subtitle_qc {lang}", f"{len(qc.get('violations', []))} violations",
                                    "none"))
    for entry in manifest.get("files", []):
        path = folder / entry["name"]
        if path.suffix == ".mp4" and path.is_file():
            failures += _check_media(path, manifest.get("languages", []), manifest.get("audio"), profile)
    return failures


def _check_profile_name(manifest: dict, profile: DeliveryProfile) -> list[Failure]:
    if manifest.get("profile") == profile.name:
        return []
    return [Failure(MANIFEST, "profile", str(manifest.get("profile")), profile.name)]


def _check_files(folder: Path, manifest: dict) -> list[Failure]:
    """Checksums and sizes as packaged; nothing missing, nothing added."""
    failures = []
    listed = {entry["name"] for entry in manifest.get("files", [])}
    for entry in manifest.get("files", []):
        path = folder / entry["name"]
        if not path.is_file():
            failures.append(Failure(entry["name"], "present", "missing", "listed in manifest.json"))
            continue
        if path.stat().st_size != entry["bytes"]:
            failures.append(Failure(entry["name"], "bytes", str(path.stat().st_size), str(entry["bytes"])))
        digest = sha256_file(path)
        if digest != entry["sha256"]:
            failures.append(Failure(entry["name"], "sha256", digest, entry["sha256"]))
    for path in sorted(folder.iterdir()):
        if path.name != MANIFEST and path.name not in listed:
            failures.append(Failure(path.name, "listed", "not in manifest.json", "every file listed"))
    return failures


def _check_names(manifest: dict, profile: DeliveryProfile) -> list[Failure]:
    """File names as the profile's pattern makes them from the manifest's series, episode and languages."""
    languages = manifest.get("languages") or ["?"]
    series, episode = str(manifest.get("series", "")), int(manifest.get("episode", 0))
    expected = {f"{profile.stem(series, episode, languages[0])}.{profile.container}"}
    if profile.subtitles == "sidecar":
        expected |= {f"{profile.stem(series, episode, lang)}.{fmt}" for lang in languages for fmt in profile.sidecars}
    actual = {entry["name"] for entry in manifest.get("files", [])}
    off_pattern = [Failure(name, "name", name, f"one of {', '.join(sorted(expected))} ({profile.naming})")
                   for name in sorted(actual - expected)]
    return off_pattern + [Failure(name, "present", "missing", f"named by {profile.naming}")
                          for name in sorted(expected - actual)]


def _check_media(path: Path, languages: list[str], sound: list[dict] | None, profile: DeliveryProfile) -> list[Failure]:
    """Streams present, tagged and coded per profile; picture and sound aligned within one frame. ``sound``: the
    manifest's audio tracks (language and kind) in stream order; a package made before dubbing lists none and
    has one."""
    import av

    name, failures = path.name, []
    try:
        streams = describe_streams(path)
    except av.error.FFmpegError as exc:
        return [Failure(name, "readable", f"ffmpeg cannot read it ({exc.strerror or type(exc).__name__})",
                        "a playable MP4")]
    video = next((s for s in streams if s["type"] == "video"), None)
    audios = [s for s in streams if s["type"] == "audio"]
    if video is None or not audios:
        return [Failure(name, "streams", ", ".join(s["type"] for s in streams), "one video and one audio stream")]
    failures += _expect(name, "video codec", video["codec"], profile.video_codec)
    failures += _expect(name, "video profile", video["profile"], profile.video_profile)
    if profile.frame:
        failures += _expect(name, "frame size", f"{video['width']}x{video['height']}",
                            f"{profile.frame[0]}x{profile.frame[1]}")
    failures += _expect(name, "audio tracks", len(audios), len(sound) if sound else 1)
    for number, audio in enumerate(audios):
        failures += _check_audio(path, number, audio, video, (sound or [{}])[number:number + 1], profile)
    subtitles = [s for s in streams if s["type"] == "subtitle"]
    wanted = languages if profile.subtitles == "mov_text" else []
    failures += _expect(name, "subtitle tracks", len(subtitles), len(wanted))
    for number, (stream, lang) in enumerate(zip(subtitles, wanted, strict=False)):
        failures += _expect(name, f"subtitle {number} codec", stream["codec"], "mov_text")
        failures += _expect(name, f"subtitle {number} language", stream["language"], iso639_2(lang))
        failures += _expect(name, f"subtitle {number} default", stream["default"], number == 0)
    return failures


def _check_audio(path: Path, number: int, audio: dict[str, Any], video: dict[str, Any], listed: list[dict],
                 profile: DeliveryProfile) -> list[Failure]:
    """One sound track: codec, rate, language (the manifest's, when it lists the track), default flag on the
    first only, aligned with the picture, on the loudness target."""
    name, label = path.name, "audio" if number == 0 else f"audio {number}"
    failures = _expect(name, f"{label} codec", audio["codec"], profile.audio_codec)
    failures += _expect(name, f"{label} sample rate", audio["sample_rate"], profile.sample_rate)
    failures += _expect(name, f"{label} default", audio["default"], number == 0)
    if listed and listed[0].get("language"):
        failures += _expect(name, f"{label} language", audio["language"], iso639_2(listed[0]["language"]))
    elif not audio["language"] or audio["language"] == "und":
        failures.append(Failure(name, f"{label} language", str(audio["language"]), "an ISO 639-2 tag"))
    frame_ms = 1000 / float(Fraction(video["fps"])) if video["fps"] else 40.0
    for check, key in (("duration", "duration_ms"), ("start", "start_ms")):
        gap = abs(video[key] - audio[key])
        if gap > frame_ms:
            failures.append(Failure(name, f"{label}/video {check}", f"{gap:.1f} ms apart",
                                    f"≤ {frame_ms:.1f} ms (one frame)"))
    return failures + check_loudness(path, profile, stream=number)


def check_loudness(path: Path, profile: DeliveryProfile, ffmpeg: str | None = None, stream: int = 0) -> list[Failure]:
    """Integrated loudness within ±1 LU of the profile's target and true peak at or under its limit, for one
    audio stream (the first by default)."""
    measured = loudness.measure(path, media.find_ffmpeg(ffmpeg), stream)
    label = "" if stream == 0 else f"audio {stream} "
    failures = []
    if abs(measured.integrated_lufs - profile.target_lufs) > LOUDNESS_TOLERANCE_LU:
        failures.append(Failure(path.name, f"{label}loudness", f"{measured.integrated_lufs:.1f} LUFS",
                                f"{profile.target_lufs:.1f} ± {LOUDNESS_TOLERANCE_LU:.0f} LU"))
    if measured.true_peak_dbtp > profile.true_peak_dbtp:
        failures.append(Failure(path.name, f"{label}true peak", f"{measured.true_peak_dbtp:.1f} dBTP",
                                f"≤ {profile.true_peak_dbtp:.1f} dBTP"))
    return failures


def _expect(file: str, check: str, measured: Any, expected: Any) -> list[Failure]:
    return [] if measured == expected else [Failure(file, check, str(measured), str(expected))]


def refuse_stage_folder(folder: Path) -> None:
    """A pipeline's package stage keeps the package in ``release/``: checking the stage folder itself would only
    report a missing manifest, so point at the right folder instead (the usual slip)."""
    inner = folder / "release" / MANIFEST
    if not (folder / MANIFEST).is_file() and inner.is_file():
        raise BadInput(f"{folder} is a package stage's folder; the package is inside it: "
                       f"localize qc package {inner.parent}")


def manifest_profile(folder: Path) -> str:
    """The profile a package's manifest.json names; a usage error when there is none to read."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        raise BadInput(f"no {MANIFEST} in {folder}: give the package folder (the one holding {MANIFEST}), "
                       "or --profile to check a folder whose manifest is lost")
    try:
        named = json.loads(manifest.read_text(encoding="utf-8")).get("profile")
    except (ValueError, AttributeError):
        named = None
    if not isinstance(named, str):
        raise BadInput(f"{manifest} names no profile (not the JSON localize writes); give --profile")
    return named
