"""Cutting Whisper's decoder loops out of a segment instead of dropping the segment.

On fast or unclear speech Whisper can get stuck on one unit (喇叭喇叭喇叭…, 认认认…) until its 30 s window
ends, often after a stretch it heard right. Such a window's compression ratio is far over Whisper's 2.4, and
dropping every segment of it loses the good part too. Here the loop is found in the text (character by character,
so it does not matter how Whisper split it into words), one occurrence is kept, and the words that carried the
repeats are removed, so the segment's timing still follows its words.

Real speech repeats too, just not for long: 谢谢, 对对对, 哈哈哈哈哈 and a phrase said three times are kept.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass
from itertools import accumulate

from localize.model import Word

# Speech repeats a word two or three times (救命！救命！救命！), laughs up to six or seven 哈; a decoder loop goes on
# until something stops it. So a loop is at least four copies, covering at least eight characters.
MIN_REPEATS = 4
MIN_LOOP_CHARACTERS = 8
MAX_UNIT = 16  # characters in the longest repeated phrase looked for: a whole short sentence


@dataclass(frozen=True)
class Loop:
    """A run of ``count`` back-to-back copies of ``unit`` at character ``start`` of a text."""

    start: int
    unit: str
    count: int

    @property
    def end(self) -> int:
        return self.start + len(self.unit) * self.count


@dataclass(frozen=True)
class Cut:
    """Words removed from a segment because they repeated a phrase kept just before them."""

    words: tuple[Word, ...]
    phrase: str
    repeats: int


def normal(text: str) -> str:
    """What loop detection compares: lower-case letters and digits only."""
    return re.sub(r"[\W_]+", "", text.lower())


def compression_ratio(text: str) -> float:
    """Bytes over zlib-compressed bytes, as faster-whisper measures a window's text (a loop compresses well)."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def _is_primitive(unit: str) -> bool:
    """False for a unit that is itself a repeat (哈哈, 四十四十): the shorter unit is the loop."""
    return (unit + unit).find(unit, 1) == len(unit)


def _loop_at(text: str, start: int) -> Loop | None:
    """The repeat at ``start`` covering the most characters, if it repeats long enough to be a loop."""
    best: Loop | None = None
    for size in range(1, MAX_UNIT + 1):
        unit = text[start:start + size]
        if len(unit) < size:
            break
        if not _is_primitive(unit) or (size == 1 and unit.isdigit()):  # 1000000 is a number, not a loop
            continue
        count = 1
        while text.startswith(unit, start + count * size):
            count += 1
        long_enough = count >= MIN_REPEATS and count * size >= MIN_LOOP_CHARACTERS
        if long_enough and (best is None or count * size > best.count * len(best.unit)):
            best = Loop(start, unit, count)
    return best


def find_loops(text: str) -> list[Loop]:
    """Non-overlapping loops in ``text``, left to right."""
    loops: list[Loop] = []
    position = 0
    while position < len(text):
        loop = _loop_at(text, position)
        if loop:
            loops.append(loop)
            position = loop.end
        else:
            position += 1
    return loops


def _cut_span(text: str, loop: Loop) -> tuple[int, int]:
    """Characters to remove: every copy after the first, and a broken-off last copy when the text ends in it
    (a loop that ran into the end of Whisper's window)."""
    end = loop.end
    if text[end:] and loop.unit.startswith(text[end:]):
        end = len(text)
    return loop.start + len(loop.unit), end


def cut_loops(words: tuple[Word, ...]) -> tuple[tuple[Word, ...], list[Cut]]:
    """The words without their loops, and what was cut. A word is removed only when all its characters lie
    in a cut span; punctuation before and between removed words goes with them (我认识你，认识你，认识你，认识你，
    再见 becomes 我认识你，再见)."""
    keys = [normal(w.text) for w in words]
    text = "".join(keys)
    starts = list(accumulate((len(k) for k in keys), initial=0))
    removed: set[int] = set()
    cuts: list[Cut] = []
    for loop in find_loops(text):
        begin, end = _cut_span(text, loop)
        inside = [i for i, key in enumerate(keys) if key and begin <= starts[i] and starts[i] + len(key) <= end]
        if not inside:
            continue
        first = inside[0]
        while first > 0 and not keys[first - 1]:
            first -= 1
        span = range(first, inside[-1] + 1)
        removed.update(span)
        cuts.append(Cut(tuple(words[i] for i in span), loop.unit, loop.count))
    return tuple(w for i, w in enumerate(words) if i not in removed), cuts
