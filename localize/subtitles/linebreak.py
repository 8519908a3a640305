"""Language-aware line breaking: where to split one subtitle's text into (at most) two lines.

Every candidate break is scored: after punctuation is best, before a conjunction or preposition is good,
splitting article+noun, pronoun+verb, verb+negation or a first+last name is never done when anything
else fits, and balanced lines (the lower one a little longer) are preferred.

Text written without spaces breaks only between its words (``localize.words``: a segmenter for Chinese,
every character for Japanese and Thai until they get one), never putting closing punctuation at a line start
or opening punctuation at a line end; particles stay with their word, a line does not end on 的 or a
preposition. A word is never cut: where no break at a word edge fits, the least-overflowing one is taken and
QC reports the long line (a single word longer than a line stays whole, as in spaced languages).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import yaml

from localize.subtitles.profiles import SubtitleProfile
from localize.subtitles.textwidth import line_fits, reading_length
from localize.words import word_spans

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


@dataclass(frozen=True)
class Layout:
    """Text laid out in lines joined by "\\n"; ``fits`` when every line is within the profile, and the
    ``penalty`` of its break (0 for one line; ``FORBIDDEN`` or more for a break no reader should meet)."""

    text: str
    fits: bool
    penalty: float


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
        return FORBIDDEN  # a number and what it counts ("5 million", "5 百万")
    if first in lists.get("break_before", ()) or last in lists.get("break_after", ()):
        return -4.0
    return 0.0


_Split = tuple[int, int, int, int]
"""A place to break: (left, end, start, right): line one is ``text[:end]`` and line two ``text[start:]``; the
words either side are ``text[left:end]`` and ``text[start:right]``. Offsets in a plain tuple, so weighing every
split of a long text costs no string copies and little else."""


def _unspaced_splits(text: str, language: str, extra_words: Iterable[str]) -> list[_Split]:
    """Between the words of text written without spaces, and the punctuation between them: never in a word."""
    starts: list[int] = []  # where each token starts: a word, or any other character on its own; then the end
    done = 0
    for start, end in word_spans(text, language, extra_words):
        starts.extend(range(done, start))
        starts.append(start)
        done = end
    starts.extend(range(done, len(text) + 1))
    return [(left, at, at, right) for left, at, right in zip(starts[:-2], starts[1:-1], starts[2:], strict=True)]


def _spaced_splits(text: str) -> list[_Split]:
    """At the spaces of single-spaced text: one long word stays whole and QC flags it."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == " "]  # where each word starts and ends
    ends = [start - 1 for start in starts[1:]] + [len(text)]
    return [(starts[k - 1], ends[k - 1], starts[k], ends[k]) for k in range(1, len(starts))]


def _splits(text: str, language: str, extra_words: Iterable[str]) -> list[_Split]:
    return _spaced_splits(text) if _uses_spaces(language) else _unspaced_splits(text, language, extra_words)


def _grammar(text: str, split: _Split, language: str) -> float:
    left, end, start, right = split
    before, after = text[left:end], text[start:right]
    if not _uses_spaces(language) and (after[:1] in CLOSING or before[-1:] in OPENING):
        return FORBIDDEN
    return word_break_penalty(before, after, language)


def unspaced_breaks(text: str, language: str, extra_words: Iterable[str] = ()) -> dict[int, float]:
    """Where text written without spaces may break, with the cost of each break: between its words (and the
    punctuation between them), never inside a word. ``extra_words`` (glossary terms, names) stay whole."""
    return {split[1]: _grammar(text, split, language) for split in _unspaced_splits(text, language, extra_words)}


def _balance_penalty(a: float, b: float) -> float:
    longest = max(a, b) or 1.0
    shape = 1.0 if a > b else 0.0  # a bottom-heavy pyramid reads best
    return 10.0 * abs(a - b) / longest + shape


def _prefix_lengths(text: str, profile: SubtitleProfile) -> list[float]:
    """Reading length of ``text[:i]`` for every i: each split's line lengths by subtraction, not by re-counting
    (exact: every character counts 1 or 0.5)."""
    if not profile.language.half_width:
        return [float(i) for i in range(len(text) + 1)]  # every character counts 1 (no line breaks here)
    return list(itertools.accumulate((reading_length(c, profile.language) for c in text), initial=0.0))


def _candidates(text: str, profile: SubtitleProfile, extra_words: Iterable[str]) -> tuple[list[Candidate], bool]:
    """The two-line splits worth weighing, with their penalties (lower is better), and whether they fit: those
    whose lines are short enough, or else the least-overflowing ones. Grammar is looked up only for these."""
    language = profile.language.language
    lengths = _prefix_lengths(text, profile)
    limit = profile.language.max_chars_per_line
    measured = [(split, lengths[split[1]], lengths[-1] - lengths[split[2]])
                for split in _splits(text, language, extra_words)]
    short = [m for m in measured if m[1] <= limit and m[2] <= limit]
    within = bool(short)
    if not within and measured:
        least = min(max(first, second) for _, first, second in measured)
        short = [m for m in measured if max(m[1], m[2]) == least]
    return [Candidate(split[1], split[2], _grammar(text, split, language) + _balance_penalty(first, second),
                      first, second) for split, first, second in short], within


def layout(text: str, profile: SubtitleProfile, extra_words: Iterable[str] = ()) -> Layout:
    """The text in one line when it fits, else split in two at the best break that fits. If none fits, the
    least-overflowing split (still between words) is returned, and QC reports it."""
    flat = " ".join(text.split()) if _uses_spaces(profile.language.language) else "".join(text.split())
    if line_fits(flat, profile):
        return Layout(flat, True, 0.0)
    options, within = _candidates(flat, profile, extra_words) if profile.max_lines >= 2 else ([], False)
    if not options:
        return Layout(flat, False, 0.0)
    fitting = [c for c in options if within and line_fits(flat[:c.end], profile) and line_fits(flat[c.start:], profile)]
    if fitting:
        best = min(fitting, key=lambda c: c.penalty)
    else:
        best = min(options, key=lambda c: (max(c.first_length, c.second_length), c.penalty))
    return Layout(f"{flat[:best.end]}\n{flat[best.start:]}", bool(fitting), best.penalty)


def break_lines(text: str, profile: SubtitleProfile, extra_words: Iterable[str] = ()) -> str:
    """The text laid out in lines joined by "\\n" (see ``layout``)."""
    return layout(text, profile, extra_words).text
