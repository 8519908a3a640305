"""How long a subtitle line is: for reading speed (characters, with the half-width rules of Korean and
Japanese) and on screen (em widths of the caption font's real glyphs, so phones don't clip lines)."""

from __future__ import annotations

import functools
import json
import unicodedata
from importlib import resources

from localize.subtitles.profiles import LanguageRules, SubtitleProfile

FALLBACK_EM = 0.6  # a glyph missing from the table: about an average Latin capital


@functools.lru_cache(maxsize=1)
def _glyph_em() -> dict[str, float]:
    data = resources.files("localize.data").joinpath("glyph_widths.json").read_text(encoding="utf-8")
    return json.loads(data)["em"]


def _em_of(char: str) -> float:
    width = _glyph_em().get(char)
    if width is not None:
        return width
    if unicodedata.combining(char):
        return 0.0
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else FALLBACK_EM


class _EmTable(dict):
    """Em width by character, filled as characters are met: a track repeats the same few thousand
    characters, every line of it is measured, and a dict lookup is the cheapest way to sum a line."""

    def __missing__(self, char: str) -> float:
        width = _em_of(char)
        if len(self) < 1 << 16:  # bounded, like a cache: a file of every Unicode character stays small
            self[char] = width
        return width


_EM = _EmTable()


def width_em(line: str) -> float:
    return sum(map(_EM.__getitem__, line))


@functools.lru_cache(maxsize=1 << 16)
def _is_half(char: str, classes: tuple[str, ...]) -> bool:
    if "space" in classes and char.isspace():
        return True
    if "latin" in classes and char.isascii() and char.isalnum():
        return True
    if "punctuation" in classes and unicodedata.category(char).startswith("P") and char.isascii():
        return True
    return "halfwidth" in classes and unicodedata.east_asian_width(char) in ("H", "Na")


def reading_length(text: str, rules: LanguageRules) -> float:
    """Characters a viewer reads (line breaks excluded); some classes count half for ko and ja."""
    if not rules.half_width:
        return float(len(text) - text.count("\n"))
    return sum(0.5 if _is_half(c, rules.half_width) else 1.0 for c in text if c != "\n")


def readable_chars(duration_ms: int, max_cps: float) -> int:
    """The most characters a viewer reads in ``duration_ms`` at ``max_cps``: what a shorter rendering must meet."""
    return int(max_cps * duration_ms / 1000)


def line_fits(line: str, profile: SubtitleProfile) -> bool:
    """Within the language's characters per line and, on a known screen, the safe width in pixels."""
    if reading_length(line, profile.language) > profile.language.max_chars_per_line:
        return False
    return profile.screen is None or line_pixels(line, profile) <= profile.screen.safe_width


def line_pixels(line: str, profile: SubtitleProfile) -> int:
    size = profile.screen.font_size_px if profile.screen else 0
    return round(width_em(line) * size)


REFERENCE_LATIN = "Three years you have been freeloading off my family, and now this"


def derived_chars_per_line(profile: SubtitleProfile) -> int:
    """The effective characters-per-line limit on this screen for typical text of the language."""
    limit = profile.language.max_chars_per_line
    if profile.screen is None:
        return limit
    is_cjk = profile.language.language in ("zh", "ja", "ko")
    average_em = 1.0 if is_cjk else width_em(REFERENCE_LATIN) / len(REFERENCE_LATIN)
    return min(limit, int(profile.screen.safe_width / (average_em * profile.screen.font_size_px)))
