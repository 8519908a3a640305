"""Language-aware line breaking: where to split one subtitle's text into (at most) two lines.

Every candidate break is scored: after punctuation is best, before a conjunction or preposition is good,
splitting article+noun, pronoun+verb, verb+negation or a first+last name is never done when anything
else fits, and balanced lines (the lower one a little longer) are preferred. CJK text breaks between
characters, never putting closing punctuation at a line start or opening punctuation at a line end.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from importlib import resources

import yaml

from localize.subtitles.profiles import SubtitleProfile
from localize.subtitles.textwidth import line_fits, reading_length

SENTENCE_END = "。！？!?…."
CLAUSE_MARKS = "，,、；;：:—–"
CLOSING = "。，、！？；：）」』】〉》”’)]}!?,.;:…"
OPENING = "（「『【〈《“‘([{"
NO_SPACE_LANGUAGES = ("zh", "ja", "th", "yue", "cmn")  # written without spaces between words
FORBIDDEN = 100.0  # a break no reader should meet, used only when nothing else fits


@functools.lru_cache(maxsize=1)
def _word_lists() -> dict[str, dict[str, frozenset[str]]]:
    raw = yaml.safe_load(resources.files("localize.data").joinpath("linebreak_words.yaml").read_text("utf-8"))
    return {lang: {key: frozenset(words) for key, words in lists.items()} for lang, lists in raw.items()}


@dataclass(frozen=True)
class Candidate:
    """A two-line split of a text: line one is ``text[:end]``, line two ``text[start:]``; lengths in reading
    characters. Offsets rather than strings, so weighing every split of a long text stays linear."""

    end: int
    start: int
    penalty: float
    first_length: float
    second_length: float


def _uses_spaces(language: str) -> bool:
    return language not in NO_SPACE_LANGUAGES


def word_break_penalty(left: str, right: str, language: str) -> float:
    """Grammar-aware cost of breaking between the words ``left`` and ``right``."""
    lists = _word_lists().get(language, {})
    last, first = left.lower().strip("\"'“”‘’"), right.lower().strip("\"'“”‘’")
    if left[-1:] in SENTENCE_END:
        return -12.0
    if left[-1:] in CLAUSE_MARKS:
        return -8.0
    if last in lists.get("never_after", ()) or first in lists.get("never_before", ()) or first.startswith("n't"):
        return FORBIDDEN
    if left[:1].isupper() and right[:1].isupper() and left.isalpha() and right.rstrip(",.!?").isalpha():
        return FORBIDDEN  # a first + last name ("Lin Fan"), or a name with its title
    if left.rstrip(",").replace(".", "").isdigit():
        return FORBIDDEN  # a number and what it counts ("5 million")
    if first in lists.get("break_before", ()):
        return -4.0
    return 0.0


def _cjk_penalty(left: str, right: str) -> float:
    if right[:1] in CLOSING or left[-1:] in OPENING:
        return FORBIDDEN
    if left[-1:] in SENTENCE_END:
        return -12.0
    if left[-1:] in CLAUSE_MARKS:
        return -8.0
    return 0.0


def _balance_penalty(a: float, b: float) -> float:
    longest = max(a, b) or 1.0
    shape = 1.0 if a > b else 0.0  # a bottom-heavy pyramid reads best
    return 10.0 * abs(a - b) / longest + shape


def _prefix_lengths(text: str, profile: SubtitleProfile) -> list[float]:
    """Reading length of ``text[:i]`` for every i: each split's line lengths by subtraction, not by re-counting
    (exact: every character counts 1 or 0.5)."""
    return list(itertools.accumulate((reading_length(c, profile.language) for c in text), initial=0.0))


def _candidates(text: str, profile: SubtitleProfile, boundaries: frozenset[int] | None = None) -> list[Candidate]:
    """Every two-line split of ``text`` with its penalty (lower is better). ``boundaries`` are allowed
    character offsets for CJK text (word ends from ASR), so a word is never cut in two."""
    language = profile.language.language
    lengths = _prefix_lengths(text, profile)
    found: list[Candidate] = []

    def add(end: int, start: int, penalty: float) -> None:
        first, second = lengths[end], lengths[-1] - lengths[start]
        found.append(Candidate(end, start, penalty + _balance_penalty(first, second), first, second))

    if _uses_spaces(language):  # break only between words; one long word stays whole and QC flags it
        words = text.split(" ")  # break_lines hands over single-spaced text
        offset = len(words[0]) + 1
        for i in range(1, len(words)):
            add(offset - 1, offset, word_break_penalty(words[i - 1], words[i], language))
            offset += len(words[i]) + 1
        return found
    ends = [0] * (len(text) + 1)  # ends[i]: i less the spaces before it; starts[i]: i plus the spaces after it
    for i in range(1, len(text) + 1):
        ends[i] = ends[i - 1] if text[i - 1].isspace() else i
    starts = list(range(len(text) + 1))
    for i in range(len(text) - 1, -1, -1):
        starts[i] = starts[i + 1] if text[i].isspace() else i
    for i in range(1, len(text)):
        end, start = ends[i], starts[i]
        if end == 0 or start == len(text):
            continue
        penalty = _cjk_penalty(text[end - 1], text[start])
        if boundaries is not None and i not in boundaries:
            penalty += 20.0  # inside a word: only when no word boundary fits
        add(end, start, penalty)
    return found


def break_lines(text: str, profile: SubtitleProfile, boundaries: frozenset[int] | None = None) -> str:
    """The text laid out in lines joined by "\\n": one line when it fits, else the best two-line split.
    If nothing fits, the least-overflowing split is returned and QC reports it."""
    flat = " ".join(text.split()) if _uses_spaces(profile.language.language) else "".join(text.split())
    if line_fits(flat, profile) or profile.max_lines < 2:
        return flat
    options = _candidates(flat, profile, boundaries)
    if not options:
        return flat
    limit = profile.language.max_chars_per_line
    fitting = [c for c in options if c.first_length <= limit and c.second_length <= limit  # cheap test first
               and line_fits(flat[:c.end], profile) and line_fits(flat[c.start:], profile)]
    if fitting:
        best = min(fitting, key=lambda c: c.penalty)
    else:
        best = min(options, key=lambda c: (max(c.first_length, c.second_length), c.penalty))
    return f"{flat[:best.end]}\n{flat[best.start:]}"


def fits_in_lines(text: str, profile: SubtitleProfile, boundaries: frozenset[int] | None = None) -> bool:
    """Can this text be shown within the profile's line count and widths?"""
    laid_out = break_lines(text, profile, boundaries)
    lines = laid_out.split("\n")
    return len(lines) <= profile.max_lines and all(line_fits(line, profile) for line in lines)
