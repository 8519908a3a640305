"""Existing source subtitles as a transcript, in place of ASR."""

from __future__ import annotations

from pathlib import Path

from localize.formats.track import read_track
from localize.model import Cue, Segment, Transcript
from localize.subtitles.dialogue import turns

CJK_LANGUAGES = ("zh", "ja", "ko", "yue", "cmn")


def _join_lines(text: str, language: str) -> str:
    separator = "" if language.split("-")[0] in CJK_LANGUAGES else " "
    return separator.join(text.split("\n"))


def _utterances(cue: Cue, language: str) -> list[Segment]:
    """A cue as segments: one, or one per speaker when it is a dialogue ("-你好！\n-谁？"), the cue's time shared
    by their length, so two speakers' words never become one line or one sentence."""
    spoken = turns(cue.text)
    if not spoken:
        return [Segment(start_ms=cue.start_ms, end_ms=cue.end_ms, text=_join_lines(cue.text, language))]
    total, done, segments = sum(len(words) for words in spoken), 0, []
    for words in spoken:
        start = cue.start_ms + (cue.end_ms - cue.start_ms) * done // total
        done += len(words)
        segments.append(Segment(start_ms=start, end_ms=cue.start_ms + (cue.end_ms - cue.start_ms) * done // total,
                                text=words))
    return segments


def import_transcript(path: Path, language: str, duration_ms: int) -> Transcript:
    """Subtitles become segments without word timings (origin "subtitles").

    Overlapping cues stay separate segments: they are separate utterances, and the segmenter re-times them.
    """
    track = read_track(path, language, overlaps="stack")
    segments = tuple(segment for cue in track.cues for segment in _utterances(cue, language))
    return Transcript(language=language, origin="subtitles", duration_ms=duration_ms, segments=segments,
                      engine={"imported_from": path.name})
