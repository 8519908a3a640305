"""A first, simple split of a transcript into source cues: at sentence ends, pauses and 7 seconds.

The professional timing rules (reading speed, line breaking, shot changes) build on this later; this
split only guarantees one sentence or breath per cue, no cue over the maximum duration, no overlaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from localize.model import Cue, Segment, Transcript, Word

SENTENCE_END = "。！？!?…"
CLAUSE_END = "，,、；;：:"


@dataclass(frozen=True)
class SplitRules:
    max_duration_ms: int = 7000
    pause_ms: int = 500  # a silence this long between words is a breath: start a new cue
    max_chars: int = 32  # two lines of 16 for Chinese; clause punctuation splits a cue that grows past it


def rules_for(language: str) -> SplitRules:
    cjk = language.split("-")[0] in ("zh", "ja", "ko", "yue", "cmn")
    return SplitRules() if cjk else SplitRules(max_chars=84)


def _visible_length(text: str) -> int:
    return len(re.sub(r"\s+", "", text))


def _ends_with(text: str, marks: str) -> bool:
    stripped = text.rstrip(" \"'”’」』）)")
    return bool(stripped) and stripped[-1] in marks


def _cue_from_words(words: list[Word]) -> Cue:
    return Cue(start_ms=words[0].start_ms, end_ms=words[-1].end_ms, text="".join(w.text for w in words).strip())


def split_words(words: tuple[Word, ...], rules: SplitRules) -> list[Cue]:
    """Group one segment's words into cues."""
    cues: list[Cue] = []
    current: list[Word] = []
    for word in words:
        if current:
            too_long = word.end_ms - current[0].start_ms > rules.max_duration_ms
            paused = word.start_ms - current[-1].end_ms >= rules.pause_ms
            sentence_done = _ends_with(current[-1].text, SENTENCE_END)
            crowded = (_visible_length("".join(w.text for w in current)) >= rules.max_chars // 2
                       and _ends_with(current[-1].text, CLAUSE_END))
            full = _visible_length("".join(w.text for w in current + [word])) > rules.max_chars
            if too_long or paused or sentence_done or crowded or full:
                cues.append(_cue_from_words(current))
                current = []
        current.append(word)
    if current:
        cues.append(_cue_from_words(current))
    return [c for c in cues if c.text]


def split_text(segment: Segment, rules: SplitRules) -> list[Cue]:
    """A segment without word timings (imported subtitles): split at punctuation, time by characters."""
    if segment.end_ms - segment.start_ms <= rules.max_duration_ms:
        return [Cue(segment.start_ms, segment.end_ms, segment.text)]
    pieces = [p for p in re.split(f"(?<=[{re.escape(SENTENCE_END + CLAUSE_END)}])", segment.text) if p.strip()]
    total_chars = sum(len(p) for p in pieces) or 1
    per_char = (segment.end_ms - segment.start_ms) / total_chars
    timed: list[Word] = []
    position, chars_done = segment.start_ms, 0
    for piece in pieces:
        if len(piece) * per_char > rules.max_duration_ms:  # one long clause: cut it into even parts
            parts = -(-round(len(piece) * per_char) // rules.max_duration_ms)
            size = -(-len(piece) // parts)
            subpieces = [piece[i:i + size] for i in range(0, len(piece), size)]
        else:
            subpieces = [piece]
        for sub in subpieces:
            chars_done += len(sub)
            end = segment.start_ms + round(chars_done * per_char)  # from the start, so rounding never drifts
            timed.append(Word(position, end, sub))
            position = end
    return split_words(tuple(timed), rules)


def source_cues(transcript: Transcript) -> list[Cue]:
    """All cues of an episode, in time order, never overlapping."""
    rules = rules_for(transcript.language)
    cues: list[Cue] = []
    for segment in transcript.segments:
        cues.extend(split_words(segment.words, rules) if segment.words else split_text(segment, rules))
    cues.sort(key=lambda c: (c.start_ms, c.end_ms))
    for i in range(len(cues) - 1):
        if cues[i].end_ms > cues[i + 1].start_ms:
            cues[i] = Cue(cues[i].start_ms, max(cues[i].start_ms, cues[i + 1].start_ms), cues[i].text)
    return [c for c in cues if c.end_ms > c.start_ms]
