"""The translation memory: units in SQLite, exact and fuzzy lookups scored by the rules in ``match``.

A memory lives in any SQLite database: in memory, holding exactly a job's TMX files for one run (what a draft can
match is an input, so content hashes decide what re-runs), or a file of its own (``TranslationMemory.open``) for
the ``localize tm`` commands.

Lookups must stay in milliseconds for 50,000 units:

* exact (100/101) and punctuation-only (99) matches come from indexed 64-bit hashes of the normalized source
  and of its bare form (no punctuation, no whitespace);
* fuzzy candidates come from an in-memory index per target language, built on the first fuzzy lookup and
  rebuilt when any connection changes the table. It posts every unit under its length and its character
  occurrences (the second 哈 of 哈哈 is a token of its own, so shared tokens count the multiset overlap ``c``).
  Every edit leaves at most one character of the longer string unmatched, so ``d ≥ max(n, L) − c`` and
  ``d ≥ |n − L|``: a unit of length ``L`` can score at most ``100·c // max(n, L)``, which is what filters
  (only lengths ``n/2 … 2n`` can reach 50) and orders candidates before the exact Levenshtein score is computed,
  and the search stops when no remaining bound can reach the best score found. It never misses a better match.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from localize.errors import BadInput
from localize.translate import match

SCHEMA = """
CREATE TABLE IF NOT EXISTS tm_units (
    id INTEGER PRIMARY KEY,
    unit_key INTEGER NOT NULL UNIQUE,  -- hash of what makes a unit distinct, so a re-import adds nothing
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    source_lang TEXT NOT NULL,
    target_lang TEXT NOT NULL,         -- canonical tag (match.language_tag)
    target_key TEXT NOT NULL,          -- what lookups match on (match.language_key): zh-Hans, zh-Hant, en…
    context_before TEXT NOT NULL,      -- the neighbouring source segments
    context_after TEXT NOT NULL,
    origin TEXT NOT NULL,
    approved INTEGER NOT NULL,
    created TEXT NOT NULL,             -- ISO 8601 UTC, e.g. 2025-01-31T12:00:00Z
    norm TEXT NOT NULL,                -- normalized source: what is compared
    norm_hash INTEGER NOT NULL,
    bare_hash INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tm_units_exact ON tm_units (target_key, norm_hash);
CREATE INDEX IF NOT EXISTS tm_units_bare ON tm_units (target_key, bare_hash);
"""
_UNIT_COLUMNS = "source, target, source_lang, target_lang, context_before, context_after, origin, approved, created"
_RANK_COLUMNS = f"id, norm, {_UNIT_COLUMNS}"


@dataclass(frozen=True)
class TranslationUnit:
    """One source segment and its translation; ``created`` empty means "stamp it when added"."""

    source: str
    target: str
    source_lang: str
    target_lang: str
    context_before: str = ""
    context_after: str = ""
    origin: str = ""
    approved: bool = False
    created: str = ""


@dataclass(frozen=True)
class TMMatch:
    score: int
    band: str
    unit: TranslationUnit

    @property
    def target(self) -> str:
        return self.unit.target


def _utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _hash(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One explicit write transaction: the work store's connection autocommits, and 50,000 single-row
    commits would take minutes."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class _FuzzyIndex:
    """The normalized sources of one target language, posted by (length, character, occurrence)."""

    def __init__(self, rows: Iterable[tuple[int, str]]):
        self.ids: list[int] = []
        self.norms: list[str] = []
        self.by_length: dict[int, dict[tuple[str, int], list[int]]] = {}
        for unit_id, norm in rows:
            position = len(self.ids)
            self.ids.append(unit_id)
            self.norms.append(norm)
            postings = self.by_length.setdefault(len(norm), {})
            for token in _tokens(norm):
                postings.setdefault(token, []).append(position)

    def best(self, query: str, floor: int) -> tuple[int, list[int]]:
        """The best fuzzy score ≥ ``floor`` and the ids of the units reaching it, or ``(floor - 1, [])``.

        Lengths are visited nearest first, since near lengths hold the best matches; once a score is found, a
        length whose difference alone (``d ≥ |n − L|``) keeps it below that score is skipped, and within a
        length only units sharing enough characters (``100·c // max(n, L) ≥ best``) are scored, most shared first.
        """
        n = len(query)
        tokens = _tokens(query)
        best, winners = floor - 1, []
        for length in sorted(range((n + 1) // 2, 2 * n + 1), key=lambda length: abs(length - n)):
            longest = max(n, length)
            threshold = max(best, floor)
            postings = self.by_length.get(length)
            if not postings or 100 * (longest - abs(length - n)) // longest < threshold:
                continue
            overlap: Counter[int] = Counter()
            for token in tokens:
                overlap.update(postings.get(token, ()))
            need = -(-threshold * longest // 100)
            for shared, position in sorted(((c, p) for p, c in overlap.items() if c >= need), reverse=True):
                if 100 * shared // longest < max(best, floor):
                    break
                value = match.score(query, self.norms[position])
                if value > best:
                    best, winners = value, [self.ids[position]]
                elif value == best:
                    winners.append(self.ids[position])
        return best, winners


def _tokens(text: str) -> list[tuple[str, int]]:
    """Each character with its occurrence number, so a set intersection counts a multiset overlap."""
    seen: Counter[str] = Counter()
    tokens = []
    for ch in text:
        tokens.append((ch, seen[ch]))
        seen[ch] += 1
    return tokens


class TranslationMemory:
    """Translation units in the ``tm_units`` table of an SQLite database, with lookups by match score."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.db.executescript(SCHEMA)
        self._indexes: dict[str, _FuzzyIndex] = {}
        self._data_version = self._current_version()

    @classmethod
    def in_memory(cls, units: Iterable[TranslationUnit] = ()) -> TranslationMemory:
        """A memory that lives in this process only, holding ``units``: a draft matches exactly its inputs."""
        memory = cls(sqlite3.connect(":memory:", isolation_level=None))
        memory.add(units)
        return memory

    @classmethod
    def open(cls, path: Path, *, create: bool = False) -> TranslationMemory:
        """A memory in a file of its own; BadInput if it is missing (unless ``create``) or not SQLite."""
        if path.is_dir():
            raise BadInput(f"--tm {path} is a folder; give the path of an SQLite file")
        if not path.is_file():
            if not create:
                raise BadInput(f"no translation memory at {path}: "
                               f"create one with 'localize tm import FILE.tmx --tm {path}'")
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = sqlite3.connect(path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            return cls(db)
        except sqlite3.DatabaseError as exc:
            raise BadInput(f"cannot use {path} as a translation memory: {exc}") from None

    def close(self) -> None:
        self.db.close()

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM tm_units").fetchone()[0]

    # --- writing --------------------------------------------------------------------------------
    def add(self, units: Iterable[TranslationUnit]) -> int:
        """Store units; returns how many were new. A unit already there (same languages, normalized source,
        target and context) keeps its row, becomes approved if either copy is, and takes the later date."""
        now = _utc_now()
        with _transaction(self.db):
            before = len(self)
            self.db.executemany(
                f"INSERT INTO tm_units (unit_key, {_UNIT_COLUMNS}, target_key, norm, norm_hash, bare_hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (unit_key) DO UPDATE SET "
                "approved = max(approved, excluded.approved), created = max(created, excluded.created)",
                (self._row(unit, now) for unit in units),
            )
            added = len(self) - before
        self._indexes.clear()
        return added

    @staticmethod
    def _row(unit: TranslationUnit, now: str) -> tuple:
        norm = match.normalize(unit.source)
        source_lang, target_lang = match.language_tag(unit.source_lang), match.language_tag(unit.target_lang)
        before, after = match.normalize(unit.context_before), match.normalize(unit.context_after)
        key = _hash(source_lang, target_lang, norm, unit.target, before, after)
        return (key, unit.source, unit.target, source_lang, target_lang, unit.context_before, unit.context_after,
                unit.origin,
                int(unit.approved), unit.created or now, match.language_key(target_lang), norm, _hash(norm),
                _hash(match.bare(norm)))

    def add_approved(self, sources: Sequence[str], targets: Sequence[str], source_lang: str, target_lang: str,
                     origin: str) -> int:
        """Store an approved episode (its segments in order), each with its neighbours as context, so the
        same line in the same place of a later episode is a 101 % match (ValueError if the counts differ)."""
        return self.add(
            TranslationUnit(source, target, source_lang, target_lang, before, after, origin, approved=True)
            for source, target, (before, after) in zip(sources, targets, _neighbours(sources), strict=True)
        )

    # --- reading --------------------------------------------------------------------------------
    def units(self, target_lang: str | None = None) -> list[TranslationUnit]:
        """Every unit (or those for one target language), in a stable order for export."""
        query, args = f"SELECT {_UNIT_COLUMNS} FROM tm_units", ()
        if target_lang:
            query, args = f"{query} WHERE target_key = ?", (match.language_key(target_lang),)
        return [_unit(row) for row in sorted(self.db.execute(query, args))]

    def lookup(self, source: str, target_lang: str, context_before: str = "",
               context_after: str = "") -> TMMatch | None:
        """The best match for a source segment, or None below 50 (scores and bands: ``localize.translate.match``).

        Units match the target language by ``match.language_key`` (zh-CN ≡ zh-Hans; en-GB serves en). Among
        candidates the higher score wins, then an approved unit, then one with exactly the requested tag, then
        the most recent (then the latest added), so the same memory always gives the same answer.
        """
        query = match.normalize(source)
        if not query:
            return None
        tag, key = match.language_tag(target_lang), match.language_key(target_lang)
        exact = [r for r in self._rows("target_key = ? AND norm_hash = ?", (key, _hash(query))) if r[1] == query]
        if exact:
            return _best([(match.CONTEXT_MATCH if match.context_matches(context_before, context_after, r[6], r[7])
                           else match.EXACT_MATCH, r) for r in exact], tag)
        scored = [(match.PUNCTUATION_ONLY, r) for r in self._punctuation_only(query, key)]
        best, ids = self._fuzzy_index(key).best(query, match.PUNCTUATION_ONLY if scored else match.MINIMUM_SCORE)
        if ids:
            scored += [(best, r) for r in self._rows(f"id IN ({','.join('?' * len(ids))})", tuple(ids))]
        return _best(scored, tag) if scored else None

    def match_segments(self, sources: Sequence[str], target_lang: str) -> list[TMMatch | None]:
        """Look up an episode's segments in order, each with its neighbours as context."""
        return [self.lookup(source, target_lang, before, after)
                for source, (before, after) in zip(sources, _neighbours(sources), strict=True)]

    def _punctuation_only(self, query: str, key: str) -> list[tuple]:
        """Units whose source differs from the query only in punctuation and whitespace (the exact ones are
        already ruled out). Looked up by hash: Levenshtein bounds would miss ``好！！！`` for ``好``."""
        query_bare = match.bare(query)
        if not query_bare:
            return []
        rows = self._rows("target_key = ? AND bare_hash = ?", (key, _hash(query_bare)))
        return [r for r in rows if match.bare(r[1]) == query_bare]

    def _rows(self, where: str, args: tuple) -> list[tuple]:
        return self.db.execute(f"SELECT {_RANK_COLUMNS} FROM tm_units WHERE {where}", args).fetchall()

    def _current_version(self) -> int:
        return self.db.execute("PRAGMA data_version").fetchone()[0]

    def _fuzzy_index(self, key: str) -> _FuzzyIndex:
        """The index for one target language; all are dropped when another connection changed the database."""
        version = self._current_version()
        if version != self._data_version:
            self._indexes.clear()
            self._data_version = version
        if key not in self._indexes:
            rows = self.db.execute("SELECT id, norm FROM tm_units WHERE target_key = ? ORDER BY id", (key,))
            self._indexes[key] = _FuzzyIndex(rows)
        return self._indexes[key]


def _neighbours(sources: Sequence[str]) -> list[tuple[str, str]]:
    padded = ["", *sources, ""]
    return [(padded[i], padded[i + 2]) for i in range(len(sources))]


def _unit(row: Sequence) -> TranslationUnit:
    source, target, source_lang, target_lang, before, after, origin, approved, created = row
    return TranslationUnit(source, target, source_lang, target_lang, before, after, origin, bool(approved), created)


def _best(scored: list[tuple[int, tuple]], tag: str) -> TMMatch:
    """The winner by score, approval, exact language tag, date, then row id (rows: ``_RANK_COLUMNS``)."""
    value, row = max(scored, key=lambda s: (s[0], s[1][9], s[1][5] == tag, s[1][10], s[1][0]))
    return TMMatch(value, match.band(value) or "", _unit(row[2:]))
