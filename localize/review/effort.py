"""Post-editing effort: how much of a draft the reviewer changed, measured the way post-edit analysis in CAT
tools bills it (memoQ, Phrase): an edit distance over characters for Chinese, Japanese and Korean (no spaces
between words) and over words otherwise, as a share of the longer text, then put in a band."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from localize.asr.metrics import edit_distance

CHARACTER_LANGUAGES = ("zh", "ja", "ko", "yue", "cmn", "th")
_WORD = re.compile(r"\w+(?:[-'’]\w+)*|[^\w\s]")  # words (son-in-law is one), and each mark


def tokens(text: str, language: str) -> list[str]:
    """The units an edit is counted in: characters (less spaces) for CJK and Thai, else words and marks."""
    if language.split("-")[0] in CHARACTER_LANGUAGES:
        return [c for c in text if not c.isspace()]
    return _WORD.findall(text)


@dataclass(frozen=True)
class Effort:
    """One segment's post-edit: tokens in the draft, tokens edited, and the edited share in percent."""

    draft_tokens: int
    edited_tokens: int
    percent: float


def post_edit_effort(draft: str, approved: str, language: str) -> Effort:
    before, after = tokens(draft, language), tokens(approved, language)
    if before == after:
        return Effort(len(before), 0, 0.0)
    distance = edit_distance(before, after)
    return Effort(len(before), distance, round(100.0 * distance / max(len(before), len(after)), 2))


# Edited-share bands as CAT tools report post-edit analysis (upper bounds, inclusive), lightest first.
_UPPER_BOUNDS = ((0.0, "0%"), (5.0, "0-5%"), (15.0, "5-15%"), (30.0, "15-30%"), (50.0, "30-50%"), (99.99, "50-99%"),
                 (100.0, "100%"))
BANDS = tuple(name for _, name in _UPPER_BOUNDS)
# The share of the rate card's post_edit_unit each band costs (the job's costs.rate_card.post_edit_grid overrides
# it): a line approved unchanged was still read against its source; a line rewritten costs a translation.
DEFAULT_POST_EDIT_GRID: Mapping[str, Decimal] = {
    "0%": Decimal("0.20"), "0-5%": Decimal("0.30"), "5-15%": Decimal("0.50"), "15-30%": Decimal("0.70"),
    "30-50%": Decimal("0.90"), "50-99%": Decimal("1.00"), "100%": Decimal("1.00"),
}


def band(percent: float) -> str:
    """The post-edit band of an edited share: what a rate card prices per unit."""
    return next(name for upper, name in _UPPER_BOUNDS if percent <= upper)
