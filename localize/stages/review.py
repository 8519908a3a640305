"""``review.<lang>``: the draft with the reviewers' approvals applied (approved text wins), between draft and
fit. It is in an episode's graph once a reviewed file has been imported for it (``localize review import``), so
a job nobody reviews runs exactly as before.

Its inputs are the draft and the approvals file beside the job; it makes the reviewed text (the draft's format,
what fit reads), the approved sentences as a TMX memory (``localize tm export --job`` gathers them), and a report.
Its usage is each import's post-editing, which the runner prices once per import, however often the stage re-runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from localize.costs.usage import Usage
from localize.glossary import load_glossary
from localize.glossary.characters import Character
from localize.job import Episode, Job
from localize.review.approvals import load_approvals, reviewed_draft
from localize.stages.registry import Stage, StageCall, read_json
from localize.stages.translation import job_files
from localize.store import atomic_write_bytes, atomic_write_json
from localize.translate.draft import Draft, sentence_terms
from localize.translate.tmx import tmx_bytes


def approvals_source(language: str, episode: str = "") -> str:
    """The source name of an approvals file: the episode's own (``approvals.en``), or an earlier episode's, which
    that episode's draft reads as memory (``approvals.en.ep01``)."""
    return f"approvals.{language}.{episode}" if episode else f"approvals.{language}"


def reviewed_sources(job: Job, episode: Episode) -> dict[str, Path]:
    """The approvals files of this episode and of the episodes before it, per target language, that exist."""
    found = {}
    order = [e.id for e in job.episodes]
    for language in job.targets:
        own = job.approvals_file(episode.id, language)
        if own.is_file():
            found[approvals_source(language)] = own
        for earlier in order[:order.index(episode.id)]:
            path = job.approvals_file(earlier, language)
            if path.is_file():
                found[approvals_source(language, earlier)] = path
    return found


@dataclass(frozen=True)
class ReviewSettings:
    """What re-checking approved lines against their terms depends on (the glossaries are inputs)."""

    source_language: str
    language: str
    currency: str
    characters: tuple[Character, ...]


def _review(call: StageCall) -> Usage:
    settings: ReviewSettings = call.settings
    language = settings.language
    draft = Draft.from_json(read_json(call.inputs[f"draft.{language}"]))
    approvals = load_approvals(call.inputs[approvals_source(language)])
    glossaries = [load_glossary(path) for name, path in call.inputs.items() if name.startswith("glossary")]
    terms = sentence_terms([line.source for line in draft.lines], glossaries, settings.characters,
                           settings.source_language, language, settings.currency)
    reviewed, changed, stale = reviewed_draft(draft, approvals, terms)
    atomic_write_json(call.output(f"reviewed.{language}"), reviewed.to_json())
    atomic_write_bytes(call.output(f"memory.{language}"), tmx_bytes(approvals.memory_units()))
    current = approvals.current()
    atomic_write_json(call.output(f"review.{language}"), {
        "language": language,
        "approved": [{"unit": a.unit, "cues": list(a.cues), "state": a.state} for a in current.values()
                     if a.unit not in stale],
        "changed": changed,  # sentences whose text differs from the draft: what fit lays out anew
        "stale": stale,  # approvals of sentences the draft no longer has (its source changed)
        "imports": [{"id": r.id, "file": r.file, "imported_at": r.imported_at, **r.post_edit()}
                    for r in approvals.imports],
    })
    return Usage(post_edit={r.id: r.post_edit() for r in approvals.imports})


def _check_approvals(job: Job, episode: Episode, language: str) -> None:
    """A damaged approvals file is refused before anything runs, naming the file."""
    load_approvals(job.approvals_file(episode.id, language))


def review_stage(language: str, job: Job) -> Stage:
    def reads(j: Job) -> ReviewSettings:
        return ReviewSettings(j.source_language, language, j.translation.currency_for(language), j.characters)

    glossaries = tuple(name for name in job_files(job) if name.startswith("glossary"))
    return Stage(f"review.{language}", 1, needs=(f"draft.{language}", approvals_source(language), *glossaries),
                 makes={f"reviewed.{language}": "reviewed.json", f"memory.{language}": "memory.tmx",
                        f"review.{language}": "review.json"},
                 action=_review, reads=reads, force_group="review", priced=("compute", "post_edit"),
                 check_episode=lambda j, episode: _check_approvals(j, episode, language),
                 language=language)
