"""Existing source subtitles as a transcript, in place of ASR."""

from __future__ import annotations

from pathlib import Path

from localize.formats.track import read_track
from localize.model import Segment, Transcript

CJK_LANGUAGES = ("zh", "ja", "ko", "yue", "cmn")


def _join_lines(text: str, language: str) -> str:
    separator = "" if language.split("-")[0] in CJK_LANGUAGES else " "
    return separator.join(text.split("\n"))


def import_transcript(path: Path, language: str, duration_ms: int) -> Transcript:
    """Subtitles become segments without word timings (origin "subtitles").

    Overlapping cues stay separate segments: they are separate utterances, and the segmenter re-times them.
    """
    track = read_track(path, language, overlaps="stack")
    segments = tuple(Segment(start_ms=c.start_ms, end_ms=c.end_ms, text=_join_lines(c.text, language))
                     for c in track.cues)
    return Transcript(language=language, origin="subtitles", duration_ms=duration_ms, segments=segments,
                      engine={"imported_from": path.name})
