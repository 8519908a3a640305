"""The translator's round trip over a job: review files out of the run's drafts, reviewed files back into the
job's approvals.

Export needs a finished draft of each episode and language; what it shows is the current text (the draft with
earlier approvals applied), so a second pass starts where the first ended. Import checks a whole file against
what the export was made from before anything changes, then records one import round in the approvals file
beside the job; the next ``localize run`` applies it in the ``review.<lang>`` stage, prices it once, and lays out
anew only what changed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

from localize.errors import BadInput
from localize.glossary import Glossary, load_glossary
from localize.glossary.characters import addressee
from localize.job import Episode, Job
from localize.model import Cue, cues_from_json
from localize.pipeline import current_outputs
from localize.review.approvals import Approvals, ApprovedUnit, ImportRound, load_approvals, round_id, save_approvals
from localize.review.build import DraftedSentence, review_units, with_dub_slots
from localize.review.check import Approval, ImportProblem, check_import
from localize.review.effort import post_edit_effort
from localize.review.units import STATES, Fingerprint, ReviewFile, ReviewUnit, draft_sha256
from localize.review.xliff import read_xliff, write_xliff
from localize.review.xlsx import read_xlsx, write_xlsx
from localize.stages.registry import qc_artifact, read_json
from localize.stages.source import episode_profile
from localize.stages.speaker_cues import cues_artifact
from localize.store import atomic_write_bytes
from localize.subtitles.sentences import sentences_from_cues
from localize.translate.draft import Draft, sentence_terms
from localize.translate.leverage import count_units
from localize.translate.qa import check_line
from localize.translate.tm import TranslationMemory
from localize.translate.tmx import read_tmx

FORMATS = {"xliff": ".xlf", "xlsx": ".xlsx"}


@dataclass(frozen=True)
class EpisodeReview:
    """One episode and language as a reviewer gets it now: the units with their current text and state, and the
    fingerprint of the draft they came from."""

    episode: str
    language: str
    fingerprint: Fingerprint
    units: list[ReviewUnit]
    texts: list[str]  # each unit's current translation (the draft's, or its latest approval)
    states: list[str]


def _state(origin: str, approved: ApprovedUnit | None) -> str:
    if approved is not None:
        return approved.state
    return "initial" if origin == "untranslated" else "translated"


def episode_review(job: Job, glossaries: list[Glossary], episode: str, language: str, draft_path: Path,
                   cues_path: Path, probe_path: Path) -> EpisodeReview:
    draft_bytes = draft_path.read_bytes()
    draft = Draft.from_json(read_json(draft_path))
    source: list[Cue] = cues_from_json(read_json(cues_path))
    sentences = sentences_from_cues(source, job.source_language)
    path = job.approvals_file(episode, language)
    approvals = load_approvals(path) if path.is_file() else Approvals(episode, language, job.source_language)
    found, _ = approvals.applied([line.source for line in draft.lines])
    texts = [a.target if a else line.target for line, a in zip(draft.lines, found, strict=True)]
    states = [_state(line.origin, a) for line, a in zip(draft.lines, found, strict=True)]
    terms = sentence_terms([line.source for line in draft.lines], glossaries, job.characters, job.source_language,
                           language, job.translation.currency_for(language))
    drafted = []
    for line, sentence, text, line_terms in zip(draft.lines, sentences, texts, terms, strict=True):
        flags = tuple(f"{f.rule}: {f.detail}" for f in check_line(line.source, text, language, list(line_terms)))
        speaker = source[sentence.cue_indexes[0]].speaker
        drafted.append(DraftedSentence(tuple(sentence.cue_indexes), text, line.origin, flags, line_terms,
                                       addressee(speaker, line.source, job.characters)))
    profile = episode_profile(job.subtitles, language, read_json(probe_path))
    units = review_units(drafted, source, language, profile.language.max_cps)
    units = [replace(unit, state=state) for unit, state in zip(units, states, strict=True)]
    fingerprint = Fingerprint(job.name, episode, language, draft_sha256(draft_bytes))
    return EpisodeReview(episode, language, fingerprint, units, texts, states)


def episode_reviews(job: Job, work_dir: Path, wanted: list[tuple[Episode, str]]) -> list[EpisodeReview]:
    """The review of each (episode, language); BadInput when a draft is missing or out of date."""
    outputs = current_outputs(job, work_dir)
    glossaries = [load_glossary(path) for path in job.glossaries]
    reviews = []
    cues = cues_artifact(job)
    for episode, language in wanted:
        _, source = outputs[(episode.id, "speakers" if job.speakers else "source_cues")]
        _, ingest = outputs[(episode.id, "ingest")]
        state, drafted = outputs[(episode.id, f"draft.{language}")]
        if not drafted or not source or not ingest:
            raise BadInput(f"{episode.id} {language}: no current draft to review ({state}); run the job first: "
                           f"localize run {job.path} --episodes {episode.id}")
        review = episode_review(job, glossaries, episode.id, language, drafted[f"draft.{language}"], source[cues],
                                ingest["probe"])
        reviews.append(_with_dub(review, outputs, episode.id, language))
    return reviews


def _with_dub(review: EpisodeReview, outputs: dict, episode: str, language: str) -> EpisodeReview:
    """The review with each unit's dub slot and overrun limits, when the episode's dub fit is current."""
    _, fitted = outputs.get((episode, f"fit.dub.{language}"), ("", {}))
    _, cues = outputs.get((episode, f"fit.{language}"), ("", {}))
    if not fitted or not cues:
        return review
    placed = read_json(fitted[qc_artifact(f"fit.dub.{language}")])["lines"]
    target = cues_from_json(read_json(cues[f"cues.{language}"]))
    return replace(review, units=with_dub_slots(review.units, placed, target))


def export_reviews(reviews: list[EpisodeReview], job: Job, out_dir: Path, formats: tuple[str, ...]) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for review in reviews:
        for kind in formats:
            write = write_xliff if kind == "xliff" else write_xlsx
            path = out_dir / f"{job.name}.{review.episode}.{review.language}{FORMATS[kind]}"
            atomic_write_bytes(path, write(review.units, review.fingerprint, job.source_language, review.language))
            written.append(path)
    return written


def read_review_file(path: Path) -> ReviewFile:
    """An XLIFF or XLSX review file, told apart by content, not by name."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read it ({exc.strerror})") from None
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data, path)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return read_xliff(data, path)
    raise BadInput(f"{path}: neither XLIFF nor XLSX; import the .xlf or .xlsx file 'localize review export' wrote")


@dataclass(frozen=True)
class ImportResult:
    file: Path
    episode: str
    language: str
    problems: list[ImportProblem]  # errors refuse the file (or, with --partial, their units); warnings are kept
    refused: bool
    round: ImportRound | None  # None: nothing changed, or the file was refused


def _which(job: Job, reviewed: ReviewFile, path: Path) -> tuple[str, str]:
    made_for = reviewed.fingerprint
    if made_for is None:
        raise BadInput(f"{path}: the file carries no fingerprint (the XLIFF file metadata or the XLSX's hidden "
                       "'localize' sheet was removed); export it again")
    if made_for.job != job.name:
        raise BadInput(f"{path}: the file was exported from job '{made_for.job}', not '{job.name}'")
    if made_for.episode not in {e.id for e in job.episodes} or made_for.language not in job.targets:
        raise BadInput(f"{path}: the file is for {made_for.episode} {made_for.language}, which the job does not have")
    return made_for.episode, made_for.language


def _approved_unit(unit: ReviewUnit, previous: str, approval: Approval, job: Job, language: str) -> ApprovedUnit:
    changed = approval.target != previous
    state = approval.state if not changed or STATES.index(approval.state) >= STATES.index("reviewed") else "reviewed"
    return ApprovedUnit(unit.id, tuple(s.cue for s in unit.segments), unit.source, unit.before, unit.after, previous,
                        approval.target, state, count_units(unit.source, job.source_language),
                        post_edit_effort(previous, approval.target, language))


def _round(review: EpisodeReview, approvals: list[Approval], skip: set[str], job: Job, path: Path,
           now: str) -> ImportRound | None:
    """The units a reviewer changed or signed off (reviewed, final), as one import round; None if none."""
    index = {unit.id: number for number, unit in enumerate(review.units)}
    units = []
    for approval in approvals:
        number = index[approval.unit]
        previous, state = review.texts[number], review.states[number]
        moved_on = approval.state != state and STATES.index(approval.state) >= STATES.index("reviewed")
        if approval.unit in skip or (approval.target == previous and not moved_on):
            continue
        units.append(_approved_unit(review.units[number], previous, approval, job, review.language))
    if not units:
        return None
    digest = round_id(review.fingerprint.draft_sha256, path.name, units)
    return ImportRound(digest, now, path.name, review.fingerprint.draft_sha256, tuple(units))


def check_review_files(job: Job, work_dir: Path, files: list[Path], rebase: bool = False,
                       partial: bool = False) -> list[ImportResult]:
    """Each file checked against its episode's current draft, and the import round it would record."""
    now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    read = [(path, read_review_file(path)) for path in files]
    which = [_which(job, reviewed, path) for path, reviewed in read]
    episodes = {e.id: e for e in job.episodes}
    reviews = episode_reviews(job, work_dir, [(episodes[episode], language) for episode, language in which])
    results = []
    for (path, reviewed), (episode, language), review in zip(read, which, reviews, strict=True):
        approvals, problems = check_import(review.units, review.fingerprint, reviewed, rebase)
        file_errors = [p for p in problems if p.is_error and not p.unit]
        unit_errors = {p.unit for p in problems if p.is_error and p.unit}
        refused = bool(file_errors) or (bool(unit_errors) and not partial)
        found = None if refused else _round(review, approvals, unit_errors, job, path, now)
        if refused and not file_errors:
            problems.append(ImportProblem("", "refused", f"{len(unit_errors)} unit(s) with errors: nothing imported "
                                                         "(fix them, or --partial imports the other units)"))
        results.append(ImportResult(path, episode, language, problems, refused, found))
    return results


def record_imports(job: Job, results: list[ImportResult]) -> None:
    """Append each import round to its approvals file: call it only when no file was refused, so a command
    importing several files changes all of them or none."""
    for result in results:
        if result.round is None:
            continue
        path = job.approvals_file(result.episode, result.language)
        approvals = load_approvals(path) if path.is_file() else Approvals(result.episode, result.language,
                                                                         job.source_language)
        if any(r.id == result.round.id for r in approvals.imports):
            continue  # the same file imported twice: its work is on record once
        save_approvals(path, approvals.with_import(result.round))



def series_memory(job: Job) -> TranslationMemory:
    """The job's TMX files and every episode's approvals in every target language: the memory the series built."""
    approvals = [job.approvals_file(episode.id, language) for episode in job.episodes for language in job.targets]
    return TranslationMemory.in_memory([
        *(unit for path in job.translation.tm for unit in read_tmx(path, source_lang=job.source_language).units),
        *(unit for path in approvals if path.is_file() for unit in load_approvals(path).memory_units())])
