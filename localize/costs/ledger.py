"""The cost ledger: one hash-chained row per cost, in the work store's SQLite (table ``ledger``).

Every amount is stored as Decimal text in its own currency and in CNY (``amount_cny``), with the exchange
rate and the rate's date that produced it, so an auditor can redo each conversion. Invoices are copied into
``<work>/invoices/<sha256><ext>`` and the entry carries that hash as its evidence.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from localize.costs import chain
from localize.costs.money import cents, rate_for
from localize.costs.settings import ExchangeRate
from localize.errors import BadInput
from localize.store import WorkStore, open_temp_file, sha256_file

TABLE = "ledger"
COLUMNS = ("time", "date", "series", "episode", "language", "stage", "item", "quantity", "unit", "unit_price",
           "currency", "amount", "amount_cny", "rate_used", "rate_date", "origin", "evidence_sha256", "note")
ORIGINS = ("auto", "manual", "invoice")


@dataclass(frozen=True)
class Cost:
    """One cost before it is priced in CNY and chained. ``amount`` may be left out when ``quantity`` and
    ``unit_price`` are given (automatic entries); it is then their product, rounded by the rule."""

    item: str
    currency: str
    amount: Decimal | None = None
    quantity: Decimal | None = None
    unit: str = ""
    unit_price: Decimal | None = None
    series: str = ""
    episode: str = ""
    language: str = ""
    stage: str = ""
    date: dt.date | None = None  # the day the cost was incurred: picks the exchange rate; default today (UTC)
    origin: str = "manual"
    evidence_sha256: str = ""
    note: str = ""


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def price(cost: Cost, rates: tuple[ExchangeRate, ...], job_file: object = "the job") -> dict[str, str | None]:
    """The row's content columns (all text). Raises BadInput before anything is written."""
    if not cost.item.strip():
        raise BadInput("--item: name the cost item, e.g. 配音演员 or translation")
    if cost.origin not in ORIGINS:
        raise BadInput(f"origin '{cost.origin}' is not one of {', '.join(ORIGINS)}")
    if cost.amount is None:
        if cost.quantity is None or cost.unit_price is None:
            raise BadInput("give an amount, or a quantity and a unit price")
        amount = cents(cost.quantity * cost.unit_price)
    else:
        amount = cents(cost.amount)
    day = cost.date or dt.datetime.now(dt.timezone.utc).date()
    if cost.currency == "CNY":
        rate, rate_date = Decimal(1), None
    else:
        found = rate_for(rates, cost.currency, day, job_file)
        rate, rate_date = found.cny, found.date.isoformat()
    return {
        "time": dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z"),
        "date": day.isoformat(), "series": _text(cost.series), "episode": _text(cost.episode),
        "language": _text(cost.language), "stage": _text(cost.stage), "item": cost.item.strip(),
        "quantity": _text(cost.quantity), "unit": _text(cost.unit), "unit_price": _text(cost.unit_price),
        "currency": cost.currency, "amount": str(amount), "amount_cny": str(cents(amount * rate)),
        "rate_used": str(rate), "rate_date": rate_date, "origin": cost.origin,
        "evidence_sha256": _text(cost.evidence_sha256), "note": _text(cost.note),
    }


def append(db: sqlite3.Connection, cost: Cost, rates: tuple[ExchangeRate, ...] = (), job_file: object = "the job"
           ) -> dict:
    """Price one cost and append it to the chain; safe to call from several processes at once."""
    return chain.append(db, TABLE, COLUMNS, price(cost, rates, job_file))


def entries(db: sqlite3.Connection) -> list[dict]:
    return chain.rows(db, TABLE, COLUMNS)


def has_auto_entry(db: sqlite3.Connection, item: str, episode: str, language: str) -> bool:
    """Whether an automatic entry for ``item`` already exists for this episode and language (one query, not a
    read of the whole ledger: it is asked after every translation stage)."""
    chain.create(db, TABLE, COLUMNS)
    found = db.execute(f"SELECT 1 FROM {TABLE} WHERE item = ? AND episode = ? AND language = ? AND origin = 'auto' "
                       "LIMIT 1", (item, episode, language)).fetchone()
    return found is not None


def verify(db: sqlite3.Connection) -> chain.BadEntry | None:
    return chain.verify(db, TABLE, COLUMNS)


def head_summary(db: sqlite3.Connection) -> dict[str, object]:
    return chain.head_summary(db, TABLE, COLUMNS)


def store_invoice(work: Path, invoice: Path) -> str:
    """Copy an invoice to ``<work>/invoices/<sha256><ext>`` (temp file + rename) and return its hash.
    The same file twice is stored once."""
    if not invoice.is_file():
        raise BadInput(f"--invoice: file not found: {invoice}")
    digest = sha256_file(invoice)
    target = work / "invoices" / f"{digest}{invoice.suffix.lower()}"
    if target.is_file():
        return digest
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = open_temp_file(target.parent, ".invoice-")
    os.close(handle)
    try:
        shutil.copyfile(invoice, temp)
        with open(temp, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return digest


def record(store: WorkStore, cost: Cost, rates: tuple[ExchangeRate, ...] = (), job_file: object = "the job",
           invoice: Path | None = None) -> dict:
    """Validate everything first, then copy the invoice, then append: a bad amount, currency or invoice
    leaves no row, no invoice copy and not even a new database behind."""
    if invoice is not None:
        if not invoice.is_file():
            raise BadInput(f"--invoice: file not found: {invoice}")
        cost = replace(cost, origin="invoice", evidence_sha256=sha256_file(invoice))
    values = price(cost, rates, job_file)
    if invoice is not None:
        store_invoice(store.root, invoice)
    return chain.append(store.db, TABLE, COLUMNS, values)
