"""Advanced SubStation Alpha (.ass/.ssa): read through pysubs2; write a script laid out for the screen.

The script's coordinate space is the video frame (PlayResX/PlayResY), so margins taken from the caption
safe box land where the profile says, at any player resolution. Lines are broken by us (WrapStyle 2).
Each speaker gets a style of their own, named after them, so a typesetter can recolour a character.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING

from localize.errors import BadInput
from localize.formats.excerpt import quoted, shortened
from localize.formats.markup import tidy
from localize.model import Cue, Track
from localize.subtitles.profiles import Screen

if TYPE_CHECKING:
    import pysubs2

DRAWING = re.compile(r"\\p[1-9]")  # vector drawings (logos, masks) are not dialogue
COLOUR = re.compile(r"&H([0-9A-Fa-f]{8})&?")


def parse(text: str, source: str) -> Track:
    import pysubs2  # ~30 ms to load: only when an ASS file is read or written

    try:
        with warnings.catch_warnings():  # SSA's "Marked=0" makes pysubs2 warn about the layer, which we never use
            warnings.simplefilter("ignore", RuntimeWarning)
            subs = pysubs2.SSAFile.from_string(text, format_="ass")
    except (pysubs2.exceptions.Pysubs2Error, ValueError, KeyError, IndexError) as exc:
        raise BadInput(f"cannot read {source} as ASS/SSA ({shortened(str(exc))})") from None
    cues = tuple(Cue(event.start, event.end, tidy(event.plaintext), event.name.strip())
                 for event in subs if not event.is_comment and not DRAWING.search(event.text))
    return Track("", cues)


def _colour(speaker: str, value: str) -> pysubs2.Color:
    import pysubs2

    match = COLOUR.fullmatch(value.strip())
    if not match:
        raise BadInput(f"style colour for {quoted(speaker)} is {quoted(value)}; expected &H00BBGGRR, "
                       "e.g. &H0000FFFF for yellow")
    alpha, blue, green, red = (int(match.group(1)[i:i + 2], 16) for i in range(0, 8, 2))
    return pysubs2.Color(red, green, blue, alpha)


def _field(name: str) -> str:
    """ASS separates fields with commas, so a name cannot hold one."""
    return name.replace(",", " ")


def default_style(screen: Screen) -> pysubs2.SSAStyle:
    import pysubs2

    size = screen.font_size_px
    return pysubs2.SSAStyle(
        fontname="Noto Sans", fontsize=size, bold=True,
        primarycolor=pysubs2.Color(255, 255, 255), outlinecolor=pysubs2.Color(0, 0, 0),
        outline=max(2, round(size / 14)), shadow=0, alignment=pysubs2.Alignment.BOTTOM_CENTER,
        marginl=screen.safe_left, marginr=screen.width - screen.safe_right,
        marginv=screen.height - screen.safe_bottom,
    )


def render(cues: tuple[Cue, ...], screen: Screen, styles: dict[str, str]) -> str:
    import pysubs2

    subs = pysubs2.SSAFile()
    subs.info.update({"PlayResX": str(screen.width), "PlayResY": str(screen.height), "WrapStyle": "2",
                      "ScaledBorderAndShadow": "yes"})
    subs.styles = {"Default": default_style(screen)}
    for speaker in dict.fromkeys(c.speaker for c in cues if c.speaker):
        style = default_style(screen)
        if speaker in styles:
            style.primarycolor = _colour(speaker, styles[speaker])
        subs.styles[_field(speaker)] = style
    for cue in cues:
        subs.append(pysubs2.SSAEvent(start=cue.start_ms, end=cue.end_ms, text=cue.text.replace("\n", "\\N"),
                                     style=_field(cue.speaker) or "Default", name=_field(cue.speaker)))
    return subs.to_string("ass")
