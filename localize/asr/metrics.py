"""Accuracy measures for transcripts, used by tests, benchmarks and QC reports."""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable, Sequence


def comparable_characters(text: str) -> str:
    """Text with punctuation, symbols and whitespace removed: what CER compares."""
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN").lower()


def edit_distance(reference: Sequence[Hashable], hypothesis: Sequence[Hashable]) -> int:
    """Levenshtein distance between two sequences (characters of a transcript, words of a post-edit), one row at a
    time over the shorter: O(len × len) time, O(shorter) memory."""
    if len(reference) < len(hypothesis):
        reference, hypothesis = hypothesis, reference
    previous = list(range(len(hypothesis) + 1))
    for i, ref_item in enumerate(reference, 1):
        current = [i]
        for j, hyp_item in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ref_item != hyp_item)))
        previous = current
    return previous[-1]


def character_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over the reference length, after removing punctuation and spaces."""
    ref, hyp = comparable_characters(reference), comparable_characters(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    return edit_distance(ref, hyp) / len(ref)
