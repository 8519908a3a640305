"""Intelligibility of a dub: what Whisper hears in the mix, word by word, against what each line should say.

A dub can pass every timing rule and still be mush: a line sped up to its cap, a voice that cannot say a name,
speech buried under the scene's music. Whisper re-transcribes the delivered mix; each heard word goes to the line
whose placed span (on the episode's timeline) is nearest its middle, and the word error rate (WER) of every line
and of the episode is the edit distance over the line's words. Words are compared lower-cased, without
punctuation, with English numbers in digits read as words ("5" and "five" are the same word heard).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from localize.asr.metrics import edit_distance
from localize.model import Word

MAX_EPISODE_WER = 0.10  # the episode's words misheard, at most
MAX_LINE_WER = 0.5  # one line: half its words misheard is a line the audience loses
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
         "seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"), (1000, "thousand"), (100, "hundred"))


def english_number(value: int) -> list[str]:
    """An integer under a trillion as English words (the way a voice says a number written in digits)."""
    for size, name in _SCALES:
        if value >= size:
            rest = english_number(value % size) if value % size else []
            return [*english_number(value // size), name, *rest]
    if value < 20:
        return [_ONES[value]]
    return [_TENS[value // 10], *([_ONES[value % 10]] if value % 10 else [])]


def spoken_words(text: str, language: str) -> list[str]:
    """The words of ``text`` as compared: lower-case, no punctuation; English digits as words."""
    words = []
    for word in _WORD.findall(text.lower().replace(",", "")):
        if language.split("-")[0] == "en" and word.isdigit() and len(word) <= 12:
            words += english_number(int(word))
        else:
            words.append(word.replace("’", "'"))
    return words


@dataclass(frozen=True)
class HeardLine:
    """One placed line of the dub: what it should say and what was heard while it played."""

    start_ms: int
    end_ms: int
    text: str
    heard: str
    errors: int
    words: int

    @property
    def wer(self) -> float:
        return self.errors / self.words if self.words else float(self.errors > 0)


def heard_lines(lines: Sequence[tuple[int, int, str]], heard: Sequence[Word], language: str) -> list[HeardLine]:
    """Each (start_ms, end_ms, text) line with the heard words nearest it; a word goes to the nearest line by the
    distance from its middle to the line's span (the earlier line on a tie)."""
    assigned: list[list[str]] = [[] for _ in lines]
    for word in heard:
        middle = (word.start_ms + word.end_ms) // 2
        distances = [max(start - middle, middle - end, 0) for start, end, _ in lines]
        if distances:
            assigned[distances.index(min(distances))].append(word.text.strip())
    found = []
    for (start, end, text), words in zip(lines, assigned, strict=True):
        said, got = spoken_words(text, language), spoken_words(" ".join(words), language)
        found.append(HeardLine(start, end, text, " ".join(words), edit_distance(said, got), len(said)))
    return found


def episode_wer(lines: Sequence[HeardLine]) -> float:
    words = sum(line.words for line in lines)
    return sum(line.errors for line in lines) / words if words else 0.0
