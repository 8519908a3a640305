"""Finding glossary terms in source text, with character names binding above everything else.

Chinese has no spaces, so terms are matched as substrings. Two rules keep that safe:
longest first (霸道总裁 is one term, not 霸道 + 总裁) and names first: a term never matches across or
inside a character's name (王龙王… holds the name 王龙, not the archetype 龙王; 李总 is a name, not 总).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from localize.glossary.characters import Character
from localize.glossary.terms import Glossary, Target, Term


@dataclass(frozen=True)
class TermMatch:
    start: int
    end: int
    term: Term


def find_terms(text: str, terms: Sequence[Term], protected_names: Iterable[str] = ()) -> list[TermMatch]:
    """Non-overlapping term occurrences in ``text``, in text order.

    Names (``protected_names`` plus every person_name term) claim their spans first; other terms then
    fill what is left, longest first, leftmost on ties. Where two terms share a spelling, the one earlier
    in ``terms`` wins, so pass them in priority order (``merge_terms`` does).
    """
    by_surface: dict[str, Term] = {}
    for term in terms:
        for surface in term.surfaces:
            by_surface.setdefault(surface, term)
    names = {n for n in protected_names if n}
    names.update(s for t in terms if t.kind == "person_name" for s in t.surfaces)

    taken = [False] * len(text)
    matches = []
    for start, end in _claim(text, names, taken):
        term = by_surface.get(text[start:end])
        if term is not None:
            matches.append(TermMatch(start, end, term))
    matches += [TermMatch(start, end, by_surface[text[start:end]]) for start, end in _claim(text, by_surface, taken)]
    return sorted(matches, key=lambda m: m.start)


def _claim(text: str, surfaces: Iterable[str], taken: list[bool]) -> list[tuple[int, int]]:
    """Mark free spans where surfaces occur, longest first then leftmost; return the spans claimed."""
    candidates = []
    for surface in surfaces:
        start = text.find(surface)
        while surface and start >= 0:
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
