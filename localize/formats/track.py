"""Read any supported file into a Track and write a Track in any supported format."""

from __future__ import annotations

from pathlib import Path

from localize.bulk import collector_paused
from localize.errors import BadInput
from localize.formats import ass, jsontrack, srt, ttml, vtt
from localize.formats.cuelines import format_clock
from localize.formats.decoding import decode_text
from localize.formats.detect import input_format
from localize.formats.overlaps import arrange
from localize.model import Track
from localize.subtitles import profiles
from localize.subtitles.profiles import Screen

PARSERS = {"srt": srt.parse, "vtt": vtt.parse, "ass": ass.parse, "ttml": ttml.parse, "json": jsontrack.parse}


def parse_track(text: str, fmt: str, language: str, source: str = "<text>", overlaps: str = "merge") -> Track:
    """The cues of ``text`` in format ``fmt``; ``language`` "" takes the file's own (TTML xml:lang, JSON)."""
    if fmt not in PARSERS:
        raise BadInput(f"cannot read {source}: unknown subtitle format '{fmt}'; formats are {', '.join(PARSERS)}")
    with collector_paused():
        parsed = PARSERS[fmt](text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), source)
    cues = [cue for cue in parsed.cues if cue.text]
    backwards = next((cue for cue in cues if cue.end_ms < cue.start_ms), None)
    if backwards:
        raise BadInput(f"{source}: the cue at {format_clock(backwards.start_ms, '.')} ends before it starts; "
                       "fix its times")
    if not cues:
        raise BadInput(f"no subtitle cues found in {source}")
    language = language or parsed.language
    dash = profiles.language_rules(language).dialogue_dash  # two speakers in one cue: the language's dash style
    with collector_paused():
        return Track(language, arrange(cues, overlaps, dash))


def read_track(path: Path, language: str, overlaps: str = "merge") -> Track:
    """A subtitle file of any supported format and common encoding; BadInput names the file (and line)."""
    if not path.is_file():
        raise BadInput(f"subtitle file not found: {path}")
    data = path.read_bytes()
    if not data.strip():
        raise BadInput(f"subtitle file is empty: {path}")
    text = decode_text(data, path)
    return parse_track(text, input_format(path, text), language, source=path.name, overlaps=overlaps)


def render_track(track: Track, fmt: str, screen: Screen | None = None, styles: dict[str, str] | None = None) -> str:
    """File text of ``track`` in ``fmt`` (srt, vtt, ass, ttml, json).

    ASS and TTML are always laid out for a screen (the vertical one unless given); WebVTT carries
    placement settings only when a screen is given; ``styles`` maps a speaker to an ASS colour.
    """
    if fmt == "srt":
        return srt.render(track.cues)
    if fmt == "vtt":
        return vtt.render(track.cues, screen)
    if fmt == "ass":
        return ass.render(track.cues, screen or profiles.screen("vertical"), styles or {})
    if fmt == "ttml":
        return ttml.render(track, screen or profiles.screen("vertical"))
    if fmt == "json":
        return jsontrack.render(track)
    raise BadInput(f"cannot write subtitles as '{fmt}': formats are srt, vtt, ass, ttml, json")
