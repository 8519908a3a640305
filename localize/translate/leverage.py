"""Leverage statistics: how much of an episode the translation memory already covered, band by band.

Translators and subsidy claims are paid by weighted volume, so the counts are exact integers and the weights
``Decimal``. The unit is the word, except for languages written without spaces (Chinese first), where it is
the character, as Chinese rates are quoted per character (千字): letters and digits count, punctuation and
spaces do not.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from decimal import Decimal

from localize.errors import BadInput
from localize.translate import match
from localize.translate.tm import TMMatch

NO_MATCH = "no match"
BANDS = (*match.BANDS, NO_MATCH)
# The example grid of the cost issue: repetitions and exact matches cost 30 %, fuzzy ones more, new text full price.
DEFAULT_GRID: Mapping[str, Decimal] = {
    "101": Decimal("0.30"), "100": Decimal("0.30"), "95-99": Decimal("0.50"), "85-94": Decimal("0.70"),
    "75-84": Decimal("0.70"), "50-74": Decimal("1.00"), NO_MATCH: Decimal("1.00"),
}
_UNSPACED_LANGUAGES = frozenset({"zh", "ja", "yue", "cmn", "th", "lo", "km", "my"})


def unit_name(language: str) -> str:
    """What a unit of ``language`` is: a character for languages written without spaces, else a word."""
    return "character" if match.language_tag(language).split("-")[0] in _UNSPACED_LANGUAGES else "word"


def count_units(text: str, language: str) -> int:
    """Characters (letters and digits) for unspaced languages, else words holding a letter or a digit."""
    if unit_name(language) == "character":
        return sum(unicodedata.category(ch)[0] in "LN" for ch in text)
    return sum(any(unicodedata.category(ch)[0] in "LN" for ch in word) for word in text.split())


def leverage(segments: Iterable[tuple[str, TMMatch | None]], source_lang: str) -> dict[str, dict[str, int]]:
    """Per band (``BANDS`` order, all present): ``{"segments": n, "units": words or characters}`` of the sources."""
    stats = {name: {"segments": 0, "units": 0} for name in BANDS}
    for source, found in segments:
        row = stats[found.band if found else NO_MATCH]
        row["segments"] += 1
        row["units"] += count_units(source, source_lang)
    return stats


def weighted_units(stats: Mapping[str, Mapping[str, int]], grid: Mapping[str, Decimal | str | int | float]
                   = DEFAULT_GRID) -> Decimal:
    """Σ units × weight, exact (no rounding: the ledger rounds money once, per entry).

    Weights may come from YAML, where ``0.3`` is a float: they go through ``str`` so 0.3 means 0.3, not
    0.299999…; a band without a weight is a BadInput naming it.
    """
    total = Decimal(0)
    for name, row in stats.items():
        if name not in grid:
            raise BadInput(f"the match-band grid has no weight for band '{name}': give one for each of "
                           f"{', '.join(BANDS)}")
        total += Decimal(row["units"]) * Decimal(str(grid[name]))
    return total
