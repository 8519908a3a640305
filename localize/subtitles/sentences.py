"""Cue fragments → whole sentences for translation, and back.

Engines translate sentences far better than the fragments subtitles cut them into (a clause split across two
cues loses its grammar), but a translation must come back inside the time of the cues it came from: never
merged into a neighbour's, shifted or dropped. So a sentence remembers its cues' span, and its translation is
re-segmented over exactly that span with the target language's rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol, TypeVar

from localize.model import Cue
from localize.subtitles.linebreak import CLAUSE_MARKS, NO_SPACE_LANGUAGES, SENTENCE_END
from localize.subtitles.profiles import SubtitleProfile
from localize.subtitles.segment import resegment
from localize.subtitles.timing import TimedCue


class _Span(Protocol):
    @property
    def start_ms(self) -> int: ...


Timed = TypeVar("Timed", bound=_Span)

MAX_JOIN_GAP_MS = 1500  # a longer silence ends the sentence even without punctuation
CLAUSE_GAP_MS = 500  # text without spaces: half a second of blank screen ends it even after a comma
MAX_SENTENCE_MS = 15_000  # an unpunctuated monologue is still sent in pieces of reasonable size


@dataclass(frozen=True)
class Sentence:
    cue_indexes: tuple[int, ...]  # positions of the source cues it was made from
    text: str
    start_ms: int
    end_ms: int


def join_lines(parts: list[str], language: str) -> str:
    separator = "" if language.split("-")[0] in NO_SPACE_LANGUAGES else " "
    return separator.join(p.replace("\n", separator) for p in parts).strip()


def _ends_sentence(previous: Cue, cue: Cue, first: Cue, unspaced: bool) -> bool:
    """Whether a sentence ends between ``previous`` and ``cue`` (``first`` opened it).

    Punctuation decides where there is some. Text written without spaces often has none at a sentence end
    (Whisper leaves Chinese sentence ends unmarked; Chinese subtitle files drop line-final marks), while a
    clause that goes on keeps its comma: there a cue ending with no mark ends the sentence — segmentation cut
    it where the speaker stopped, or at the best word edge of a run too long for one cue. Whisper also writes
    Chinese commas where a sentence ends (！ and ？ in the samples' scripts), so there a visible pause after
    a comma ends the sentence too, and its translation never runs across the blank screen."""
    text = previous.text.rstrip(" \"'”’」』）)")
    gap = cue.start_ms - previous.end_ms
    return (text[-1:] in SENTENCE_END or (unspaced and (text[-1:] not in CLAUSE_MARKS or gap >= CLAUSE_GAP_MS))
            or gap > MAX_JOIN_GAP_MS or cue.speaker != previous.speaker
            or cue.end_ms - first.start_ms > MAX_SENTENCE_MS)


def sentences_from_cues(cues: list[Cue], language: str) -> list[Sentence]:
    """Join consecutive cues until a sentence ends (punctuation, or none in a language written without spaces),
    a long pause or the speaker changes."""
    unspaced = language.split("-")[0] in NO_SPACE_LANGUAGES
    sentences: list[Sentence] = []
    group: list[int] = []

    def close() -> None:
        if group:
            first, last = cues[group[0]], cues[group[-1]]
            sentences.append(Sentence(tuple(group), join_lines([cues[i].text for i in group], language),
                                      first.start_ms, last.end_ms))
            group.clear()

    for index, cue in enumerate(cues):
        if group and _ends_sentence(cues[group[-1]], cue, cues[group[0]], unspaced):
            close()
        group.append(index)
    close()
    return sentences


def cues_from_translations(sentences: list[Sentence], translations: list[str], profile: SubtitleProfile,
                           shots_ms: tuple[int, ...] = (), media_end_ms: int | None = None) -> list[TimedCue]:
    """Each sentence's translation laid over its own cues' span, timed and broken for the target language."""
    if len(translations) != len(sentences):
        raise ValueError(f"{len(translations)} translations for {len(sentences)} sentences")
    spans = [(s.start_ms, s.end_ms, t) for s, t in zip(sentences, translations, strict=True)]
    return resegment(spans, profile, shots_ms, media_end_ms)


def owner(spans: Sequence[Timed], speech_start_ms: int) -> Timed | None:
    """The span a translated cue came from: the last one starting at or before the cue's first speech (cues
    are laid inside their sentence's span, so that is their sentence; the first span for speech before all)."""
    return max((s for s in spans if s.start_ms <= speech_start_ms), key=lambda s: s.start_ms,
               default=spans[0] if spans else None)


def attribute(cues: list[Cue], speech_starts: list[int], sentences: list[Sentence], source: list[Cue]) -> list[Cue]:
    """Each translated cue labelled with the source cues of its sentence and their speaker (a sentence never
    spans two speakers)."""
    labelled = []
    for cue, speech_start in zip(cues, speech_starts, strict=True):
        sentence = owner(sentences, speech_start)
        labelled.append(replace(cue, speaker=source[sentence.cue_indexes[0]].speaker, sources=sentence.cue_indexes)
                        if sentence else cue)
    return labelled
