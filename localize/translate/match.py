"""The translation memory's matching rules as pure functions: normalization, language keys, scores, bands.

They sit apart from storage because invoices and subsidy claims depend on them: a reader (or a test) must be
able to check every number by hand. The rules:

* **Normalize**: NFKC (full-width ``！`` becomes ``!``), strip surrounding whitespace, collapse internal runs of
  whitespace to one space. Two sources that normalize alike are the same sentence.
* **101** (context match): the same normalized source and the same neighbouring source segments, where both
  neighbours are given and non-empty on the query and on the unit.
* **100**: the same normalized source.
* **99**: the sources differ only in punctuation and whitespace. Never 100: a match that differs must not be
  taken as exact, and it still outranks any character edit a Levenshtein score of 99 could hide.
* **Fuzzy**: ``floor(100 × (1 − d / max(len(a), len(b))))`` on the normalized strings, with ``d`` the
  character-level Levenshtein distance (Chinese has no spaces, so characters are the unit). Since ``d ≥ 1``
  whenever the strings differ, a fuzzy score is at most 99 on its own.
* **Bands** (memoQ's): 101, 100, 95-99, 85-94, 75-84, 50-74; below 50 is no match.
"""

from __future__ import annotations

import unicodedata

from localize.asr.metrics import edit_distance

CONTEXT_MATCH = 101
EXACT_MATCH = 100
PUNCTUATION_ONLY = 99
MINIMUM_SCORE = 50
BANDS = ("101", "100", "95-99", "85-94", "75-84", "50-74")
_BAND_FLOORS = ((101, "101"), (100, "100"), (95, "95-99"), (85, "85-94"), (75, "75-84"), (50, "50-74"))
_TRADITIONAL_MARKS = frozenset({"Hant", "TW", "HK", "MO", "CHT"})


def normalize(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def bare(normalized: str) -> str:
    """What is left without punctuation and whitespace: equal bare forms differ only in those."""
    return "".join(ch for ch in normalized if unicodedata.category(ch)[0] not in "PZ")


def score(query: str, candidate: str) -> int:
    """0–100 for two normalized sources (see the module docstring); context (101) is decided by the caller."""
    if query == candidate:
        return EXACT_MATCH
    query_bare = bare(query)
    if query_bare and query_bare == bare(candidate):
        return PUNCTUATION_ONLY
    longest = max(len(query), len(candidate))
    return 100 * (longest - edit_distance(query, candidate)) // longest


def context_matches(before: str, after: str, unit_before: str, unit_after: str) -> bool:
    """Both neighbours known and identical once normalized: what lifts an exact match to 101."""
    query = normalize(before), normalize(after)
    return all(query) and query == (normalize(unit_before), normalize(unit_after))


def band(value: int) -> str | None:
    """The band a score falls in, or None below 50."""
    return next((name for floor, name in _BAND_FLOORS if value >= floor), None)


def language_tag(tag: str) -> str:
    """A tag from a TMX file or a job in one canonical spelling, so files from any tool compare equal.

    Case is fixed (``EN-us`` → ``en-US``) and Chinese is reduced to its script, since the script, not the
    region, decides which translation fits: zh-CN, zh-SG, zh-CHS, zh → zh-Hans; zh-TW, zh-HK, zh-MO, zh-CHT → zh-Hant.
    """
    parts = [p for p in tag.strip().replace("_", "-").split("-") if p]
    if not parts:
        return ""
    language = parts[0].lower()
    rest = [p.title() if len(p) == 4 else p.upper() for p in parts[1:]]
    if language == "zh":
        traditional = any(p in _TRADITIONAL_MARKS or p == "Hant" for p in rest) and "Hans" not in rest
        return "zh-Hant" if traditional else "zh-Hans"
    return "-".join([language, *rest])


def language_key(tag: str) -> str:
    """What lookups match languages on: the Chinese script, otherwise the bare language (region fallback:
    an ``en-GB`` unit serves an ``en`` or ``en-US`` job; the exact tag only breaks ties)."""
    canonical = language_tag(tag)
    return canonical if canonical.startswith("zh-") else canonical.split("-")[0]
