"""Subtitle files at the edge: decode whatever encoding real files arrive in, read SRT/ASS/VTT into
segments, and write cues as SRT, WebVTT or JSON.

pysubs2 does the parsing and writing; this module owns decoding (BOMs, UTF-16, GB18030 from Chinese
tools) and the conversion to our own Cue/Segment types.
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pysubs2

from localize.errors import BadInput
from localize.model import Cue, Segment, Transcript, cues_to_json

FORMATS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ssa", ".json": "json"}
CJK_LANGUAGES = ("zh", "ja", "ko", "yue", "cmn")


def decode_text(data: bytes, source: Path) -> str:
    """Decode subtitle bytes: BOM first, then BOM-less UTF-16, UTF-8, and GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return data.decode("utf-16-le")
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        return data.decode("utf-16-be")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadInput(f"cannot decode {source}: not UTF-8, UTF-16 or GB18030 text; re-save it as UTF-8")


def read_subtitles(path: Path) -> pysubs2.SSAFile:
    """Parse an SRT/ASS/SSA/VTT file of any common encoding; raise BadInput on anything unusable."""
    if not path.is_file():
        raise BadInput(f"subtitle file not found: {path}")
    data = path.read_bytes()
    if not data.strip():
        raise BadInput(f"subtitle file is empty: {path}")
    text = decode_text(data, path).replace("\r\n", "\n").replace("\r", "\n")
    fmt = FORMATS.get(path.suffix.lower())
    try:
        subs = pysubs2.SSAFile.from_string(text, format_=fmt if fmt in ("srt", "vtt", "ass", "ssa") else None)
    except (pysubs2.exceptions.Pysubs2Error, ValueError, KeyError, IndexError) as exc:
        raise BadInput(f"cannot read {path} as subtitles ({exc}); is it SRT, ASS or WebVTT?") from None
    if not any(not event.is_comment and event.plaintext.strip() for event in subs):
        raise BadInput(f"no subtitle lines found in {path}")
    return subs


def _join_lines(text: str, language: str) -> str:
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    separator = "" if language.split("-")[0] in CJK_LANGUAGES else " "
    return separator.join(lines)


def import_transcript(path: Path, language: str, duration_ms: int) -> Transcript:
    """Existing source subtitles become a transcript without word timings (origin "subtitles")."""
    subs = read_subtitles(path)
    segments = sorted(
        (Segment(start_ms=max(0, e.start), end_ms=max(e.start, e.end), text=_join_lines(e.plaintext, language))
         for e in subs if not e.is_comment and e.plaintext.strip()),
        key=lambda s: (s.start_ms, s.end_ms),
    )
    return Transcript(language=language, origin="subtitles", duration_ms=duration_ms, segments=tuple(segments),
                      engine={"imported_from": path.name})


def render_cues(cues: list[Cue], fmt: str, language: str) -> str:
    """Cues as file text in the given format ("srt", "vtt" or "json")."""
    if fmt == "json":
        return json.dumps(cues_to_json(cues, language), ensure_ascii=False, indent=2) + "\n"
    subs = pysubs2.SSAFile()
    for cue in cues:
        subs.append(pysubs2.SSAEvent(start=cue.start_ms, end=cue.end_ms, text=cue.text.replace("\n", "\\N")))
    return subs.to_string(fmt)


def output_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt not in ("srt", "vtt", "json"):
        raise BadInput(f"cannot write {path.name}: use an .srt, .vtt or .json output name")
    return fmt
