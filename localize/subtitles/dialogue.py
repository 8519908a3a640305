"""Two speakers in one cue: one line each, opened by the language's dialogue dash, never re-broken across them.

A line breaker that joins a cue's lines and splits them afresh would put the end of one speaker's words and the
start of the other's on the same line, dash and all ("-Are you coming? -In a"), which no style guide allows:
Netflix's say one speaker per line, each line opened by a dash whose spacing is the language's ("-" in English,
"- " in French; ``dialogue_dash`` in the profile data). So a dialogue is found by its dashes and laid out turn by
turn; any other cue goes to the line breaker as before.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from localize.subtitles.linebreak import break_lines
from localize.subtitles.profiles import DASHES, SubtitleProfile


def _opens_turn(line: str) -> bool:
    """A line opened by a dash (not a minus sign: "-5 degrees" continues the line before)."""
    return line[:1] in DASHES and not line[1:2].isdigit()


def turns(text: str) -> list[str]:
    """Each speaker's words when the cue is a dialogue, else []. A turn starts at the first line and at every
    later line opened by a dash, so a turn broken over two lines stays one turn and a second-line-only dash style
    ("Are you coming?\\n-In a minute.") is read too; a dialogue has at least two turns."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    found: list[list[str]] = []
    for index, line in enumerate(lines):
        if index == 0 or _opens_turn(line):
            found.append([])
        found[-1].append(line[1:] if _opens_turn(line) else line)
    spoken = [words for words in map(_one_line, found) if words]
    return spoken if len(spoken) > 1 else []


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _one_line(lines: Sequence[str]) -> str:
    """Lines joined into one: without a space between two wide (CJK) characters, with one elsewhere."""
    text = ""
    for line in (line.strip() for line in lines):
        if line:
            text += ("" if not text or (_wide(text[-1]) and _wide(line[0])) else " ") + line
    return text


def dialogue(speakers: Sequence[str], dash: str) -> str:
    """One line per speaker's words (their own line breaks joined), each opened by ``dash``: the language's
    ``dialogue_dash``."""
    return "\n".join(dash + _one_line(words.split("\n")) for words in speakers)


def lay_out(text: str, profile: SubtitleProfile) -> str:
    """A dialogue one line per speaker in the language's dash style; any other text broken by ``break_lines``.
    A speaker's line too long for the screen stays whole: QC reports it, as splitting it would read as a third
    speaker."""
    spoken = turns(text)
    return dialogue(spoken, profile.language.dialogue_dash) if spoken else break_lines(text, profile)
