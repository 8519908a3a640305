"""The job's ``costs:`` section as plain values, so the ledger and the policies never need the job itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ExchangeRate:
    currency: str  # ISO 4217 code, upper case
    date: dt.date  # first day this rate applies
    cny: Decimal  # CNY for one unit of the currency


@dataclass(frozen=True)
class CostSettings:
    """The job's ``costs:`` section: dated exchange rates, a rate card (read by later automatic entries) and
    the default subsidy policy for ``localize costs claim``. ``rate_card`` holds ``currency``, a Decimal per
    ``RATE_CARD_PRICES`` key (0 when unpriced), ``leverage_grid`` and ``post_edit_grid`` (band → Decimal weight,
    every band)."""

    rates: tuple[ExchangeRate, ...] = ()
    rate_card: dict[str, Any] = field(default_factory=dict)
    policy: str = ""
