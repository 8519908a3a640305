"""The shared vocabulary that crosses module boundaries: words, segments, transcripts and cues.

Times are integer milliseconds everywhere inside the pipeline; formats convert at the edges.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Word:
    start_ms: int
    end_ms: int
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class Segment:
    """One stretch of speech as the recogniser (or a source subtitle) delivered it."""

    start_ms: int
    end_ms: int
    text: str
    words: tuple[Word, ...] = ()
    avg_logprob: float = 0.0
    no_speech_prob: float = 0.0
    compression_ratio: float = 1.0


@dataclass(frozen=True)
class Transcript:
    """Source-language text of one episode with its timing, from ASR or imported subtitles."""

    language: str
    origin: str  # "asr" or "subtitles"
    duration_ms: int
    segments: tuple[Segment, ...]
    engine: dict[str, Any] = field(default_factory=dict)
    dropped: tuple[dict[str, Any], ...] = ()  # segments removed as hallucinations, kept for review

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Transcript:
        segments = tuple(
            Segment(**{**s, "words": tuple(Word(**w) for w in s["words"])}) for s in data["segments"]
        )
        return cls(
            language=data["language"],
            origin=data["origin"],
            duration_ms=data["duration_ms"],
            segments=segments,
            engine=data.get("engine", {}),
            dropped=tuple(data.get("dropped", ())),
        )


@dataclass(frozen=True)
class Cue:
    """One subtitle: what is shown, from when to when. Lines are separated by "\n"."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str = ""  # the character speaking, when known (ASS gives each character a style)
    sources: tuple[int, ...] = ()  # a translated cue: the positions (from 0) of the source cues it renders

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class Track:
    """All cues of one episode in one language, in time order."""

    language: str  # BCP-47
    cues: tuple[Cue, ...]


def cues_to_json(cues: list[Cue], language: str) -> dict[str, Any]:
    return {"language": language, "cues": [asdict(c) for c in cues]}


def cues_from_json(data: dict[str, Any]) -> list[Cue]:
    return [Cue(**{**c, "sources": tuple(c.get("sources", ()))}) for c in data["cues"]]
