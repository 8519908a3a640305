"""Intelligibility of a dub: what Whisper hears in it, word by word, against what each line should say.

A dub can pass every timing rule and still be mush: a line sped up to its cap, a voice that cannot say a name.
Whisper re-transcribes the dub on the episode's timeline (not the mix: under a ducked Chinese original it hears the
voices underneath as English words, which no audience does); the heard words are aligned to the episode's dubbed
words with the fewest edits, and the word error rate (WER) of the episode and of each line is the edits that fall
on its words over their number. Words are compared lower-cased, without punctuation, with English
numbers in digits read as words ("5" and "five" are the same word heard).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

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
    """One line of the dub: what it should say and the heard words aligned to it."""

    text: str
    heard: str
    errors: int
    words: int

    @property
    def wer(self) -> float:
        return self.errors / self.words if self.words else float(self.errors > 0)


def alignment(said: Sequence[str], heard: Sequence[str]) -> list[tuple[int | None, int | None]]:
    """A least-edits alignment of two word sequences: (said index, heard index) pairs in order, None on the side
    a word is missing from (an insertion has no said index, a deletion no heard index)."""
    rows, cols = len(said) + 1, len(heard) + 1
    cost = [[0] * cols for _ in range(rows)]
    for i in range(rows):
        for j in range(cols):
            if i == 0 or j == 0:
                cost[i][j] = i + j
            else:
                cost[i][j] = min(cost[i - 1][j - 1] + (said[i - 1] != heard[j - 1]), cost[i - 1][j] + 1,
                                 cost[i][j - 1] + 1)
    pairs: list[tuple[int | None, int | None]] = []
    i, j = len(said), len(heard)
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (said[i - 1] != heard[j - 1]):
            i, j = i - 1, j - 1
            pairs.append((i, j))
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            i -= 1
            pairs.append((i, None))
        else:
            j -= 1
            pairs.append((None, j))
    return pairs[::-1]


def heard_lines(texts: Sequence[str], heard: Sequence[str], language: str) -> list[HeardLine]:
    """Each line's text with the words Whisper heard for it: the whole episode's heard words aligned to all its
    lines' words at once (Whisper's word times drift by a few hundred ms, enough to hand a word to the wrong
    line), an extra heard word counted against the line before it (the first line, at the start)."""
    said = [spoken_words(text, language) for text in texts]
    line_of = [number for number, words in enumerate(said) for _ in words]
    flat_said, flat_heard = [word for words in said for word in words], spoken_words(" ".join(heard), language)
    errors, got = [0] * len(texts), [[] for _ in texts]
    current = 0
    for i, j in alignment(flat_said, flat_heard):
        if i is not None:
            current = line_of[i]
        if texts:
            errors[current] += i is None or j is None or flat_said[i] != flat_heard[j]
            if j is not None:
                got[current].append(flat_heard[j])
    return [HeardLine(text, " ".join(words), errors[k], len(said[k]))
            for k, (text, words) in enumerate(zip(texts, got, strict=True))]


def episode_wer(lines: Sequence[HeardLine]) -> float:
    words = sum(line.words for line in lines)
    return sum(line.errors for line in lines) / words if words else 0.0
