"""Checking a reviewed file against the draft it was exported from, before anything changes.

Every problem names its unit, so a translator can find it in their CAT tool. Errors refuse the import (all of
it, or with ``partial`` the units that have them): a file made for another draft, units missing, added or
re-ordered, cue segments renamed, an empty target, a forbidden or missing required term, Chinese left over, an
amount changed. Warnings (a preferred term dropped, a line over its maximum characters) are reported and imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from localize.review.build import joined_target
from localize.review.units import Fingerprint, ReviewFile, ReviewUnit
from localize.translate.qa import check_line

WARNING_RULES = ("term_preferred", "too_long")


@dataclass(frozen=True)
class ImportProblem:
    unit: str  # the unit id ("" for the whole file)
    rule: str
    detail: str

    @property
    def is_error(self) -> bool:
        return self.rule not in WARNING_RULES


@dataclass(frozen=True)
class Approval:
    """A unit as the reviewer left it: the sentence's translation and its state."""

    unit: str
    target: str
    state: str


def _file_problems(expected: Fingerprint, reviewed: ReviewFile, rebase: bool) -> list[ImportProblem]:
    made_for = reviewed.fingerprint
    if made_for is None:
        return [ImportProblem("", "fingerprint", "the file carries no fingerprint: export it again")]
    if (made_for.job, made_for.episode, made_for.language) != (expected.job, expected.episode, expected.language):
        return [ImportProblem("", "fingerprint", f"the file is for {made_for.job} {made_for.episode} "
                                                 f"{made_for.language}, not {expected.job} {expected.episode} "
                                                 f"{expected.language}")]
    if made_for.draft_sha256 != expected.draft_sha256 and not rebase:
        return [ImportProblem("", "fingerprint", "the draft changed since this file was exported; export it again, "
                                                 "or import with --rebase to apply it to the new draft")]
    return []


def _unit_problems(unit: ReviewUnit, cues: list[int], target: str, language: str) -> list[ImportProblem]:
    expected_cues = [segment.cue for segment in unit.segments]
    if cues != expected_cues:
        return [ImportProblem(unit.id, "segments", f"cue segments {cues} where the export had {expected_cues}")]
    if not target:
        return [ImportProblem(unit.id, "empty", "no translation")]
    problems = [ImportProblem(unit.id, f.rule, f.detail)
                for f in check_line(unit.source, target, language, list(unit.terms))]
    if unit.max_chars and len(target) > unit.max_chars:
        problems.append(ImportProblem(unit.id, "too_long", f"{len(target)} characters; at most {unit.max_chars} fit "
                                                           "its time at the reading speed"))
    return problems


def check_import(expected_units: list[ReviewUnit], fingerprint: Fingerprint, reviewed: ReviewFile,
                 rebase: bool = False) -> tuple[list[Approval], list[ImportProblem]]:
    """The approvals a reviewed file holds and every problem found, errors first by unit order."""
    problems = _file_problems(fingerprint, reviewed, rebase)
    if problems:
        return [], problems
    by_id = {unit.id: unit for unit in expected_units}
    found = [unit.id for unit in reviewed.units]
    problems += [ImportProblem(u, "missing", "the unit is not in the file") for u in by_id if u not in found]
    problems += [ImportProblem(u, "extra", "the export had no such unit") for u in found if u not in by_id]
    common = [u for u in found if u in by_id]
    if common != [u for u in by_id if u in found]:
        problems.append(ImportProblem("", "order", "units were re-ordered; keep the export's order"))
    approvals = []
    for unit in reviewed.units:
        if unit.id not in by_id:
            continue
        target = joined_target(unit.target_parts, fingerprint.language)
        problems += _unit_problems(by_id[unit.id], [cue for cue, _ in unit.targets], target, fingerprint.language)
        approvals.append(Approval(unit.id, target, unit.state))
    return approvals, problems
