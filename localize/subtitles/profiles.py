"""Subtitle profiles: the timing rules, a language's line and reading-speed limits, and the screen a
track is made for, loaded from ``data/subtitle_profiles.yaml`` and combined into one frozen value.

Frame-based rules are turned into milliseconds here, once, for the episode's real frame rate; only the
minimum gap is a fixed number of frames at every rate (Netflix: never scaled).
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, replace
from fractions import Fraction
from importlib import resources
from typing import Any

import yaml

from localize.errors import BadInput

OPTIONAL_LANGUAGE_RULES = ("dialogue_dash",)  # the data gives them only where a language differs from the default
DASHES = "-‐‑–—－"  # hyphen-minus, hyphen, non-breaking hyphen, en dash, em dash, full-width hyphen-minus
DIALOGUE_DASH = re.compile(f"[{re.escape(DASHES)}] ?")  # a language's dialogue style: one dash, maybe a space


@dataclass(frozen=True)
class Punctuation:
    """A language's subtitle punctuation: ``ascii[i]`` is written ``full_width[i]`` beside the language's own
    (wide) script, and no line ends with a mark of ``dropped_at_line_end``."""

    ascii: str = ""
    full_width: str = ""
    dropped_at_line_end: str = ""


@dataclass(frozen=True)
class LanguageRules:
    language: str  # the primary subtag the rules are for ("en", "zh", or "default")
    max_chars_per_line: int
    max_cps: float
    half_width: tuple[str, ...] = ()  # classes of characters that count 0.5: latin, space, punctuation, halfwidth
    punctuation: Punctuation = Punctuation()
    dialogue_dash: str = "-"  # what opens each speaker's line in a two-speaker cue: "-" or "- " (with a space)


@dataclass(frozen=True)
class Screen:
    """A frame and the box captions must stay inside, in pixels; captions sit at the box's bottom."""

    name: str
    width: int
    height: int
    safe_left: int
    safe_top: int
    safe_right: int
    safe_bottom: int
    font_size_px: int

    @property
    def safe_width(self) -> int:
        return self.safe_right - self.safe_left

    def fitted(self, width: int, height: int) -> Screen:
        """The same screen laid over a frame of another size (a 540×960 source): every box edge and the font
        scaled with it, so captions keep their place and size relative to the picture."""
        across, down = width / self.width, height / self.height
        return replace(self, width=width, height=height, safe_left=round(self.safe_left * across),
                       safe_right=round(self.safe_right * across), safe_top=round(self.safe_top * down),
                       safe_bottom=round(self.safe_bottom * down), font_size_px=round(self.font_size_px * down))

    def above_band(self, band_top_px: int, clearance_px: int) -> Screen:
        """The same screen with captions moved above a burned-in subtitle band starting at band_top_px; a band
        in the upper half of the frame (some series put their subtitles there) leaves ours at the bottom."""
        if band_top_px < self.height // 2:
            return self
        return replace(self, safe_bottom=min(self.safe_bottom, band_top_px - clearance_px))


@dataclass(frozen=True)
class SubtitleProfile:
    """Everything the segmenter, the line breaker and QC need for one track."""

    name: str
    language: LanguageRules
    screen: Screen | None
    fps: Fraction
    min_duration_ms: int
    max_duration_ms: int
    min_gap_frames: int
    chain_gap_ms: int
    in_time_tolerance_frames: int
    out_time_max_ms: int
    shot_snap_frames: int
    max_lines: int

    def frames_to_ms(self, frames: int) -> int:
        return round(frames * 1000 / self.fps)

    @property
    def min_gap_ms(self) -> int:
        return self.frames_to_ms(self.min_gap_frames)

    @functools.cached_property
    def frame_ms(self) -> float:
        """Cached: QC reads it several times per cue, and float(Fraction) is slow."""
        return 1000 / float(self.fps)


@functools.lru_cache(maxsize=1)
def shipped_profiles() -> dict[str, Any]:
    text = resources.files("localize.data").joinpath("subtitle_profiles.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def with_overrides(overrides: dict[str, Any], where: str) -> dict[str, Any]:
    """The shipped rules with a job's overrides laid over them; unknown keys fail with a suggestion.

    ``overrides`` mirrors the data file: ``timing``, ``languages``, ``screens``, ``burned_in_clearance_px``.
    """
    return _merge(shipped_profiles(), overrides, where)


def _merge(base: Any, override: Any, where: str) -> Any:
    if not isinstance(base, dict):
        if isinstance(base, (int, float)) and (isinstance(override, bool) or not isinstance(override, (int, float))):
            raise BadInput(f"{where}: must be a number, got '{override}'")
        if isinstance(base, list) and (not isinstance(override, list) or len(override) != len(base)):
            raise BadInput(f"{where}: must be a list of {len(base)} values like {base}")
        return override
    if not isinstance(override, dict):
        raise BadInput(f"{where}: must be a mapping of {', '.join(base)}")
    merged = dict(base)
    optional = OPTIONAL_LANGUAGE_RULES if where.rpartition(".")[0].endswith(".languages") else ()
    for key, value in override.items():
        if key in base:
            merged[key] = _merge(base[key], value, f"{where}.{key}")
        elif where.endswith((".languages", ".screens")):  # a new language or screen: complete it from a sibling
            template = base.get("default") or base.get("vertical") or next(iter(base.values()))
            merged[key] = _merge(template, value, f"{where}.{key}")
        elif key in optional:
            merged[key] = value  # a rule the shipped entry leaves at its default; language_rules checks it
        else:
            known = [*base, *optional]
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(known)}"
            raise BadInput(f"{where}.{key}: unknown key; {hint}")
    return merged


def language_rules(language: str, data: dict[str, Any] | None = None) -> LanguageRules:
    table = (data or shipped_profiles())["languages"]
    primary = language.split("-")[0]
    primary = {"cmn": "zh", "yue": "zh", "fil": "default"}.get(primary, primary)
    key = primary if primary in table else "default"
    entry = table[key]
    marks = entry.get("punctuation", {})
    punctuation = Punctuation(str(marks.get("ascii", "")), str(marks.get("full_width", "")),
                              str(marks.get("dropped_at_line_end", "")))
    if len(punctuation.ascii) != len(punctuation.full_width):
        raise BadInput(f"subtitles.languages.{key}.punctuation: ascii and full_width must pair mark for mark, "
                       f"got {len(punctuation.ascii)} and {len(punctuation.full_width)} marks")
    dash = entry.get("dialogue_dash", LanguageRules.dialogue_dash)
    if not isinstance(dash, str) or not DIALOGUE_DASH.fullmatch(dash):
        raise BadInput(f"subtitles.languages.{key}.dialogue_dash: must be one dash, alone or followed by one space "
                       f"(\"-\" or \"- \"), got {dash!r}")
    return LanguageRules(key, int(entry["max_chars_per_line"]), float(entry["max_cps"]),
                         tuple(entry.get("half_width", ())), punctuation, dash)


def screen(name: str, data: dict[str, Any] | None = None) -> Screen:
    screens = (data or shipped_profiles())["screens"]
    if name not in screens:
        close = difflib.get_close_matches(name, list(screens), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise BadInput(f"unknown subtitle profile '{name}': {hint}profiles are {', '.join(screens)}")
    entry = screens[name]
    width, height = entry["frame"]
    left, top, right, bottom = entry["safe"]
    return Screen(name, width, height, left, top, right, bottom, round(entry["font_size"] * height))


def load_profile(name: str, language: str, fps: Fraction | float | None = None,
                 burned_band_top_px: int | None = None, data: dict[str, Any] | None = None) -> SubtitleProfile:
    """The profile ``name`` (a screen such as ``vertical``) for ``language`` at the episode's frame rate."""
    data = data or shipped_profiles()
    timing = data["timing"]
    chosen = screen(name, data)
    if burned_band_top_px is not None:
        chosen = chosen.above_band(burned_band_top_px, int(data["burned_in_clearance_px"]))
    rate = Fraction(fps).limit_denominator(1001) if fps else Fraction(timing["default_fps"])
    return SubtitleProfile(
        name=name,
        language=language_rules(language, data),
        screen=chosen,
        fps=rate,
        min_duration_ms=int(timing["min_duration_ms"]),
        max_duration_ms=int(timing["max_duration_ms"]),
        min_gap_frames=int(timing["min_gap_frames"]),
        chain_gap_ms=int(timing["chain_gap_ms"]),
        in_time_tolerance_frames=int(timing["in_time_tolerance_frames"]),
        out_time_max_ms=int(timing["out_time_max_ms"]),
        shot_snap_frames=int(timing["shot_snap_frames"]),
        max_lines=int(timing["max_lines"]),
    )
