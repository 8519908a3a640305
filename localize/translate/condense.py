"""Condensation: a translated line still too long to read in its time after fit, shortened by the llm engine.

Style guides ask subtitlers to reduce, delete and condense when reading speed demands it, not to drop meaning;
a model asked for fewer characters sometimes drops exactly what must stay: a name, a glossary rendering, a
number. So each line goes with what it must keep (the glossary terms in its source, its speaker, the most
characters its cues can show at the language's reading speed), and each answer is checked before it replaces
the line: no terminology or number finding the long line did not have, every number the long line stated still
stated, and within its characters. A refused answer leaves the line as it was; QC then reports the line's
characters beside its reading speed, so a reviewer knows how much to cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from localize.glossary import Glossary, TermFinder, merge_terms, protected_names
from localize.glossary.characters import Character
from localize.numbers import amounts_match, target_amounts
from localize.subtitles.profiles import LanguageRules
from localize.subtitles.qc import Violation
from localize.subtitles.textwidth import readable_chars, reading_length
from localize.translate.draft import Draft, DraftLine
from localize.translate.llm import CondenseItem
from localize.translate.qa import LineTerm, check_line, terms_found

# What a shorter rendering may not add to its line's findings: a required term gone, a forbidden one in, an amount
# of the source gone, source text left. (Warnings, such as a preferred rendering dropped for reading speed, may.)
REFUSED_RULES = ("term_missing", "term_forbidden", "number_mismatch", "untranslated")


class Condenser(Protocol):
    """What condensation needs from an engine (``LlmEngine``): shorter renderings by item id, any left out that
    it could not give."""

    def condense(self, items: list[CondenseItem], target: str) -> dict[str, str]: ...


@dataclass(frozen=True)
class Budget:
    """A draft line's room on screen: the characters its cues can show at the reading speed in their time."""

    max_chars: int
    shown_ms: int


@dataclass(frozen=True)
class Condensed:
    """One line sent to be shortened: what it said, what it says now, and why an answer was refused."""

    line: int  # position in the draft
    before: str
    after: str  # the same as ``before`` when refused
    refused: str = ""

    def to_json(self) -> dict[str, object]:
        return {"line": self.line + 1, "before": self.before, "after": self.after, "refused": self.refused}


def budgets(line_of_cue: Sequence[int], durations_ms: Sequence[int], rules: LanguageRules) -> dict[int, Budget]:
    """Each draft line's budget from the cues fit made of it (``line_of_cue[i]``: the line cue i shows)."""
    shown: dict[int, int] = {}
    for line, duration in zip(line_of_cue, durations_ms, strict=True):
        shown[line] = shown.get(line, 0) + duration
    return {line: Budget(readable_chars(ms, rules.max_cps), ms) for line, ms in shown.items()}


def worth_sending(draft: Draft, over: Iterable[int], budget: dict[int, Budget], rules: LanguageRules
                  ) -> dict[int, Budget]:
    """The lines to shorten, from those with a cue over the reading speed: translated (an untranslated line needs
    a translator, not an editor) and longer than their budget, with room for something."""
    return {index: budget[index] for index in sorted(over)
            if draft.lines[index].origin != "untranslated"  # DraftLine.origin of a line no engine translated
            and 0 < budget[index].max_chars < reading_length(draft.lines[index].target, rules)}


def speaker_label(speaker: str, characters: tuple[Character, ...], language: str) -> str:
    """Who says a line as the model should hear it: the sheet's rendering and gender ("Lin Fan, male"), else the
    label the cue carries."""
    person = next((c for c in characters if c.name == speaker), None)
    if person is None:
        return speaker
    renderings = dict(person.renderings)
    name = renderings.get(language) or renderings.get(language.split("-")[0]) or person.name
    return name if person.gender == "unknown" else f"{name}, {person.gender}"


def refusal(answer: str, line: DraftLine, terms: Sequence[LineTerm], language: str, budget: Budget,
            rules: LanguageRules) -> str:
    """Why ``answer`` may not replace ``line`` ("" when it may)."""
    reasons = []
    length = reading_length(answer, rules)
    if length > budget.max_chars:
        reasons.append(f"{length:g} characters, over {budget.max_chars}")
    before = {(f.rule, f.detail) for f in check_line(line.source, line.target, language, list(terms))}
    reasons += [f.detail for f in check_line(line.source, answer, language, list(terms))
                if f.rule in REFUSED_RULES and (f.rule, f.detail) not in before]
    kept = target_amounts(answer, language)
    reported = amounts_match(line.source, answer, language)  # amounts of the source: number_mismatch said so above
    reasons += [f"the number {value:,} is gone" for value in target_amounts(line.target, language)
                if value not in kept and value not in reported]
    return "; ".join(reasons)


def condense(draft: Draft, long: dict[int, Budget], engine: Condenser, rules: LanguageRules, *,
             source_language: str, speakers: Sequence[str], glossaries: list[Glossary],
             characters: tuple[Character, ...]) -> tuple[Draft, list[Condensed]]:
    """The draft with every accepted shorter rendering in place of its line, and what became of each line sent.
    ``long``: the lines over the reading speed with their budgets; ``speakers``: who says each draft line."""
    language = draft.language
    finder = TermFinder(merge_terms(glossaries, characters, language), protected_names(characters), source_language)
    found = {index: tuple(terms_found(draft.lines[index].source, finder, language)) for index in long}
    items = [CondenseItem(str(index), draft.lines[index].target, draft.lines[index].source, budget.max_chars,
                          speaker_label(speakers[index], characters, language),
                          tuple((t.source, t.approved[0], t.note) for t in found[index]))
             for index, budget in long.items()]
    answers = engine.condense(items, language) if items else {}
    lines, outcomes = list(draft.lines), []
    for index, budget in long.items():
        line = draft.lines[index]
        answer = " ".join(answers.get(str(index), "").split())
        why = refusal(answer, line, found[index], language, budget, rules) if answer else "no usable answer"
        if why:
            outcomes.append(Condensed(index, line.target, line.target, why))
            continue
        lines[index] = replace(line, target=answer,
                               findings=check_line(line.source, answer, language, list(found[index])))
        outcomes.append(Condensed(index, line.target, answer))
    return replace(draft, lines=lines), outcomes


def with_budgets(violations: list[Violation], line_of_cue: Sequence[int], budget: dict[int, Budget],
                 draft: Draft, refused: dict[int, str], rules: LanguageRules) -> list[Violation]:
    """Reading-speed findings that say how long their line is and how long it may be (and why a shorter
    rendering was refused), so a reviewer knows how much to cut."""
    flagged = []
    for violation in violations:
        if violation.rule != "reading_speed":
            flagged.append(violation)
            continue
        line = line_of_cue[violation.cue - 1]
        room = budget[line]
        measured = f"{violation.measured}; the line has {reading_length(draft.lines[line].target, rules):g} characters"
        if refused.get(line):
            measured += f"; a shorter one was refused: {refused[line]}"
        flagged.append(replace(violation, measured=measured, limit=f"{violation.limit}; the line ≤ {room.max_chars} "
                                                                   f"characters in its {room.shown_ms / 1000:.1f} s"))
    return flagged
