"""TTML / IMSC 1.1 text profile (.ttml): what streaming platforms take for delivery.

The writer puts one region on the screen's caption-safe box in percent of the frame, so the document needs
no pixel lengths (and so no tts:extent) and scales to any player size; times are media clock times with
milliseconds, so no ttp:frameRate. The reader accepts every time expression IMSC allows (clock times with
frames, offsets in h/m/s/ms/f/t) and parses with defusedxml, since delivery files come from outside.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from fractions import Fraction
from xml.etree.ElementTree import Element

from localize.errors import BadInput
from localize.formats.cuelines import format_clock
from localize.formats.excerpt import quoted
from localize.formats.markup import tidy
from localize.formats.vtt import percent
from localize.model import Cue, Track
from localize.subtitles.profiles import Screen
from localize.xmlsafe import escape, parse_xml, quoteattr

TT = "http://www.w3.org/ns/ttml"
LEGACY_TT = ("http://www.w3.org/2006/10/ttaf1", "http://www.w3.org/2006/04/ttaf1")  # old DFXP files
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
TTM = f"{TT}#metadata"
IMSC_TEXT = "http://www.w3.org/ns/ttml/profile/imsc1.1/text"

CLOCK_TIME = re.compile(r"(\d{2,}):(\d{2}):(\d{2})(?:\.(\d+)|:(\d{2,})(?:\.(\d+))?)?")
OFFSET_TIME = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|f|t)")
WHITESPACE = re.compile(r"\s+")


class _Clock:
    """The document's time parameters, turning its time expressions into milliseconds."""

    def __init__(self, root: Element, namespace: str, source: str):
        param = f"{{{namespace}#parameter}}"
        self.source = source
        numerator, _, denominator = root.get(f"{param}frameRateMultiplier", "1 1").partition(" ")
        self.frame_rate = Fraction(int(root.get(f"{param}frameRate", "30"))) * Fraction(
            int(numerator), int(denominator or 1))
        self.sub_frame_rate = int(root.get(f"{param}subFrameRate", "1"))
        tick_rate = root.get(f"{param}tickRate")
        has_frame_rate = root.get(f"{param}frameRate") is not None
        self.tick_rate = int(tick_rate) if tick_rate else (
            int(self.frame_rate * self.sub_frame_rate) if has_frame_rate else 1)

    def ms(self, expression: str) -> int:
        text = expression.strip()
        clock = CLOCK_TIME.fullmatch(text)
        offset = OFFSET_TIME.fullmatch(text)
        if clock:
            hours, minutes, seconds, fraction, frames, sub_frames = clock.groups()
            total = Fraction(int(hours) * 3600 + int(minutes) * 60 + int(seconds))
            if fraction:
                total += Fraction(int(fraction), 10 ** len(fraction))
            if frames:
                total += (int(frames) + Fraction(int(sub_frames or 0), self.sub_frame_rate)) / self.frame_rate
        elif offset:
            count, unit = Fraction(offset.group(1)), offset.group(2)
            scale = {"h": Fraction(3600), "m": Fraction(60), "s": Fraction(1), "ms": Fraction(1, 1000),
                     "f": 1 / self.frame_rate, "t": Fraction(1, self.tick_rate)}[unit]
            total = count * scale
        else:
            raise BadInput(f"{self.source}: bad time expression {quoted(expression)}; expected HH:MM:SS.mmm, "
                           "HH:MM:SS:FF or an offset such as 12.5s, 500ms, 25f or 10000t")
        return round(total * 1000)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _timed_paragraphs(element: Element, begin: int, end: int | None, clock: _Clock) -> Iterator[
        tuple[Element, int, int | None]]:
    """Every <p> under ``element`` with its absolute times; a child's times count from its parent's begin."""
    for child in element:
        name = _local(child.tag)
        if name not in ("div", "p"):
            continue
        child_begin = begin + clock.ms(child.get("begin")) if child.get("begin") else begin
        if child.get("end"):
            child_end: int | None = begin + clock.ms(child.get("end"))
        elif child.get("dur"):
            child_end = child_begin + clock.ms(child.get("dur"))
        else:
            child_end = end
        if name == "p":
            yield child, child_begin, child_end
        else:
            yield from _timed_paragraphs(child, child_begin, child_end, clock)


def _text(element: Element) -> str:
    """Text of a <p> or <span>: <br/> is a line break, other whitespace collapses (xml:space default)."""
    parts = [WHITESPACE.sub(" ", element.text or "")]
    for child in element:
        name = _local(child.tag)
        if name == "br":
            parts.append("\n")
        elif name == "span":
            parts.append(_text(child))
        parts.append(WHITESPACE.sub(" ", child.tail or ""))
    return "".join(parts)


def _agents(root: Element) -> dict[str, str]:
    """ttm:agent id → the character's name, for <p ttm:agent="...">."""
    names = {}
    for agent in root.iter(f"{{{TTM}}}agent"):
        name = agent.find(f"{{{TTM}}}name")
        names[agent.get(XML_ID, "")] = (name.text or "").strip() if name is not None else agent.get(XML_ID, "")
    return names


def parse(text: str, source: str) -> Track:
    root = parse_xml(text, source)
    namespace = root.tag[1:].partition("}")[0]
    if _local(root.tag) != "tt" or namespace not in (TT, *LEGACY_TT):
        raise BadInput(f"{source}: the root element is <{_local(root.tag)}>, not a TTML <tt> in {TT}")
    try:
        clock = _Clock(root, namespace, source)
    except (ValueError, ZeroDivisionError):
        raise BadInput(f"{source}: bad ttp:frameRate, frameRateMultiplier, subFrameRate or tickRate on <tt>; "
                       "they are whole numbers (the multiplier two of them)") from None
    body = root.find(f"{{{namespace}}}body")
    if body is None:
        return Track(root.get(XML_LANG, ""), ())
    agents = _agents(root)
    body_begin = clock.ms(body.get("begin")) if body.get("begin") else 0
    body_end = clock.ms(body.get("end")) if body.get("end") else None
    cues = []
    for paragraph, begin, end in _timed_paragraphs(body, body_begin, body_end, clock):
        content = tidy(_text(paragraph))
        if end is None:
            raise BadInput(f"{source}: the paragraph {quoted(content, 30)} at {format_clock(begin, '.')} has no end "
                           "or dur; give it one")
        agent = (paragraph.get(f"{{{TTM}}}agent") or "").split()
        cues.append(Cue(begin, end, content, agents.get(agent[0], agent[0]) if agent else ""))
    return Track(root.get(XML_LANG, ""), tuple(cues))


def _rh(pixels: int, screen: Screen) -> str:
    """A length in rh (percent of the frame height): IMSC 1.1 lengths that need no tts:extent."""
    return percent(pixels, screen.height, 3).replace("%", "rh")


def render(track: Track, screen: Screen) -> str:
    speakers = {speaker: f"speaker{n}" for n, speaker in
                enumerate(dict.fromkeys(c.speaker for c in track.cues if c.speaker), 1)}
    origin = f"{percent(screen.safe_left, screen.width, 3)} {percent(screen.safe_top, screen.height, 3)}"
    extent = (f"{percent(screen.safe_width, screen.width, 3)} "
              f"{percent(screen.safe_bottom - screen.safe_top, screen.height, 3)}")
    outline = max(2, round(screen.font_size_px / 14))
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<tt xmlns="{TT}" xmlns:tts="{TT}#styling" xmlns:ttp="{TT}#parameter" xmlns:ttm="{TTM}" '
        f'xml:lang={quoteattr(track.language)} ttp:timeBase="media" ttp:contentProfiles="{IMSC_TEXT}">',
        "  <head>",
    ]
    if speakers:
        out.append("    <metadata>")
        out.extend(f'      <ttm:agent xml:id="{agent}" type="character"><ttm:name type="full">{escape(speaker)}'
                   "</ttm:name></ttm:agent>" for speaker, agent in speakers.items())
        out.append("    </metadata>")
    out += [
        "    <styling>",
        f'      <style xml:id="caption" tts:fontFamily="\'Noto Sans\', proportionalSansSerif" '
        f'tts:fontSize="{_rh(screen.font_size_px, screen)}" tts:fontWeight="bold" tts:color="white" '
        f'tts:textAlign="center" tts:textOutline="black {_rh(outline, screen)}"/>',
        "    </styling>",
        "    <layout>",
        f'      <region xml:id="safe" tts:origin="{origin}" tts:extent="{extent}" tts:displayAlign="after"/>',
        "    </layout>",
        "  </head>",
        '  <body style="caption">',
        "    <div>",
    ]
    for cue in track.cues:
        agent = f' ttm:agent="{speakers[cue.speaker]}"' if cue.speaker else ""
        lines = "<br/>".join(escape(line) for line in cue.text.split("\n"))
        out.append(f'      <p begin="{format_clock(cue.start_ms, ".")}" end="{format_clock(cue.end_ms, ".")}" '
                   f'region="safe"{agent}>{lines}</p>')
    out += ["    </div>", "  </body>", "</tt>", ""]
    return "\n".join(out)
