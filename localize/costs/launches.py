"""Launch records: evidence that episodes went live on an overseas platform, which subsidy measures require.

Kept in the work store's SQLite table ``launches``, hash-chained by the same rules as the ledger (see
``localize.costs.chain``), so a launch cannot be back-dated or quietly removed either.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3

from localize.costs import chain
from localize.errors import BadInput
from localize.languages import normalize_tag

TABLE = "launches"
COLUMNS = ("time", "platform", "url", "date", "episodes", "language", "note")
_EPISODES = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")


def launch_values(platform: str, url: str, date: str, episodes: str, language: str, note: str = "") -> dict:
    """Validated row content; raises BadInput naming the option to fix."""
    if not platform.strip():
        raise BadInput("--platform: name the platform, e.g. YouTube or TikTok")
    if not re.match(r"^https?://\S+$", url.strip()):
        raise BadInput(f"--url: '{url}' is not an http(s) address of the published series or episode")
    try:
        day = dt.date.fromisoformat(date.strip())
    except ValueError:
        raise BadInput(f"--date: '{date}' is not a date; write YYYY-MM-DD") from None
    spec = episodes.replace(" ", "")
    if not _EPISODES.match(spec) or any(int(a) > int(b) for a, b in re.findall(r"(\d+)-(\d+)", spec)):
        raise BadInput(f"--episodes: '{episodes}' is not a list of episode numbers or ranges such as 1-80 or 1-3,7")
    return {"time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "platform": platform.strip(), "url": url.strip(), "date": day.isoformat(), "episodes": spec,
            "language": normalize_tag(language), "note": note or None}


def append(db: sqlite3.Connection, values: dict) -> dict:
    return chain.append(db, TABLE, COLUMNS, values)


def launches(db: sqlite3.Connection) -> list[dict]:
    return chain.rows(db, TABLE, COLUMNS)


def verify(db: sqlite3.Connection) -> chain.BadEntry | None:
    return chain.verify(db, TABLE, COLUMNS)


def head_summary(db: sqlite3.Connection) -> dict[str, object]:
    return chain.head_summary(db, TABLE, COLUMNS)
