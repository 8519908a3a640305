"""Money as ``Decimal``, never float, and one rounding rule for every entry.

Rounding rule: each entry's ``amount`` and ``amount_cny`` are rounded on their own to 2 decimals with
ROUND_HALF_UP (0.005 → 0.01), the way an invoice line is. Totals are sums of already rounded entries, so a
report always reconciles to the ledger to the cent; a subsidy is rounded the same way once, from the total.

Bounds: every money or rate input has a range and a number of decimals (``Bounds``), checked where it is parsed
(job load, policy load, CLI option). They keep each product the ledger computes (amount × exchange rate,
quantity × price, eligible cost × subsidy rate) well inside Decimal's 28 digits, so no rounding can overflow
into a traceback halfway through a run.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from localize.costs.settings import ExchangeRate
from localize.errors import BadInput
from localize.schema import text

CENT = Decimal("0.01")
_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
MAX_AMOUNT = Decimal(10) ** 12  # a trillion in any currency: no series costs that, so more is a typo


@dataclass(frozen=True)
class Bounds:
    """The range a money or rate input must lie in, and the most decimals it may carry."""

    low: Decimal
    high: Decimal
    places: int
    what: str  # how the range reads in an error, e.g. "an amount from -1000000000000 to 1000000000000"
    low_open: bool = False  # ``low`` itself is refused (an exchange rate of 0)

    def check(self, number: Decimal, shown: object) -> Decimal:
        """``number`` when it lies inside; else ValueError naming the range and what was given."""
        exponent = number.normalize().as_tuple().exponent if number.is_finite() else 0
        inside = number.is_finite() and (self.low < number if self.low_open else self.low <= number) \
            and number <= self.high and -int(exponent) <= self.places
        if not inside:
            raise ValueError(f"must be {self.what} with at most {self.places} decimals, got '{shown}'")
        return number


AMOUNT = Bounds(-MAX_AMOUNT, MAX_AMOUNT, 6, f"an amount from -{MAX_AMOUNT} to {MAX_AMOUNT}")
QUANTITY = Bounds(-MAX_AMOUNT, MAX_AMOUNT, 6, f"a quantity from -{MAX_AMOUNT} to {MAX_AMOUNT}")
GRANT = Bounds(Decimal(0), MAX_AMOUNT, 2, f"CNY from 0 to {MAX_AMOUNT}")  # caps and grants are paid to the fen
PRICE = Bounds(Decimal(0), Decimal(10) ** 6, 6, "a price from 0 to 1000000 per unit")
EXCHANGE_RATE = Bounds(Decimal(0), Decimal(10) ** 4, 8, "CNY per unit, above 0 and at most 10000", low_open=True)
SHARE = Bounds(Decimal(0), Decimal(1), 6, 'a share from 0 to 1 ("0.30" for 30 %)')


def decimal_in(bounds: Bounds) -> Callable[[Any], Decimal]:
    """A YAML value parser for ``Section.get``: read through its text, so 7.1 stays 7.1, then bounded."""
    def parse(value: Any) -> Decimal:
        if isinstance(value, bool):
            raise ValueError(f"must be a number, got '{value}'")
        try:
            number = Decimal(text(value))
        except InvalidOperation:
            raise ValueError(f"'{value}' is not a number; write e.g. \"0.30\"") from None
        return bounds.check(number, value)
    return parse


def cents(value: Decimal) -> Decimal:
    """The rounding rule: 2 decimals, half-up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value: str, what: str = "--amount", bounds: Bounds = AMOUNT) -> Decimal:
    """Plain decimal text only ("1200", "99.5", "-10" for a correction): no thousands separators, exponents,
    NaN or infinity, because any of those in a ledger is a typo, not an amount; and inside ``bounds``."""
    raw = str(value).strip()
    if not _AMOUNT.match(raw):
        raise BadInput(f"{what}: '{value}' is not an amount; write digits with an optional '.', e.g. 1200 or 99.50")
    try:
        return bounds.check(Decimal(raw), value)
    except ValueError as exc:
        raise BadInput(f"{what}: {exc}") from None


def parse_currency(value: str) -> str:
    code = str(value).strip().upper()
    if not _CURRENCY.match(code):
        raise BadInput(f"--currency: '{value}' is not a three-letter ISO 4217 code such as CNY, USD or EUR")
    return code


def rate_for(rates: tuple[ExchangeRate, ...], currency: str, day: dt.date,
             job_file: object = "the job") -> ExchangeRate:
    """The latest rate for ``currency`` dated on or before ``day``; an unknown currency is the user's to fix."""
    usable = [r for r in rates if r.currency == currency and r.date <= day]
    if not usable:
        known = sorted({r.currency for r in rates})
        have = f" (it has rates for {', '.join(known)})" if known else ""
        raise BadInput(f"no {currency} → CNY rate dated on or before {day} in {job_file}{have}; add one under "
                       f"costs.rates, e.g. {{currency: {currency}, date: {day}, cny: 7.10}}")
    return max(usable, key=lambda r: r.date)
