"""Review units from a draft: each drafted sentence with its source cues, its translation spread over them,
and the hints a reviewer needs (speaker, terms, match, QA flags, the most characters that fit)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from localize.model import Cue
from localize.review.units import CueSegment, ReviewUnit
from localize.subtitles.linebreak import NO_SPACE_LANGUAGES
from localize.subtitles.sentences import join_lines
from localize.subtitles.textwidth import readable_chars
from localize.translate.qa import LineTerm
from localize.words import base_language, word_spans


@dataclass(frozen=True)
class DraftedSentence:
    """What the exporter needs of one sentence of a draft, whatever the draft's own types are."""

    cue_indexes: tuple[int, ...]  # positions (from 0) of its source cues
    target: str
    origin: str  # "tm 100", "llm"…
    flags: tuple[str, ...] = ()
    terms: tuple[LineTerm, ...] = ()
    addressee: str = ""


def spread(target: str, weights: Sequence[int], language: str) -> list[str]:
    """``target`` cut into ``len(weights)`` parts of about the weights' shares, only between words, so each
    source cue's segment shows the part of the translation that renders it (joined again on import)."""
    if len(weights) <= 1:
        return [target]
    edges = [start for start, _ in word_spans(target, language) if start] or [len(target)]  # before a word:
    # the comma after "son-in-law" stays with it
    total, parts, start, taken = sum(weights) or 1, [], 0, 0
    for weight in weights[:-1]:
        taken += weight
        wanted = len(target) * taken / total
        cut = min((e for e in edges if e >= start), key=lambda e: abs(e - wanted), default=len(target))
        parts.append(target[start:cut])
        start = cut
    parts.append(target[start:])
    if base_language(language) not in NO_SPACE_LANGUAGES:
        parts = [part.strip() for part in parts]
    return parts


def review_units(sentences: Sequence[DraftedSentence], source: Sequence[Cue], language: str,
                 max_cps: float) -> list[ReviewUnit]:
    """One unit per sentence, ids s1, s2… in draft order; neighbours' source text as context."""
    texts = ["".join(source[i].text.replace("\n", "") for i in s.cue_indexes) for s in sentences]
    units = []
    for number, sentence in enumerate(sentences):
        cues = [source[i] for i in sentence.cue_indexes]
        parts = spread(sentence.target, [len(c.text) for c in cues], language)
        segments = tuple(CueSegment(i + 1, c.start_ms, c.end_ms, c.text.replace("\n", ""), part)
                         for i, c, part in zip(sentence.cue_indexes, cues, parts, strict=True))
        units.append(ReviewUnit(
            f"s{number + 1}", segments, state="translated", speaker=cues[0].speaker,
            addressee=sentence.addressee, terms=sentence.terms, match=sentence.origin, flags=sentence.flags,
            max_chars=readable_chars(cues[-1].end_ms - cues[0].start_ms, max_cps),
            before=texts[number - 1] if number else "", after=texts[number + 1] if number + 1 < len(texts) else ""))
    return units


def joined_target(parts: Sequence[str], language: str) -> str:
    """A unit's segment targets as one sentence again (what the draft holds), joined as sentences join cues."""
    return join_lines([part.strip() for part in parts if part.strip()], language)


def with_dub_slots(units: Sequence[ReviewUnit], placed: Sequence[dict], target: Sequence[Cue]) -> list[ReviewUnit]:
    """Each unit with the time its dub lines were given (``placed``: the lines of a dub fit, each naming its target
    cues from 1) and, where a line overran its slot, the most characters it may have and a flag saying so."""
    unit_of = {segment.cue - 1: index for index, unit in enumerate(units) for segment in unit.segments}
    slots: dict[int, int] = {}
    limits: dict[int, int] = {}
    for line in placed:
        sources = [source for cue in line["cues"] for source in target[cue - 1].sources]
        if not sources or min(sources) not in unit_of:
            continue
        index = unit_of[min(sources)]
        slots[index] = slots.get(index, 0) + line["end_ms"] - line["start_ms"]
        if "max_chars" in line:
            limits[index] = min(limits.get(index, line["max_chars"]), line["max_chars"])
    out = []
    for index, unit in enumerate(units):
        if index in limits:
            unit = replace(unit, max_chars=min(unit.max_chars or limits[index], limits[index]),
                           flags=(*unit.flags, f"dub overrun: at most {limits[index]} characters fit the dub slot"))
        out.append(replace(unit, dub_slot_ms=slots.get(index)))
    return out
