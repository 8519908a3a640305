"""Draft translation of one episode into one language: sentences → translation memory → glossary-guarded
machine translation → terminology QA.

The TM answers first (approved translations of earlier episodes, imported TMX); the first machine engine in
the job's list translates what the TM could not. Every machine translation is cached per sentence, keyed by
exactly what the engine was given (the sentence, its neighbours, the terms and names present in it), so
editing one glossary entry re-translates only the sentences that contain that term.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from localize.glossary import Glossary, TermFinder, merge_terms, protected_names
from localize.glossary.characters import Character, addressee
from localize.numbers import find_amounts, render_money
from localize.subtitles.qc import Violation
from localize.subtitles.sentences import Sentence, owner
from localize.translate.leverage import count_units, leverage
from localize.translate.qa import Finding, LineTerm, check_line, terms_found
from localize.translate.tm import TMMatch, TranslationMemory

CACHE_SCHEMA = """CREATE TABLE IF NOT EXISTS mt_cache (
    request_sha256 TEXT PRIMARY KEY, engine TEXT NOT NULL, target TEXT NOT NULL, lost TEXT NOT NULL)"""


@dataclass(frozen=True)
class MtRequest:
    text: str
    terms: tuple[LineTerm, ...]
    characters: tuple[tuple[str, ...], ...]  # (name, rendering, gender, addresses) of characters named in the line
    before: str = ""
    after: str = ""
    speaker: str = ""  # who says the line, when the speakers stage knows
    addressee: str = ""  # who it is said to, when the character sheet's forms of address tell


@dataclass(frozen=True)
class MtResult:
    text: str
    lost_terms: tuple[str, ...] = ()


class MtEngine(Protocol):
    """What the draft needs from a machine engine: a name that identifies its model, a batch call, and the
    tokens it has been billed for so far (0 for a local model)."""

    identity: str

    @property
    def tokens(self) -> int: ...

    def translate(self, requests: Sequence[MtRequest]) -> list[MtResult]: ...


@dataclass
class DraftLine:
    source: str
    target: str
    origin: str  # "tm 97", "tm 101", "argos", "llm", or "untranslated"
    start_ms: int
    end_ms: int
    findings: list[Finding] = field(default_factory=list)


@dataclass
class Draft:
    language: str
    lines: list[DraftLine]
    leverage: dict[str, dict[str, int]]
    engine_calls: int = 0  # sentences sent to a machine engine (cache misses)
    engine_units: int = 0  # their size in source units (characters for Chinese, words otherwise): what MT costs
    cached: int = 0

    def to_json(self) -> dict[str, Any]:
        """What was drafted, without how this run got it (engine calls, cache hits): the same inputs give the same
        file whether the engine or its cache answered, so what follows re-runs only when the wording changed."""
        return {"language": self.language, "lines": [asdict(line) for line in self.lines], "leverage": self.leverage}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Draft:
        lines = [DraftLine(**{**line, "findings": [Finding(**f) for f in line["findings"]]}) for line in data["lines"]]
        return cls(data["language"], lines, data["leverage"])


def line_terms(text: str, finder: TermFinder, language: str, currency: str) -> tuple[LineTerm, ...]:
    """The glossary and character terms in a source line (on word edges), and its amounts rendered for the market."""
    found = terms_found(text, finder, language)
    for amount in find_amounts(text):
        found.append(LineTerm(amount.text, (render_money(amount.value, language, currency),), (),
                              "an amount in 万/亿: say it the way viewers count", checked=False))
    return tuple(found)


def sentence_terms(texts: Sequence[str], glossaries: list[Glossary], characters: tuple[Character, ...],
                   source_language: str, language: str, currency: str) -> list[tuple[LineTerm, ...]]:
    """The terms of each sentence, found with one finder for the episode: what the engine is told, what QA
    checks, and what a reviewer sees beside the line."""
    finder = TermFinder(merge_terms(glossaries, characters, language), protected_names(characters), source_language)
    return [line_terms(text, finder, language, currency) for text in texts]


def _characters_in(text: str, characters: tuple[Character, ...], language: str,
                   speaking: tuple[str, ...] = ()) -> tuple[tuple[str, ...], ...]:
    """(name, rendering, gender, how they address others) of the characters a line names, and of ``speaking``
    (its speaker and addressee: their genders decide the pronouns and forms of address)."""
    present = []
    for person in characters:
        if person.name in speaking or person.name in text or any(alias in text for alias in person.aliases):
            renderings = dict(person.renderings)
            rendering = renderings.get(language) or renderings.get(language.split("-")[0]) or person.name
            addresses = "; ".join(f"calls {other} {form}" for other, form in person.addresses)
            present.append((person.name, rendering, person.gender, addresses))
    return tuple(present)


class MtCache:
    """Per-sentence machine translations in the work store, keyed by everything the engine was given."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.db.execute(CACHE_SCHEMA)

    @staticmethod
    def key(engine: MtEngine, source_language: str, language: str, request: MtRequest) -> str:
        given = asdict(request)
        for term in given["terms"]:
            del term["required"]  # how strictly QA checks a term is not what the engine is given: no paid re-calls
        for unknown in [key for key in ("speaker", "addressee") if not given[key]]:
            del given[unknown]  # a job without speakers keeps the keys (and cached answers) it always had
        payload = json.dumps([engine.identity, source_language, language, given], ensure_ascii=False,
                             sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def get(self, key: str) -> MtResult | None:
        row = self.db.execute("SELECT target, lost FROM mt_cache WHERE request_sha256=?", (key,)).fetchone()
        return MtResult(row[0], tuple(json.loads(row[1]))) if row else None

    def put(self, key: str, engine: MtEngine, result: MtResult) -> None:
        self.db.execute("INSERT OR REPLACE INTO mt_cache VALUES (?, ?, ?, ?)",
                        (key, engine.identity, result.text, json.dumps(list(result.lost_terms))))


def _clauses(text: str) -> list[str]:
    """A sentence cut after each punctuation mark: the pieces a memory built from other cue cuts may hold."""
    return [piece for piece in re.split(r"(?<=[，,。！？!?；;：:…])", text) if piece.strip()]


def _tm_answer(memory: TranslationMemory, request: MtRequest, language: str,
               threshold: int) -> tuple[tuple[str, str] | None, list[tuple[str, TMMatch | None]]]:
    """The memory's (translation, origin) of a sentence (None: no good match) and the (text, match) pairs
    that count as leverage. When the sentence as a whole doesn't match — the memory was built from lines cut
    differently — runs of its clauses are matched instead, choosing the split that covers most characters
    at the best scores; every clause must be covered by a match at or above the threshold."""
    found = memory.lookup(request.text, language, request.before, request.after)
    if found is not None and found.score >= threshold:
        return (found.target, f"tm {found.score}"), [(request.text, found)]
    clauses = _clauses(request.text)
    if len(clauses) > 1:
        best: list[tuple[int, list[tuple[str, TMMatch]]] | None] = [(0, [])] + [None] * len(clauses)
        for end in range(1, len(clauses) + 1):
            for start in range(end):
                if best[start] is None:
                    continue
                piece = "".join(clauses[start:end])
                match = memory.lookup(piece, language)
                if match is not None and match.score >= threshold:
                    value = best[start][0] + match.score * len(piece)
                    if best[end] is None or value > best[end][0]:
                        best[end] = (value, best[start][1] + [(piece, match)])
        if best[-1] is not None:
            pairs = best[-1][1]
            target = " ".join(m.target for _, m in pairs)
            return (target, f"tm {min(m.score for _, m in pairs)}"), list(pairs)
    return None, [(request.text, found)]


def draft_translation(sentences: list[Sentence], source_language: str, language: str, *,
                      glossaries: list[Glossary], characters: tuple[Character, ...], memory: TranslationMemory | None,
                      tm_threshold: int, engine: MtEngine | None, cache: MtCache | None, currency: str = "yuan",
                      speakers: Sequence[str] = ()) -> Draft:
    """``speakers``: who says each sentence ("" unknown; empty without the speakers stage)."""
    texts = [s.text for s in sentences]
    terms = sentence_terms(texts, glossaries, characters, source_language, language, currency)
    said_by = list(speakers) or [""] * len(texts)
    said_to = [addressee(speaker, text, characters) for speaker, text in zip(said_by, texts, strict=True)]
    requests = [MtRequest(text, terms[i],
                          _characters_in(text, characters, language, tuple(filter(None, (said_by[i], said_to[i])))),
                          texts[i - 1] if i else "", texts[i + 1] if i + 1 < len(texts) else "", said_by[i],
                          said_to[i])
                for i, text in enumerate(texts)]
    results: dict[int, tuple[str, str, tuple[str, ...]]] = {}
    leverage_pairs: list[tuple[str, TMMatch | None]] = []
    for index, request in enumerate(requests):
        if memory is None:  # the job's engines for this language leave the memory out
            leverage_pairs.append((request.text, None))
            continue
        answer, pairs = _tm_answer(memory, request, language, tm_threshold)
        leverage_pairs += pairs
        if answer is not None:
            results[index] = (*answer, ())
    calls = cached = units = 0
    if engine is not None:
        missing: dict[int, str] = {}
        for index, request in enumerate(requests):
            if index in results:
                continue
            key = MtCache.key(engine, source_language, language, request)
            hit = cache.get(key) if cache else None
            if hit is None:
                missing[index] = key
            else:
                cached += 1
                results[index] = (hit.text, engine.identity.split(":")[0], hit.lost_terms)
        if missing:
            answers = engine.translate([requests[i] for i in missing])
            calls = len(missing)
            units = sum(count_units(requests[i].text, source_language) for i in missing)
            for (index, key), answer in zip(missing.items(), answers, strict=True):
                if cache:
                    cache.put(key, engine, answer)
                results[index] = (answer.text, engine.identity.split(":")[0], answer.lost_terms)
    lines = []
    for index, (sentence, request) in enumerate(zip(sentences, requests, strict=True)):
        target, origin, lost = results.get(index, (sentence.text, "untranslated", ()))
        findings = check_line(sentence.text, target, language, list(request.terms), lost)
        lines.append(DraftLine(sentence.text, target, origin, sentence.start_ms, sentence.end_ms, findings))
    return Draft(language, lines, leverage(leverage_pairs, source_language), calls, units, cached)


def qa_violations(draft: Draft, cue_speech_starts: list[int]) -> list[Violation]:
    """Each line's QA findings, reported on every cue its translation became."""
    violations = []
    for number, speech_start in enumerate(cue_speech_starts, 1):
        line = owner(draft.lines, speech_start)
        for finding in line.findings if line else ():
            violations.append(Violation(number, finding.rule, finding.detail, "none"))
    return violations
