"""The work directory: readable artifact layout, atomic writes, the SQLite run state and the run lock.

Layout::

    <work>/state.sqlite            stage results with their usage, the cost ledger, the file-hash memo
    <work>/cache.sqlite            engine response caches (MT, LLM), keyed by the whole request: never an input
    <work>/run.lock                held with flock while a run is going on; says who holds it
    <work>/<episode>/<stage>/…     artifacts, each written to a temp name and renamed into place

A crash at any moment leaves either the old artifact or the new one under a final name, never half a file.
Files are created 0666 less the umask, as any other program's: what we deliver goes to whoever uploads it.
A store that cannot be written (a read-only mount, another user's folder) is opened read-only: what only reads
it (status, export, costs verify and report) works, and ``lock`` refuses a run there in one line.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import socket
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localize.errors import BadInput, WorkDirBusy

SCHEMA = """
CREATE TABLE IF NOT EXISTS stage_results (
    episode TEXT NOT NULL,
    stage TEXT NOT NULL,
    cache_key TEXT NOT NULL,
    outputs TEXT NOT NULL,          -- JSON: artifact name -> {"path": relative path, "sha256": ...}
    seconds REAL NOT NULL,
    finished_at TEXT NOT NULL,
    usage TEXT NOT NULL DEFAULT '{}', -- JSON: what the run consumed (costs.usage.Usage), priced in the ledger
    PRIMARY KEY (episode, stage)
);
CREATE TABLE IF NOT EXISTS file_hashes (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    inode INTEGER NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    episode TEXT NOT NULL,
    stage TEXT NOT NULL,
    message TEXT NOT NULL,
    failed_at TEXT NOT NULL,
    PRIMARY KEY (episode, stage)
);
"""


@dataclass(frozen=True)
class StageResult:
    cache_key: str
    outputs: dict[str, dict[str, str]]
    seconds: float
    finished_at: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def open_temp_file(folder: Path, prefix: str, suffix: str = ".tmp") -> tuple[int, Path]:
    """A new file under a random name in ``folder``, open for writing. ``mkstemp`` makes every file 0600, so a
    deliverable renamed from one would hide from the uploader; here the umask decides, as for any other file."""
    path = folder / f"{prefix}{secrets.token_hex(8)}{suffix}"
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), path


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temp file in the same folder, fsync, then rename over the final name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = open_temp_file(path.parent, f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any) -> None:
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def connect_read_only(path: Path) -> sqlite3.Connection:
    """Open a database for reading only. ``mode=ro`` reads a WAL database only where its ``-shm`` index exists
    or can be made; in a read-only folder after the last writer has closed (so nobody writes) neither holds,
    and SQLite reads the file as it stands only when told it is ``immutable``."""
    uri = path.resolve().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        db.execute("PRAGMA schema_version")
        return db
    except sqlite3.OperationalError:
        db.close()
    return sqlite3.connect(f"{uri}?mode=ro&immutable=1", uri=True, isolation_level=None)


_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)  # no space left, disk quota exceeded


def storage_refused(error: BaseException) -> str | None:
    """What to tell the user when the disk is full or read-only (their machine's to fix, not a bug), else None."""
    code = getattr(error, "sqlite_errorcode", None) or 0
    oserror = error.errno if isinstance(error, OSError) else None
    # SQLite says IOERR_SHMSIZE where it cannot grow the WAL index: its documented sign of a full disk
    if code & 0xFF == sqlite3.SQLITE_FULL or code == sqlite3.SQLITE_IOERR_SHMSIZE or oserror in _FULL_ERRNOS:
        return f"the disk is full ({error}); free some space and run the same command again"
    if code & 0xFF == sqlite3.SQLITE_READONLY or oserror == errno.EROFS:
        return f"the work store cannot be written ({error}); use a --work folder you may write to"
    return None


class WorkStore:
    """One work directory; it creates nothing until you ask it to."""

    def __init__(self, root: Path):
        self.root = root
        self._db: sqlite3.Connection | None = None
        self._read_only = False

    # --- state database -------------------------------------------------------------------------
    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None and self.exists() and not self.writable():
            self._db, self._read_only = connect_read_only(self.root / "state.sqlite"), True
        if self._db is None:
            self.root.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.root / "state.sqlite", timeout=30, isolation_level=None)
            for attempt in range(100):  # two processes opening a new store at once: switching to WAL can't wait
                try:
                    self._db.execute("PRAGMA journal_mode=WAL")
                    self._db.executescript(SCHEMA)
                    self._add_usage_column()
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or attempt == 99:
                        raise
                    time.sleep(0.05)
        return self._db

    def _add_usage_column(self) -> None:
        """Stores made before usage was recorded with each result get the column (empty for old rows)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(stage_results)")}
        if "usage" not in columns:
            self._db.execute("ALTER TABLE stage_results ADD COLUMN usage TEXT NOT NULL DEFAULT '{}'")

    @property
    def cache_path(self) -> Path:
        """Engine response caches live apart from the run state: workers write them, only the runner writes state."""
        return self.root / "cache.sqlite"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: everything written inside is committed together or not at all."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.db.in_transaction:  # SQLite rolls back by itself on a full disk: ROLLBACK would hide why
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def exists(self) -> bool:
        return (self.root / "state.sqlite").is_file()

    def writable(self) -> bool:
        """Whether this process may write the store (``access`` also sees a read-only mount, even for root)."""
        state = self.root / "state.sqlite"
        return os.access(self.root, os.W_OK) and (not state.exists() or os.access(state, os.W_OK))

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def result(self, episode: str, stage: str) -> StageResult | None:
        if not self.exists():
            return None
        row = self.db.execute(
            "SELECT cache_key, outputs, seconds, finished_at FROM stage_results WHERE episode=? AND stage=?",
            (episode, stage),
        ).fetchone()
        return StageResult(row[0], json.loads(row[1]), row[2], row[3]) if row else None

    def failure(self, episode: str, stage: str) -> str | None:
        if not self.exists():
            return None
        row = self.db.execute("SELECT message FROM failures WHERE episode=? AND stage=?", (episode, stage)).fetchone()
        return row[0] if row else None

    def record_result(self, episode: str, stage: str, cache_key: str, outputs: dict[str, dict[str, str]],
                      seconds: float, usage: dict[str, Any]) -> None:
        """Call inside ``transaction()``, with the run's ledger entries, so both land or neither does."""
        self.db.execute(
            "INSERT OR REPLACE INTO stage_results (episode, stage, cache_key, outputs, seconds, finished_at, usage) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (episode, stage, cache_key, json.dumps(outputs, sort_keys=True), seconds, _now(),
             json.dumps(usage, sort_keys=True)),
        )
        self.db.execute("DELETE FROM failures WHERE episode=? AND stage=?", (episode, stage))

    def record_failure(self, episode: str, stage: str, message: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)", (episode, stage, message, _now()))

    def file_hash(self, path: Path) -> str:
        """SHA-256 of a file, memoised by (size, mtime, inode) so a re-run doesn't re-read every video."""
        stat = path.stat()
        key = str(path.resolve())
        row = self.db.execute("SELECT size, mtime_ns, inode, sha256 FROM file_hashes WHERE path=?", (key,)).fetchone()
        if row and tuple(row[:3]) == (stat.st_size, stat.st_mtime_ns, stat.st_ino):
            return row[3]
        digest = sha256_file(path)
        if self._read_only:
            return digest  # not memoised: hashed again next time
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO file_hashes VALUES (?, ?, ?, ?, ?)",
                            (key, stat.st_size, stat.st_mtime_ns, stat.st_ino, digest))
        return digest

    # --- artifacts ------------------------------------------------------------------------------
    def stage_dir(self, episode: str, stage: str) -> Path:
        return self.root / episode / stage

    def new_staging(self, episode: str, stage: str) -> Path:
        """A private folder for one run of a stage to write into; ``publish`` moves its files under final names.
        Its name is new every time, so a killed run's child still writing somewhere never writes into ours."""
        parent = self.stage_dir(episode, stage)
        parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(dir=parent, prefix=".staging-"))

    def publish(self, staged: Path, episode: str, stage: str) -> None:
        """Rename each staged file into the stage folder (one rename per file: atomic on POSIX); a staged
        folder (a release package) replaces the previous one whole, since a rename cannot merge folders."""
        target = self.stage_dir(episode, stage)
        for item in sorted(staged.iterdir()):
            if item.is_dir() and (target / item.name).is_dir():
                shutil.rmtree(target / item.name)
            os.replace(item, target / item.name)
        staged.rmdir()

    def discard_staging(self, staged: Path) -> None:
        shutil.rmtree(staged, ignore_errors=True)

    def clean_stale_staging(self) -> None:
        """Remove staging folders a killed run left behind (only ever called while holding the lock)."""
        for leftover in self.root.glob("*/*/.staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    # --- the run lock ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def lock(self, command: str) -> Iterator[None]:
        """Hold an exclusive flock for the whole run; the kernel drops it if the process dies. A store this
        process may not write is refused here, before anything has run."""
        refused = BadInput(f"work dir {self.root} is read-only here; a run writes its results there: "
                           "make it writable or choose another --work")
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            handle = (self.root / "run.lock").open("a+")
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
                raise
            raise refused from None
        if not self.writable():
            handle.close()
            raise refused
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise WorkDirBusy(f"work dir {self.root} is in use by {holder}; "
                              "wait for it to finish or use another --work") from None
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} on {socket.gethostname()} since {_now()} ({command})\n")
            handle.flush()
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()


def check_work_dir(path: Path) -> Path:
    """Refuse a --work path that is a file, before anything is written."""
    if path.exists() and not path.is_dir():
        raise BadInput(f"--work {path} is a file, not a folder; choose a folder for the work store")
    return path
