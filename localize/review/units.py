"""What a reviewer sees of one sentence, whatever the file format: the unit every exporter writes and every
importer reads back, and the fingerprint tying a review file to the draft it was made from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from localize.translate.qa import LineTerm

STATES = ("initial", "translated", "reviewed", "final")  # XLIFF 2 segment states, in workflow order


@dataclass(frozen=True)
class CueSegment:
    """One source cue of a sentence: XLIFF writes it as a segment, XLSX as the cue column of a row."""

    cue: int  # 1-based cue number in the episode's source track
    start_ms: int
    end_ms: int
    source: str
    target: str


@dataclass(frozen=True)
class ReviewUnit:
    """One sentence of the draft: the translation unit a reviewer approves or edits."""

    id: str  # "s12": stable per sentence of the draft
    segments: tuple[CueSegment, ...]
    state: str = "translated"
    speaker: str = ""
    addressee: str = ""
    terms: tuple[LineTerm, ...] = ()  # glossary and character terms in the source
    match: str = ""  # where the draft came from: "tm 100", "llm", "argos"
    flags: tuple[str, ...] = ()  # QA findings on the draft, as sentences
    max_chars: int = 0  # the most characters that fit the cues' time at the language's reading speed
    before: str = ""  # the previous sentence's source, for context
    after: str = ""
    dub_slot_ms: int | None = None

    @property
    def source(self) -> str:
        return "".join(s.source for s in self.segments)

    @property
    def start_ms(self) -> int:
        return self.segments[0].start_ms

    @property
    def end_ms(self) -> int:
        return self.segments[-1].end_ms


@dataclass(frozen=True)
class Fingerprint:
    """Which job, episode, language and draft a review file was made from: a file edited for another draft is
    refused, so a reviewer's work never lands on lines it was not done for."""

    job: str
    episode: str
    language: str
    draft_sha256: str

    def token(self) -> str:
        return f"{self.job}/{self.episode}/{self.language}/{self.draft_sha256}"

    @classmethod
    def from_token(cls, token: str) -> Fingerprint | None:
        parts = token.rsplit("/", 3)
        if len(parts) != 4 or len(parts[3]) != 64:
            return None
        return cls(*parts)


def draft_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ReviewedUnit:
    """What an imported file says of one unit: the translation and its state, per cue segment."""

    id: str
    targets: tuple[tuple[int, str], ...]  # (cue, target text) in file order
    state: str

    @property
    def target_parts(self) -> list[str]:
        return [text for _, text in self.targets]


@dataclass(frozen=True)
class ReviewFile:
    fingerprint: Fingerprint | None
    source_language: str
    target_language: str
    units: tuple[ReviewedUnit, ...]
