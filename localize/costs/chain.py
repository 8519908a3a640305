"""An append-only SHA-256 hash chain in one SQLite table, shared by the ledger and the launch records.

Chain rules:

* each row has an integer ``id`` (1, 2, 3, … with no gaps), its content columns (all TEXT), ``prev_sha256``
  (the previous row's ``entry_sha256``; 64 zeros for row 1) and ``entry_sha256``;
* ``entry_sha256`` is the SHA-256 of the row's canonical JSON: every content column plus ``id`` and
  ``prev_sha256``, keys sorted, UTF-8, no spaces (``json.dumps(sort_keys=True, separators=(",", ":"),
  ensure_ascii=False)``); money is text, so the hash never depends on float formatting;
* appending reads the last row and inserts the next one inside ``BEGIN IMMEDIATE``, which takes SQLite's
  write lock first, so two processes appending at once queue instead of both chaining onto the same row.

``verify`` therefore catches an edited value (hash mismatch), a deleted row (gap in ids or a broken
``prev_sha256``), an inserted row and swapped rows (the id and the previous hash are inside the hash).

A chain alone cannot show that its newest rows were cut off, so each append also updates the table's head
record (``chain_heads``: row count and last ``entry_sha256``) in the same transaction, and ``verify`` compares
the rows with it. Whoever can rewrite the database can rewrite the head too: ``costs verify`` prints the head
hash and the claim pack carries it, so an auditor who kept an earlier head can check that the chain still
extends it. A store made before head records existed has none (``head`` is None, truncation undetectable);
its next append creates one.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass

GENESIS = "0" * 64
HEADS = "chain_heads"


@dataclass(frozen=True)
class BadEntry:
    """The first row that breaks the chain, and why."""

    table: str
    id: int
    reason: str

    def __str__(self) -> str:
        return f"{self.table} entry {self.id}: {self.reason}"


def create(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> None:
    body = ", ".join(f"{c} TEXT" for c in columns)
    db.execute(f"CREATE TABLE IF NOT EXISTS {table} (id INTEGER PRIMARY KEY, {body}, "
               "prev_sha256 TEXT NOT NULL, entry_sha256 TEXT NOT NULL)")


@dataclass(frozen=True)
class Head:
    """What the last append left: how many rows the table had and the newest row's hash."""

    entries: int
    entry_sha256: str


def _create_heads(db: sqlite3.Connection) -> None:
    db.execute(f"CREATE TABLE IF NOT EXISTS {HEADS} (name TEXT PRIMARY KEY, entries INTEGER NOT NULL, "
               "entry_sha256 TEXT NOT NULL)")


def _exists(db: sqlite3.Connection, table: str) -> bool:
    """Reading never creates a table: a read-only store (status, verify, reports) must stay readable."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None


def head(db: sqlite3.Connection, table: str) -> Head | None:
    """The table's head record, or None for a store whose chain predates head records."""
    if not _exists(db, HEADS):
        return None
    found = db.execute(f"SELECT entries, entry_sha256 FROM {HEADS} WHERE name = ?", (table,)).fetchone()
    return Head(found[0], found[1]) if found else None


def entry_hash(content: dict[str, object]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def append(db: sqlite3.Connection, table: str, columns: tuple[str, ...], values: dict[str, str | None]) -> dict:
    """Append one row atomically and return it with its id and hashes. ``db`` must be in autocommit mode
    (``isolation_level=None``, as ``WorkStore.db`` is) so that BEGIN IMMEDIATE is ours to issue; inside a
    transaction the caller opened (the runner's, holding a stage's result too) the row joins that one."""
    create(db, table, columns)
    _create_heads(db)
    if db.in_transaction:
        return _append_row(db, table, columns, values)
    db.execute("BEGIN IMMEDIATE")
    try:
        row = _append_row(db, table, columns, values)
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # SQLite rolls back by itself on a full disk: ROLLBACK would hide why
            db.execute("ROLLBACK")
        raise
    return row


def _append_row(db: sqlite3.Connection, table: str, columns: tuple[str, ...], values: dict[str, str | None]) -> dict:
    last = db.execute(f"SELECT id, entry_sha256 FROM {table} ORDER BY id DESC LIMIT 1").fetchone()
    row: dict[str, object] = {c: values.get(c) for c in columns}
    row["id"] = (last[0] + 1) if last else 1
    row["prev_sha256"] = last[1] if last else GENESIS
    row["entry_sha256"] = entry_hash(row)
    names = ("id", *columns, "prev_sha256", "entry_sha256")
    db.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
               [row[n] for n in names])
    db.execute(f"INSERT OR REPLACE INTO {HEADS} (name, entries, entry_sha256) VALUES (?, ?, ?)",
               (table, row["id"], row["entry_sha256"]))
    return row


def rows(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> list[dict]:
    if not _exists(db, table):
        return []
    names = ("id", *columns, "prev_sha256", "entry_sha256")
    found = db.execute(f"SELECT {', '.join(names)} FROM {table} ORDER BY id").fetchall()
    return [dict(zip(names, r, strict=True)) for r in found]


def verify(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> BadEntry | None:
    """The first row that breaks the chain or disagrees with the head record, or None when all is intact."""
    found = rows(db, table, columns)
    expected_id, expected_prev = 1, GENESIS
    for row in found:
        if row["id"] != expected_id:
            why = "missing (deleted)" if row["id"] > expected_id else "out of order"
            return BadEntry(table, expected_id if row["id"] > expected_id else row["id"],
                            f"{why}: expected id {expected_id}, found {row['id']}")
        if row["prev_sha256"] != expected_prev:
            return BadEntry(table, row["id"], "previous-entry hash does not match (a row before it was deleted, "
                                               "inserted or moved)")
        content = {k: v for k, v in row.items() if k != "entry_sha256"}
        if entry_hash(content) != row["entry_sha256"]:
            return BadEntry(table, row["id"], "content does not match its hash (edited)")
        expected_id, expected_prev = row["id"] + 1, row["entry_sha256"]
    return _check_head(table, head(db, table), found)


def head_summary(db: sqlite3.Connection, table: str, columns: tuple[str, ...]) -> dict[str, object]:
    """The newest entry as an auditor should write it down: count and hash, and whether a head record backs
    them (without one, a cut-off end goes unnoticed until the next append creates the record)."""
    found = rows(db, table, columns)
    return {"entries": len(found), "entry_sha256": found[-1]["entry_sha256"] if found else None,
            "head_recorded": head(db, table) is not None}


def _check_head(table: str, recorded: Head | None, found: list[dict]) -> BadEntry | None:
    """An intact chain that is shorter, longer or ends elsewhere than the last append left it was cut off,
    extended outside ``append`` or had its newest row replaced; no head record means we cannot tell."""
    if recorded is None:
        return None
    count = len(found)
    last = found[-1]["entry_sha256"] if found else GENESIS
    if count < recorded.entries:
        return BadEntry(table, count + 1, f"missing (the newest entries were cut off): the head record says "
                                          f"{recorded.entries} entries, the table holds {count}")
    if count > recorded.entries:
        return BadEntry(table, recorded.entries + 1, f"not in the head record, which ends at entry "
                                                     f"{recorded.entries} (appended outside localize)")
    if last != recorded.entry_sha256:
        return BadEntry(table, count, "does not match the head record's hash (the newest entry was replaced)")
    return None
