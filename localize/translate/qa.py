"""Terminology QA on every translated line: what a reviewer checks first, done before a reviewer sees it.

Each finding names a rule from ``localize.subtitles.qc.RULES`` and what was found, so it lands in the same QC report as
the timing rules and in the review file later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from localize.numbers import amounts_match

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CJK_TARGETS = ("zh", "ja", "ko", "yue", "cmn")


@dataclass(frozen=True)
class LineTerm:
    """A glossary or character term found in a source line, with what the target must and must not say."""

    source: str
    approved: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    note: str = ""
    checked: bool = True  # False for hints QA checks another way (amounts: number_mismatch accepts "five million")


@dataclass(frozen=True)
class Finding:
    rule: str
    detail: str


def _contains(text: str, phrase: str) -> bool:
    """Case-insensitive, whole-word where the phrase starts/ends with a letter (so 'Mom' is not in 'Moment')."""
    pattern = re.escape(phrase.lower())
    if phrase[:1].isalnum():
        pattern = r"(?<!\w)" + pattern
    if phrase[-1:].isalnum():
        pattern += r"(?!\w)"
    return re.search(pattern, text.lower()) is not None


def check_line(source: str, target: str, language: str, terms: list[LineTerm],
               lost_terms: tuple[str, ...] = ()) -> list[Finding]:
    findings: list[Finding] = []
    for term in (t for t in terms if t.checked):
        if term.approved and not any(_contains(target, rendering) for rendering in term.approved):
            findings.append(Finding("term_missing", f"{term.source} → '{term.approved[0]}' not in the translation"))
        for rendering in term.forbidden:
            if _contains(target, rendering):
                findings.append(Finding("term_forbidden", f"{term.source}: '{rendering}' is forbidden"))
    if language.split("-")[0] not in CJK_TARGETS and CJK.search(target):
        findings.append(Finding("untranslated", f"Chinese left in the translation: {''.join(CJK.findall(target))}"))
    for lost in lost_terms:
        findings.append(Finding("placeholder_lost", f"the engine dropped the protected term {lost}"))
    missing = amounts_match(source, target, language)
    if missing:
        findings.append(Finding("number_mismatch", "amount " + ", ".join(f"{m:,}" for m in missing) +
                                " not in the translation"))
    return findings
