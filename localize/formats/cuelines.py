"""What SRT and WebVTT share: clock timestamps and cutting the file's lines into cues.

Real files miss cue numbers, drop or double blank lines and mix separators, so a cue is found by its
timing line ("-->"), not by blank lines; its text runs to the next cue's timing line less that cue's
identifier. Every error names the file and the 1-based line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from localize.errors import BadInput
from localize.formats.excerpt import quoted, shortened

# Hours optional (WebVTT allows it, some SRT writers do it); ',' or '.' before the milliseconds.
CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2})[,.](\d{1,3})")
# Two times with something other than "-->" between them: a timing line with a mistyped arrow.
MISTYPED_TIMING = re.compile(rf"\s*{CLOCK.pattern}\s*[^\w\s]{{1,3}}\s*{CLOCK.pattern}(\s|$)")
# The timing line nearly every file writes, read with one match; anything else takes the forgiving path.
PLAIN_TIMING = re.compile(r"(\d\d):([0-5]\d):([0-5]\d)[,.](\d{3}) --> (\d\d):([0-5]\d):([0-5]\d)[,.](\d{3})(?:\s|$)")


class RawCue(NamedTuple):
    """A cue as found in the file: times parsed, text lines still with their markup (a tuple: a long file
    has a hundred thousand of them)."""

    start_ms: int
    end_ms: int
    lines: list[str]


def parse_clock(token: str) -> int | None:
    """Milliseconds of ``[HH:]MM:SS,mmm`` (or ``.mmm``); None when the token is not one."""
    if len(token) == 12 and token[2] == token[5] == ":" and token[8] in ",." and token.isascii():
        fields = token[:2], token[3:5], token[6:8], token[9:]  # what nearly every file writes: no regex needed
        if "".join(fields).isdigit():
            hours, minutes, seconds, millis = map(int, fields)
            return None if minutes >= 60 or seconds >= 60 else ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis
    match = CLOCK.fullmatch(token)
    if not match:
        return None
    hours, minutes, seconds, fraction = match.groups()
    if int(minutes) >= 60 or int(seconds) >= 60:
        return None
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(fraction.ljust(3, "0"))


def format_clock(ms: int, separator: str) -> str:
    """``HH:MM:SS<separator>mmm``: SRT uses ',', WebVTT and TTML '.'."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _timing(line: str, line_no: int, source: str, expected: str) -> tuple[int, int]:
    """Start and end of a timing line; what follows the end (cue settings, SRT coordinates) is layout we redo."""
    plain = PLAIN_TIMING.match(line)
    if plain:
        h1, m1, s1, f1, h2, m2, s2, f2 = map(int, plain.groups())
        start = ((h1 * 60 + m1) * 60 + s1) * 1000 + f1
        end = ((h2 * 60 + m2) * 60 + s2) * 1000 + f2
        if start <= end:
            return start, end
    left, _, right = line.partition("-->")
    end_token = (right.split(maxsplit=1) or [""])[0]
    times = []
    for token in (left.strip(), end_token):
        ms = parse_clock(token)
        if ms is None:
            raise BadInput(f"{source} line {line_no}: bad timestamp {quoted(token)}; expected {expected}")
        times.append(ms)
    start, end = times
    if end < start:
        raise BadInput(f"{source} line {line_no}: the cue ends ({shortened(end_token)}) before it starts "
                       f"({shortened(left.strip())}); "
                       "fix its times")
    return start, end


def split_cues(lines: list[str], source: str, expected: str,
               is_identifier: Callable[[list[str], int], bool]) -> tuple[list[int], list[RawCue]]:
    """The line indexes before the first cue, and the cues.

    ``is_identifier(lines, i)`` says whether line ``i``, the last non-blank line before a timing line,
    names that cue (an SRT number, a WebVTT identifier) rather than ending the previous cue's text.
    """
    timings = [i for i, line in enumerate(lines) if "-->" in line]
    mistyped = next((i for i, line in enumerate(lines)
                     if ":" in line and "-->" not in line and MISTYPED_TIMING.match(line)), None)
    if mistyped is not None:
        raise BadInput(f"{source} line {mistyped + 1}: {quoted(lines[mistyped].strip())} looks like a timing line but "
                       f"lacks '-->'; expected {expected}")
    identifiers: dict[int, int] = {}  # timing line -> its identifier line, which belongs to that cue
    for i in timings:
        before = i - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        if before >= 0 and "-->" not in lines[before] and is_identifier(lines, before):
            identifiers[i] = before
    cues = []
    for i, stop in zip(timings, [*timings[1:], len(lines)], strict=False):  # no timings: no cues
        start, end = _timing(lines[i], i + 1, source, expected)
        cues.append(RawCue(start, end, lines[i + 1:identifiers.get(stop, stop)]))
    first = timings[0] if timings else len(lines)
    preamble = list(range(identifiers.get(first, first)))
    return preamble, cues
