"""WebVTT (.vtt): our own reader (header, NOTE/STYLE/REGION blocks, identifiers, settings, <v Speaker>)
and a writer that places every cue in the screen's caption-safe box with cue settings."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from localize.errors import BadInput
from localize.formats.cuelines import format_clock, split_cues
from localize.formats.excerpt import quoted
from localize.formats.markup import plain_text
from localize.model import Cue, Track
from localize.subtitles.profiles import Screen

EXPECTED = "HH:MM:SS.mmm --> HH:MM:SS.mmm"
SKIPPED_BLOCKS = ("NOTE", "STYLE", "REGION")
LANGUAGE_HEADER = re.compile(r"Language:\s*(\S+)", re.IGNORECASE)


def _without_blocks(lines: list[str]) -> list[str]:
    """The lines with the header and NOTE/STYLE/REGION blocks blanked, so line numbers still hold."""
    out = list(lines)
    inside = True  # the header block runs to the first blank line
    for i, line in enumerate(lines):
        if not line.strip() or "-->" in line:  # a timing line ends a block that lacks its blank line
            inside = False
        if not line.strip():
            continue
        if i > 0 and not lines[i - 1].strip() and line.split()[0] in SKIPPED_BLOCKS:
            inside = True
        if inside:
            out[i] = ""
    return out


def _language(lines: list[str]) -> str:
    """The legacy ``Language:`` header some tools still write."""
    for line in lines[1:]:
        if not line.strip():
            return ""
        match = LANGUAGE_HEADER.match(line)
        if match:
            return match.group(1)
    return ""


def parse(text: str, source: str) -> Track:
    lines = text.split("\n")
    first = lines[0]
    if not first.startswith("WEBVTT") or first[6:7] not in ("", " ", "\t"):
        raise BadInput(f"{source} line 1: a WebVTT file must start with 'WEBVTT', found {quoted(first, 40)}; "
                       "is it SRT named .vtt?")
    cue_lines = _without_blocks(lines)
    preamble, raw_cues = split_cues(cue_lines, source, EXPECTED,
                                    lambda all_lines, i: i == 0 or not all_lines[i - 1].strip())
    stray = next((j for j in preamble if cue_lines[j].strip()), None)
    if stray is not None:
        raise BadInput(f"{source} line {stray + 1}: expected a cue timing line ({EXPECTED}) or a NOTE, STYLE or "
                       f"REGION block, found {quoted(cue_lines[stray].strip())}")
    cues = []
    for raw in raw_cues:
        text_, speaker = plain_text(raw.lines)
        cues.append(Cue(raw.start_ms, raw.end_ms, text_, speaker))
    return Track(_language(lines), tuple(cues))


def percent(part: float, whole: int, places: int) -> str:
    """``part`` of ``whole`` in percent, rounded half up (78.125 → 78.13), without trailing zeros."""
    value = (Decimal(part) * 100 / whole).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    return f"{value:f}".rstrip("0").rstrip(".") + "%"


def placement(screen: Screen) -> str:
    """Cue settings that put the cue's bottom on the safe box's bottom, centred in the box, as wide as it."""
    centre = (screen.safe_left + screen.safe_right) / 2
    return (f"line:{percent(screen.safe_bottom, screen.height, 2)},end "
            f"position:{percent(centre, screen.width, 2)} align:center "
            f"size:{percent(screen.safe_width, screen.width, 2)}")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render(cues: tuple[Cue, ...], screen: Screen | None) -> str:
    settings = f" {placement(screen)}" if screen else ""
    blocks = ["WEBVTT\n"]
    for cue in cues:
        voice = f"<v {_escape(cue.speaker)}>" if cue.speaker else ""
        blocks.append(f"{format_clock(cue.start_ms, '.')} --> {format_clock(cue.end_ms, '.')}{settings}\n"
                      f"{voice}{_escape(cue.text)}\n")
    return "\n".join(blocks)
