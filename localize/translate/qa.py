"""Terminology QA on every translated line: what a reviewer checks first, done before a reviewer sees it.

Each finding names a rule from ``localize.subtitles.qc.RULES`` and what was found, so it lands in the same QC report as
the timing rules and in the review file later. A flag a reviewer learns to ignore is worse than none, so terms are
found on word edges only (``find_terms`` with the source language) and a missing ``preferred`` rendering (forms of
address, idioms: what subtitlers drop for reading speed) is the warning ``term_preferred``, not an error.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from localize.glossary import Term, TermFinder
from localize.model import Cue
from localize.numbers import amounts_match
from localize.subtitles.qc import RULES, WARNINGS
from localize.subtitles.sentences import join_lines

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
    required: bool = True  # False: a missing approved rendering is only a warning (the entry's strictness)


@dataclass(frozen=True)
class Finding:
    rule: str
    detail: str


def terms_found(text: str, finder: TermFinder, language: str) -> list[LineTerm]:
    """The terms ``finder`` finds in a source line, with their renderings for ``language``."""
    found = []
    for match in finder.find(text):
        target = match.term.target(language)
        if target is not None and target.approved:
            found.append(LineTerm(text[match.start:match.end], target.approved, target.forbidden, match.term.note,
                                  required=match.term.required))
    return found


def _contains(text: str, phrase: str) -> bool:
    """Case-insensitive, whole-word where the phrase starts/ends with a letter (so 'Mom' is not in 'Moment')."""
    pattern = re.escape(phrase.lower())
    if phrase[:1].isalnum():
        pattern = r"(?<!\w)" + pattern
    if phrase[-1:].isalnum():
        pattern += r"(?!\w)"
    return re.search(pattern, text.lower()) is not None


def check_terms(target: str, terms: Iterable[LineTerm]) -> list[Finding]:
    """Missing approved renderings (an error when required, a warning when preferred) and forbidden ones (always
    an error, the longest said when one holds another); a term said twice in the source is checked once."""
    findings: list[Finding] = []
    for term in dict.fromkeys(t for t in terms if t.checked):
        if term.approved and not any(_contains(target, rendering) for rendering in term.approved):
            rule = "term_missing" if term.required else "term_preferred"
            findings.append(Finding(rule, f"{term.source} → '{term.approved[0]}' not in the translation"))
        said = [rendering for rendering in term.forbidden if _contains(target, rendering)]
        for rendering in said:  # 'Mount Tai' inside 'failed to recognize Mount Tai' is the same mistake
            if not any(rendering.lower() in other.lower() for other in said if other != rendering):
                findings.append(Finding("term_forbidden", f"{term.source}: '{rendering}' is forbidden"))
    return findings


def check_line(source: str, target: str, language: str, terms: list[LineTerm],
               lost_terms: tuple[str, ...] = ()) -> list[Finding]:
    findings = check_terms(target, terms)
    if language.split("-")[0] not in CJK_TARGETS and CJK.search(target):
        findings.append(Finding("untranslated", f"Chinese left in the translation: {''.join(CJK.findall(target))}"))
    for lost in lost_terms:
        findings.append(Finding("placeholder_lost", f"the engine dropped the protected term {lost}"))
    missing = amounts_match(source, target, language)
    if missing:
        findings.append(Finding("number_mismatch", "amount " + ", ".join(f"{m:,}" for m in missing) +
                                " not in the translation"))
    return findings


# ── a bilingual pair of subtitle files (``localize qc terms``) ──────────────────────────────────────────────
@dataclass(frozen=True)
class PairCheck:
    """Source and target cues that render each other (positions from 0, either side may be empty), their texts
    and what terminology QA found."""

    source: tuple[int, ...]
    target: tuple[int, ...]
    source_text: str
    target_text: str
    findings: tuple[Finding, ...] = ()


def pair_cues(source: Sequence[Cue], target: Sequence[Cue]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(source positions, target positions) of the cues that render each other, in time order.

    Every cue is linked to the cue of the other file it overlaps longest (the earlier one on a tie); cues linked
    directly or through one another form one pair. So a source cue translated as two target cues, or two
    source cues merged into one target cue, are checked together; a cue overlapping nothing is alone.
    """
    parent = list(range(len(source) + len(target)))  # union-find: sources first, then targets

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for index, other in enumerate(_longest_overlaps(source, target)):
        if other is not None:
            parent[root(index)] = root(len(source) + other)
    for index, other in enumerate(_longest_overlaps(target, source)):
        if other is not None:
            parent[root(len(source) + index)] = root(other)
    groups: dict[int, list[int]] = {}
    for node in range(len(parent)):
        groups.setdefault(root(node), []).append(node)

    def start(node: int) -> int:
        return source[node].start_ms if node < len(source) else target[node - len(source)].start_ms

    pairs = []
    for nodes in sorted(groups.values(), key=lambda group: min(start(node) for node in group)):
        pairs.append((tuple(n for n in nodes if n < len(source)),
                      tuple(n - len(source) for n in nodes if n >= len(source))))
    return pairs


def _longest_overlaps(cues: Sequence[Cue], others: Sequence[Cue]) -> list[int | None]:
    """For each cue, the position of the cue in ``others`` it overlaps longest (None: it overlaps none)."""
    order = sorted(range(len(others)), key=lambda i: (others[i].start_ms, i))
    starts = [others[i].start_ms for i in order]
    reach = list(accumulate((others[i].end_ms for i in order), max))  # the latest end among the first k
    found: list[int | None] = []
    for cue in cues:
        best, best_overlap = None, 0
        k = bisect_left(starts, cue.end_ms) - 1  # the others starting before this cue ends, latest first
        while k >= 0 and reach[k] > cue.start_ms:
            other = others[order[k]]
            overlap = min(cue.end_ms, other.end_ms) - max(cue.start_ms, other.start_ms)
            if overlap > 0 and overlap >= best_overlap:  # walking back in time: on a tie the earlier wins
                best, best_overlap = order[k], overlap
            k -= 1
        found.append(best)
    return found


def check_pairs(source: Sequence[Cue], target: Sequence[Cue], terms: Sequence[Term], names: Iterable[str],
                source_language: str, language: str) -> list[PairCheck]:
    """Terminology QA of a translation made elsewhere: every pair of cues (``pair_cues``), its source terms on
    word edges against the target's words."""
    finder = TermFinder(terms, names, source_language)
    checks = []
    for source_cues, target_cues in pair_cues(source, target):
        source_text = _text([source[i] for i in source_cues], source_language)
        target_text = _text([target[i] for i in target_cues], language)
        found = check_terms(target_text, terms_found(source_text, finder, language)) if target_cues else []
        checks.append(PairCheck(source_cues, target_cues, source_text, target_text, tuple(found)))
    return checks


def terms_report(source: Sequence[Cue], target: Sequence[Cue], checks: Sequence[PairCheck]) -> dict:
    """What ``localize qc terms --json`` prints: errors under ``violations`` (they decide ``passed``), warnings
    apart, each on the first target cue of its pair (1-based, as subtitle editors number cues)."""
    found: dict[bool, list[dict]] = {False: [], True: []}  # is a warning -> findings
    for check in checks:
        cues = [*(source[i] for i in check.source), *(target[i] for i in check.target)]
        for finding in check.findings:
            found[finding.rule in WARNINGS].append({
                "cue": check.target[0] + 1, "target_cues": [i + 1 for i in check.target],
                "source_cues": [i + 1 for i in check.source], "start_ms": min(c.start_ms for c in cues),
                "end_ms": max(c.end_ms for c in cues), "source": check.source_text, "target": check.target_text,
                "rule": finding.rule, "measured": finding.detail, "description": RULES[finding.rule]})
    return {"pairs": sum(bool(c.source and c.target) for c in checks), "passed": not found[False],
            "violations": found[False], "warnings": found[True],
            "unpaired": {"source_cues": [i + 1 for c in checks if not c.target for i in c.source],
                         "target_cues": [i + 1 for c in checks if not c.source for i in c.target]}}


def _text(cues: list[Cue], language: str) -> str:
    """The cues' words on one line; a space between cues keeps each cue's end a word edge."""
    return " ".join(join_lines([cue.text], language) for cue in cues)
