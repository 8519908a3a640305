"""Delivery profiles: what each platform receives (container, codecs, subtitle mode, naming, metadata),
loaded from ``data/delivery_profiles.yaml`` into frozen values so packaging and package QC read one truth.

The YAML is read strictly (unknown keys fail with a "did you mean") because a typo in a delivery spec
would otherwise ship a wrong package silently. A job may override any key of a shipped profile
(``delivery: [{vertical-app: {mask: {band: [1600, 1760]}}}]``); the override is merged key by key into the
shipped profile and read with the same rules, its errors naming the job file.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from localize.errors import BadInput
from localize.schema import Section, choice, text
from localize.subtitles import profiles

DATA_FILE = Path("localize/data/delivery_profiles.yaml")
SUBTITLE_MODES = ("mov_text", "burned", "sidecar")
SIDECAR_FORMATS = ("srt", "vtt", "ttml")
MASK_METHODS = ("blur", "box")
AUDIO_TRACKS = ("original", "dub", "dub+original")  # what sound a package carries (package/audio.py)
AUTO = "auto"  # mask band found by OCR over sampled frames (localize/band.py)
_KEYS = ("container", "video", "audio", "frame", "subtitles", "sidecars", "subtitle_profile", "loudness",
         "naming", "metadata", "mask")


@dataclass(frozen=True)
class DeliveryProfile:
    name: str
    container: str
    video_codec: str
    video_profile: str
    audio_codec: str
    sample_rate: int
    frame: tuple[int, int] | None  # (width, height) the platform requires; None keeps the source's
    subtitles: str  # mov_text, burned or sidecar
    sidecars: tuple[str, ...]
    subtitle_profile: str  # a screen of data/subtitle_profiles.yaml
    target_lufs: float
    true_peak_dbtp: float
    naming: str
    metadata: tuple[tuple[str, str], ...]  # (MP4 tag, template), in the order written
    # Re-encoding (burned profiles only): libx264 preset and either CRF or a bitrate such as "8M".
    video_preset: str = "medium"
    video_crf: int | None = None
    video_bitrate: str | None = None
    # The original burned-in subtitle band to hide before drawing ours: method and (top, bottom) rows, or
    # "auto" to find it with OCR; None when the source has no burned-in subtitles.
    mask_method: str | None = None
    mask_band: tuple[int, int] | str | None = None
    # The sound tracks: the original, the dub alone, or the dub (default) then the original; a language the job
    # does not dub carries its original sound.
    audio_tracks: str = "dub+original"

    @property
    def detects_band(self) -> bool:
        return self.subtitles == "burned" and self.mask_band == AUTO

    def rescale(self, source: object, width: int | None, height: int | None) -> tuple[int, int] | None:
        """The profile's frame when the source's differs (a 720×1280 episode for a 1080×1920 platform), else None.
        Only the size may change: another shape would need reframing, the editor's call rather than ours."""
        if not self.frame or not width or not height or (width, height) == self.frame:
            return None
        target_width, target_height = self.frame
        if abs(width * target_height - height * target_width) > 0.01 * height * target_width:
            raise BadInput(f"{source} is {width}x{height} but '{self.name}' delivers {target_width}x{target_height}, "
                           "another shape; reframe the source, or use a profile that keeps the source's frame "
                           "(streaming)")
        return self.frame

    def stem(self, series: str, episode: int, lang: str) -> str:
        return self.naming.format(series=series, episode=episode, lang=lang)


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, Any]:
    raw = resources.files("localize.data").joinpath("delivery_profiles.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(raw)["profiles"]


def load_delivery_profile(name: str, overrides: dict[str, Any] | None = None, source: Path | None = None,
                          where: str = "delivery") -> DeliveryProfile:
    """The shipped profile ``name``, with a job's ``overrides`` merged in (errors then name ``source`` and
    ``where.name``); an unknown name is bad input with the closest one suggested."""
    table = _shipped()
    if name not in table:
        close = difflib.get_close_matches(name, list(table), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise BadInput(f"unknown delivery profile '{name}': {hint}profiles are {', '.join(table)}")
    if not overrides:
        return _parse(name, table[name], DATA_FILE, f"profiles.{name}")
    Section(source or DATA_FILE, f"{where}.{name}", overrides, _KEYS)  # unknown keys named in the job's terms
    return _parse(name, _merge(table[name], overrides), source or DATA_FILE, f"{where}.{name}")


def _merge(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``overrides`` laid over ``base``: mappings merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in overrides.items():
        both_maps = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merge(merged[key], value) if both_maps else value
    return merged


def _parse(name: str, data: Any, file: Path, where: str) -> DeliveryProfile:
    entry = Section(file, where, data, _KEYS)
    video = Section(file, f"{where}.video", entry.get("video", dict), ("codec", "profile", "preset", "crf", "bitrate"))
    mask = Section(file, f"{where}.mask", entry.get("mask", dict, {}), ("method", "band"))
    audio = Section(file, f"{where}.audio", entry.get("audio", dict), ("codec", "sample_rate", "tracks"))
    loudness = Section(file, f"{where}.loudness", entry.get("loudness", dict), ("target_lufs", "true_peak_dbtp"))
    frame = entry.get("frame", lambda v: (int(v[0]), int(v[1])), None)
    sidecars = tuple(choice(SIDECAR_FORMATS)(f) for f in entry.get("sidecars", list, []))
    subtitle_profile = entry.get("subtitle_profile", text)
    profiles.screen(subtitle_profile)  # fails early, naming the known screens
    metadata = entry.get("metadata", dict, {})
    return DeliveryProfile(
        name=name,
        container=entry.get("container", choice(("mp4",))),
        video_codec=video.get("codec", text),
        video_profile=video.get("profile", text),
        audio_codec=audio.get("codec", text),
        sample_rate=audio.get("sample_rate", int),
        frame=frame,
        subtitles=entry.get("subtitles", choice(SUBTITLE_MODES)),
        sidecars=sidecars,
        subtitle_profile=subtitle_profile,
        target_lufs=loudness.get("target_lufs", float),
        true_peak_dbtp=loudness.get("true_peak_dbtp", float),
        naming=entry.get("naming", text),
        metadata=tuple((str(tag), text(template)) for tag, template in metadata.items()),
        video_preset=video.get("preset", text, "medium"),
        video_crf=video.get("crf", int, None),
        video_bitrate=video.get("bitrate", text, None),
        mask_method=mask.get("method", choice(MASK_METHODS), None),
        mask_band=mask.get("band", parse_band, None),
        audio_tracks=audio.get("tracks", choice(AUDIO_TRACKS), "dub+original"),
    )


def parse_band(value: Any) -> tuple[int, int] | str | None:
    """A band as ``[top, bottom]`` (YAML) or ``"top:bottom"`` (command line), in frame rows, top < bottom;
    ``auto`` to find it with OCR, ``none`` when the source has no burned-in subtitles."""
    if isinstance(value, str) and value.strip().lower() in (AUTO, "none"):
        return AUTO if value.strip().lower() == AUTO else None
    parts = value.split(":") if isinstance(value, str) else list(value)
    try:
        top, bottom = (int(part) for part in parts)
    except (TypeError, ValueError):
        raise BadInput(f"mask band '{value}' is not TOP:BOTTOM in pixel rows (e.g. 1600:1760), auto or none") from None
    if not 0 <= top < bottom:
        raise BadInput(f"mask band '{value}': need 0 <= top < bottom, e.g. 1600:1760")
    return top, bottom
