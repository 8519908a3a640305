"""SubRip (.srt): our own forgiving reader, so a broken file is reported by line, and a plain writer."""

from __future__ import annotations

import re

from localize.errors import BadInput
from localize.formats.cuelines import format_clock, split_cues
from localize.formats.excerpt import quoted, shortened
from localize.formats.markup import plain_text
from localize.model import Cue, Track

EXPECTED = "HH:MM:SS,mmm --> HH:MM:SS,mmm"
# SRT has no escaping, but readers (ours, ffmpeg, players) take HTML tags and entities: text that would be
# read as one is written as an entity, and nothing else is touched.
LOOKS_LIKE_TAG = re.compile(r"<(?=[A-Za-z/\d])")
LOOKS_LIKE_ENTITY = re.compile(r"&(?=#?\w+;)")


def _is_number(line: str) -> bool:
    return line.strip().isdigit()


def _check_numbers(lines: list[str], source: str) -> None:
    """A cue number on its own line after a blank line and followed by text means that cue lost its timing
    line. One pass over the file: identifiers are followed by their timing line (or a blank), never by text."""
    numbers = (j for j, line in enumerate(lines)  # a bare number first (C speed), a padded one only if needed
               if line.isdigit() or (line[:1].isspace() or line[-1:].isspace()) and line.strip().isdigit())
    for j in numbers:
        line = lines[j]
        if (j == 0 or not lines[j - 1].strip()) and j + 1 < len(lines):
            following = lines[j + 1]
            if following.strip() and "-->" not in following:
                raise BadInput(f"{source} line {j + 2}: expected a timing line ({EXPECTED}) after cue number "
                               f"{shortened(line.strip())}, found {quoted(following.strip())}")


def parse(text: str, source: str) -> Track:
    """Cues of an SRT file; cue numbers may be missing or wrong, '.' may stand for ','."""
    lines = text.split("\n")
    preamble, raw_cues = split_cues(lines, source, EXPECTED, lambda all_lines, i: _is_number(all_lines[i]))
    _check_numbers(lines, source)
    stray = next((j for j in preamble if lines[j].strip()), None)
    if stray is not None:
        raise BadInput(f"{source} line {stray + 1}: expected a cue number or a timing line ({EXPECTED}), "
                       f"found {quoted(lines[stray].strip())}")
    cues = []
    for raw in raw_cues:
        text_, speaker = plain_text(raw.lines)
        cues.append(Cue(raw.start_ms, raw.end_ms, text_, speaker))
    return Track("", tuple(cues))


def _escape(text: str) -> str:
    return LOOKS_LIKE_TAG.sub("&lt;", LOOKS_LIKE_ENTITY.sub("&amp;", text))


def render(cues: tuple[Cue, ...]) -> str:
    return "\n".join(f"{n}\n{format_clock(cue.start_ms, ',')} --> {format_clock(cue.end_ms, ',')}\n"
                     f"{_escape(cue.text)}\n" for n, cue in enumerate(cues, 1))
