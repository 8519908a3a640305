"""Money as ``Decimal``, never float, and one rounding rule for every entry.

Rounding rule: each entry's ``amount`` and ``amount_cny`` are rounded on their own to 2 decimals with
ROUND_HALF_UP (0.005 → 0.01), the way an invoice line is. Totals are sums of already rounded entries, so a
report always reconciles to the ledger to the cent; a subsidy is rounded the same way once, from the total.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_UP, Decimal

from localize.costs.settings import ExchangeRate
from localize.errors import BadInput

CENT = Decimal("0.01")
_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def cents(value: Decimal) -> Decimal:
    """The rounding rule: 2 decimals, half-up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(value: str, what: str = "--amount") -> Decimal:
    """Plain decimal text only ("1200", "99.5", "-10" for a correction): no thousands separators, exponents,
    NaN or infinity, because any of those in a ledger is a typo, not an amount."""
    raw = str(value).strip()
    if not _AMOUNT.match(raw):
        raise BadInput(f"{what}: '{value}' is not an amount; write digits with an optional '.', e.g. 1200 or 99.50")
    return Decimal(raw)


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
