"""Finding glossary terms in source text, with character names binding above everything else.

Chinese has no spaces, so a term written inside a longer word is still a substring of it (万 in 万事有我,
小弟 in 小弟弟). Three rules keep matching safe: word edges (given the source language, a term counts only
where it starts and ends on a word edge of the line, from ``localize.words`` with every term and name known
to the segmenter as a word), longest first (霸道总裁 is one term, not 霸道 + 总裁) and names first: a term
never matches across or inside a character's name (王龙王… holds the name 王龙, not the archetype 龙王; 李总
is a name, not 总).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from localize.glossary.characters import Character
from localize.glossary.terms import Glossary, Target, Term
from localize.words import on_word_edges, word_edges


@dataclass(frozen=True)
class TermMatch:
    start: int
    end: int
    term: Term


def find_terms(text: str, terms: Sequence[Term], protected_names: Iterable[str] = (),
               language: str | None = None) -> list[TermMatch]:
    """Non-overlapping term occurrences in ``text``, in text order (``TermFinder`` does it for many lines)."""
    return TermFinder(terms, protected_names, language).find(text)


class TermFinder:
    """Finds terms line after line: the spelling table, the names and the segmenter's word set are built once,
    since per line they cost more than the matching itself.

    Names (``protected_names`` plus every person_name term) claim their spans first; other terms then
    fill what is left, longest first, leftmost on ties. Where two terms share a spelling, the one earlier
    in ``terms`` wins, so pass them in priority order (``merge_terms`` does). With ``language`` (the
    source's), only occurrences on word edges count; a name claims its span even off the edges, so that no
    term is found inside it. Without it every character boundary counts.
    """

    def __init__(self, terms: Sequence[Term], protected_names: Iterable[str] = (), language: str | None = None):
        self.by_surface: dict[str, Term] = {}
        for term in terms:
            for surface in term.surfaces:
                self.by_surface.setdefault(surface, term)
        names = {n for n in protected_names if n}
        names.update(s for t in terms if t.kind == "person_name" for s in t.surfaces)
        self.names = _by_first_character(names)
        self.surfaces = _by_first_character(self.by_surface)
        self.language = language
        self.words = frozenset(self.by_surface).union(names)  # one set per track: one segmenter, built once

    def find(self, text: str) -> list[TermMatch]:
        edges = word_edges(text, self.language, self.words) if self.language is not None else None
        taken = [False] * len(text)
        matches = []
        for start, end in _claim(text, self.names, taken):
            term = self.by_surface.get(text[start:end])
            if term is not None and (edges is None or on_word_edges(text, start, end, edges)):
                matches.append(TermMatch(start, end, term))
        matches += [TermMatch(start, end, self.by_surface[text[start:end]])
                    for start, end in _claim(text, self.surfaces, taken, edges)]
        return sorted(matches, key=lambda m: m.start)


def _by_first_character(surfaces: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Spellings by their first character: a line is searched only for those that can start in it."""
    index: dict[str, list[str]] = {}
    for surface in surfaces:
        if surface:
            index.setdefault(surface[0], []).append(surface)
    return {first: tuple(found) for first, found in index.items()}


def _claim(text: str, surfaces: dict[str, tuple[str, ...]], taken: list[bool],
           edges: frozenset[int] | None = None) -> list[tuple[int, int]]:
    """Mark free spans where surfaces occur (on ``edges``, when given), longest first then leftmost; return the
    spans claimed."""
    candidates = []
    for first in set(text) & surfaces.keys():
        for surface in surfaces[first]:
            start = text.find(surface)
            while start >= 0:
                if edges is None or on_word_edges(text, start, start + len(surface), edges):
                    candidates.append((start, start + len(surface)))
                start = text.find(surface, start + 1)
    claimed = []
    for start, end in sorted(candidates, key=lambda span: (span[0] - span[1], span[0])):
        if not any(taken[start:end]):
            taken[start:end] = [True] * (end - start)
            claimed.append((start, end))
    return claimed


def protected_names(characters: Iterable[Character]) -> tuple[str, ...]:
    """Every name and alias on the character sheet: no glossary term may match inside one."""
    return tuple(dict.fromkeys(word for c in characters for word in (c.name, *c.aliases) if word))


def character_terms(characters: Iterable[Character], locale: str) -> list[Term]:
    """One person_name term per character, rendered for ``locale`` (es-419 falls back to es).

    Only the name is bound to the rendering. Aliases (妈, 林家大少爷) are how others address the character;
    their English depends on the speaker (Mom, "the heir of the Lin family"), so they are protected from
    glossary matches (``protected_names``) but never forced to read "Mrs. Wang" or "Lin Fan".
    A character with no rendering for the locale still yields a term: it keeps its span free of other terms.
    """
    result = []
    for character in characters:
        renderings = dict(character.renderings)
        rendering = renderings.get(locale) or renderings.get(locale.split("-")[0])
        note = f"Character name: {character.role}" if character.role else "Character name from the character sheet"
        targets = ((locale, Target((rendering,))),) if rendering else ()
        result.append(Term(character.name, "person_name", targets, note, "series"))
    return result


def merge_terms(glossaries: Iterable[Glossary], characters: Iterable[Character], locale: str) -> list[Term]:
    """The terms that bind a translation into ``locale``, highest priority first.

    Character names come first, then series-scope entries, then global ones (a series glossary overrides
    the genre glossary); within a scope, earlier glossaries win. A source already taken is skipped, and
    glossary terms without a rendering for the locale are dropped: they can neither guide nor be checked.
    """
    ordered = list(character_terms(characters, locale))
    glossary_terms = [t for g in glossaries for t in g.terms if t.target(locale) is not None]
    ordered += [t for t in glossary_terms if t.scope == "series"] + [t for t in glossary_terms if t.scope != "series"]
    seen: set[str] = set()
    result = []
    for term in ordered:
        if term.source not in seen:
            seen.add(term.source)
            result.append(term)
    return result
