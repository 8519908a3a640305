"""Punctuation in the subtitle style of the track's language. Chinese ASR writes ASCII ',' and '!' between Han
characters, while Chinese subtitles use full-width ，。！？：； and end no line with a full stop (Netflix's
Simplified Chinese Timed Text Style Guide); the marks and the rule are profile data, per language.

Only a mark touching the language's own (wide) script changes: numbers (3.5, 12:30, 1,000), URLs, e-mail
addresses, ellipses ("...") and Latin phrases ("OK, fine") keep theirs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from localize.model import Word
from localize.subtitles.profiles import Punctuation

# URLs and e-mail addresses end on a letter, digit or path character: a full stop after one is the sentence's.
ADDRESS = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+;=%]*[A-Za-z0-9/#=&%_~\-]"
                     r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
SPACES = " \t\u3000"


def _wide(char: str | None) -> bool:
    """Han, kana, Hangul and full-width punctuation: the script whose marks are full-width."""
    return char is not None and unicodedata.east_asian_width(char) in ("W", "F")


def _converted(text: str, style: Punctuation) -> str:
    """``text`` with each mark of the style that touches wide text made full-width; same length, so offsets
    into it (word boundaries) still hold."""
    table = dict(zip(style.ascii, style.full_width, strict=True))
    if not table or not any(c in table for c in text):
        return text
    addresses = list(ADDRESS.finditer(text))
    kept = {i for match in addresses for i in range(match.start(), match.end())}
    address_ends = {match.end() for match in addresses}
    out = list(text)
    wide_text = any(_wide(c) for c in text)
    after: list[str | None] = [None] * (len(text) + 1)  # after[i]: the first character from i on that is not a space
    for i in range(len(text) - 1, -1, -1):
        after[i] = after[i + 1] if text[i] in SPACES else text[i]
    left, left_at = None, -1  # the last character before i that is not a space (as converted), and where
    for i, char in enumerate(text):
        if char in table and i not in kept:
            right = None if after[i + 1] == "\n" else after[i + 1]
            ends_sentence = right is None and wide_text and left is not None and (
                left.isdigit() or left_at + 1 in address_ends)  # 他今年25. / 网址是www.example.com.
            if ends_sentence or _becomes_full_width(char, left, right):
                out[i] = table[char]
        if char == "\n":
            left, left_at = None, -1
        elif char not in SPACES:
            left, left_at = out[i], i
    return "".join(out)


def _becomes_full_width(mark: str, left: str | None, right: str | None) -> bool:
    if left is not None and right is not None and left.isdigit() and right.isdigit():
        return False  # 3.5, 12:30, 1,000
    if mark == "." and "." in (left, right):
        return False  # an ellipsis typed as dots
    return _wide(left) or _wide(right)


def full_width(text: str, style: Punctuation) -> str:
    """Cue text with its marks in the style; the spaces ASCII typing put beside a converted mark go, since a
    full-width mark carries its own space."""
    converted = _converted(text, style)
    if converted == text:
        return text
    changed = [i for i, (a, b) in enumerate(zip(text, converted, strict=True)) if a != b]
    drop: set[int] = set()
    for i in changed:
        j = i - 1
        while j >= 0 and converted[j] in SPACES:
            drop.add(j)
            j -= 1
        j = i + 1
        while j < len(converted) and converted[j] in SPACES:
            drop.add(j)
            j += 1
    return "".join(c for i, c in enumerate(converted) if i not in drop)


def full_width_words(words: list[Word], style: Punctuation) -> list[Word]:
    """Recognised words with their marks in the style, judged across word boundaries ('好' ',' 'OK')."""
    converted = _converted("".join(w.text for w in words), style)
    result, offset = [], 0
    for word in words:
        text = converted[offset:offset + len(word.text)]
        result.append(word if text == word.text else replace(word, text=text))
        offset += len(word.text)
    return result


def drop_final(text: str, style: Punctuation) -> str:
    """The text without the marks the style never ends a line with, at its very end: the last line's end is
    known before the lines are broken, and a line without its full stop may fit where it did not."""
    return text.rstrip(style.dropped_at_line_end) or text if style.dropped_at_line_end else text


def drop_line_final(text: str, style: Punctuation) -> str:
    """Each line without the marks the style never ends a line with (a line of only such marks stays)."""
    if not style.dropped_at_line_end:
        return text
    return "\n".join(line.rstrip(style.dropped_at_line_end) or line for line in text.split("\n"))
