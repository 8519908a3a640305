"""A job's approvals of one episode and language: every reviewer import that changed something, in order.

The file lives beside the job (``Job.approvals_file``), not in the work dir: the work dir is a cache anyone may
delete, approvals are human work and an input like a glossary. The review stage applies the latest approval of
each sentence over the draft, prices each import once, and hands the approved sentences on as translation memory.
An approval holds its sentence's source, so one made for a sentence the draft no longer has is reported stale
instead of landing on another line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from localize.errors import BadInput
from localize.review.effort import Effort, band
from localize.review.units import STATES
from localize.store import atomic_write_json
from localize.translate.draft import Draft
from localize.translate.qa import LineTerm, check_line
from localize.translate.tm import TranslationUnit

FORMAT = "localize-approvals/1"


@dataclass(frozen=True)
class ApprovedUnit:
    """One sentence as a reviewer left it, with what they were given and how much they changed."""

    unit: str  # "s12": the sentence's place in the draft
    cues: tuple[int, ...]  # its source cues, 1-based
    source: str
    before: str  # the neighbouring sentences' source: context for 101 % memory matches
    after: str
    previous: str  # the text the reviewer was given (the draft, or an earlier approval)
    target: str
    state: str
    source_units: int  # characters for Chinese, words otherwise: what the post-editing is priced per
    effort: Effort

    @property
    def band(self) -> str:
        return band(self.effort.percent)


@dataclass(frozen=True)
class ImportRound:
    """One ``localize review import`` of one file that changed something."""

    id: str  # a digest of what was imported: names the import in the ledger
    imported_at: str  # UTC, ISO 8601: the memory's date for these units
    file: str  # the file's name as given, for the auditor
    draft_sha256: str
    units: tuple[ApprovedUnit, ...]

    def post_edit(self) -> dict[str, Any]:
        """The usage record of this import: lines and source units per edited-share band, tokens edited."""
        bands: dict[str, dict[str, int]] = {}
        for unit in self.units:
            row = bands.setdefault(unit.band, {"segments": 0, "units": 0})
            row["segments"] += 1
            row["units"] += unit.source_units
        return {"file": self.file, "bands": bands, "edited": sum(u.effort.edited_tokens for u in self.units),
                "tokens": sum(u.effort.draft_tokens for u in self.units)}


@dataclass(frozen=True)
class Approvals:
    episode: str
    language: str
    source_language: str
    imports: tuple[ImportRound, ...] = ()

    def current(self) -> dict[str, ApprovedUnit]:
        """Each sentence's latest approval, by unit id."""
        return {unit.unit: unit for round_ in self.imports for unit in round_.units}

    def with_import(self, round_: ImportRound) -> Approvals:
        return Approvals(self.episode, self.language, self.source_language, (*self.imports, round_))

    def applied(self, sources: list[str]) -> tuple[list[ApprovedUnit | None], list[str]]:
        """For each sentence of a draft (by source text), its approval or None; and the ids of approvals that
        fit no sentence any more (the source changed under them)."""
        current = self.current()
        found = [current.get(f"s{index + 1}") for index in range(len(sources))]
        found = [a if a is not None and a.source == source else None for a, source in zip(found, sources, strict=True)]
        used = {a.unit for a in found if a is not None}
        return found, [unit for unit in current if unit not in used]

    def memory_units(self) -> list[TranslationUnit]:
        """The approved sentences as translation memory, with their neighbours as context."""
        dates = {unit.unit: round_.imported_at for round_ in self.imports for unit in round_.units}
        return [TranslationUnit(a.source, a.target, self.source_language, self.language, a.before, a.after,
                                f"review {self.episode}", approved=True, created=dates[a.unit])
                for a in self.current().values()]


def reviewed_draft(draft: Draft, approvals: Approvals, terms: list[tuple[LineTerm, ...]]
                   ) -> tuple[Draft, list[str], list[str]]:
    """The draft with each sentence's latest approval in place of its text, checked again against its terms;
    the ids of the sentences whose text changed, and of approvals that fit no sentence any more."""
    found, stale = approvals.applied([line.source for line in draft.lines])
    lines, changed = [], []
    for index, (line, approval) in enumerate(zip(draft.lines, found, strict=True)):
        if approval is None:
            lines.append(line)
            continue
        if approval.target != line.target:
            changed.append(approval.unit)
        findings = check_line(line.source, approval.target, draft.language, list(terms[index]))
        lines.append(replace(line, target=approval.target, origin=f"review {approval.state}", findings=findings))
    return Draft(draft.language, lines, draft.leverage), changed, stale


def round_id(draft_sha256: str, file: str, units: list[ApprovedUnit]) -> str:
    payload = json.dumps([draft_sha256, file, [asdict(u) for u in units]], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def save_approvals(path: Path, approvals: Approvals) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, {"format": FORMAT, **asdict(approvals)})


def load_approvals(path: Path) -> Approvals:
    """The approvals in ``path``; BadInput naming the file when it is not one we wrote."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"format is {data.get('format')!r}, not {FORMAT!r}")
        imports = tuple(_round(r) for r in data["imports"])
        return Approvals(data["episode"], data["language"], data["source_language"], imports)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError, KeyError, TypeError,
            ValueError) as exc:
        raise BadInput(f"{path}: not a review approvals file ({type(exc).__name__}: {exc}); it is written by "
                       "'localize review import': restore it from a backup, or delete it to drop the approvals"
                       ) from None


def _round(data: dict[str, Any]) -> ImportRound:
    units = []
    for unit in data["units"]:
        if unit["state"] not in STATES:
            raise ValueError(f"unit {unit['unit']}: unknown state {unit['state']!r}")
        units.append(ApprovedUnit(**{**unit, "cues": tuple(unit["cues"]), "effort": Effort(**unit["effort"])}))
    return ImportRound(data["id"], data["imported_at"], data["file"], data["draft_sha256"], tuple(units))
