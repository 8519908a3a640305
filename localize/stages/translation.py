"""Translation in two stages per target language, so a subtitle-profile change re-fits without re-drafting and
a review stage can slot in between:

* ``draft.<lang>``: source sentences → translation memory (the job's TMX files) → glossary-bound machine
  translation. The only stage that calls translation engines; its usage is what the ledger prices as
  translation (MT units, LLM tokens, TM-weighted human work).
* ``fit.<lang>``: the drafted sentences re-segmented over their own cues' time, line-broken and re-timed for
  the target language, then checked (timing rules and terminology QA in one report).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localize.costs.usage import Usage
from localize.glossary import load_glossary
from localize.glossary.characters import Character
from localize.job import Job
from localize.model import cues_from_json, cues_to_json
from localize.stages.registry import Stage, StageCall, qc_artifact, read_json
from localize.stages.source import episode_profile
from localize.store import atomic_write_json
from localize.subtitles.qc import Speech, check_track, report
from localize.subtitles.sentences import attribute, cues_from_translations, sentences_from_cues
from localize.translate.draft import Draft, MtEngine, draft_translation, qa_violations
from localize.translate.engines import check_engine, machine_engine_name
from localize.translate.llm import LlmOptions
from localize.translate.tmx import read_tmx


@dataclass(frozen=True)
class DraftSettings:
    """The slice of the job a draft depends on (the glossary, TMX and character files are inputs)."""

    source_language: str
    language: str
    engines: tuple[str, ...]
    tm_threshold: int
    synopsis: str
    currency: str
    llm: LlmOptions
    characters: tuple[Character, ...]


def job_files(job: Job) -> dict[str, Path]:
    """Files of the job (not of one episode) whose content decides a translation."""
    files = {f"glossary{i}": path for i, path in enumerate(job.glossaries)}
    files |= {f"tm{i}": path for i, path in enumerate(job.translation.tm)}
    if job.characters_file:
        files["characters"] = job.characters_file
    return files


def _draft(call: StageCall) -> Usage:
    settings: DraftSettings = call.settings
    source = cues_from_json(read_json(call.inputs["cues"]))
    sentences = sentences_from_cues(source, settings.source_language)
    engine: MtEngine | None = call.engine(f"mt.{settings.language}")
    tokens_before = engine.tokens if engine else 0
    glossaries = [load_glossary(path) for name, path in call.inputs.items() if name.startswith("glossary")]
    draft = draft_translation(sentences, settings.source_language, settings.language, glossaries=glossaries,
                              characters=settings.characters,
                              memory=call.engine("memory") if "tm" in settings.engines else None,
                              tm_threshold=settings.tm_threshold, engine=engine,
                              cache=call.engine("mt_cache") if engine else None, currency=settings.currency)
    atomic_write_json(call.output(f"draft.{settings.language}"), draft.to_json())
    return Usage(mt_engine=engine.identity if engine and draft.engine_calls else "", mt_units=draft.engine_units,
                 llm_tokens=(engine.tokens if engine else 0) - tokens_before, tm_bands=draft.leverage)


def _check_draft(job: Job, language: str) -> None:
    for path in job.glossaries:
        load_glossary(path)  # a glossary with lint errors must not silently steer a translation
    for path in job.translation.tm:
        read_tmx(path, target_lang=language, source_lang=job.source_language)  # malformed or unsafe XML: refuse now
    engine = machine_engine_name(job.translation.engines_for(language))
    if engine:
        check_engine(engine, job.source_language, language, job.translation.llm)


def draft_stage(language: str, job: Job) -> Stage:
    def reads(j: Job) -> DraftSettings:
        settings = j.translation
        return DraftSettings(j.source_language, language, settings.engines_for(language), settings.tm_threshold,
                             settings.synopsis, settings.currency_for(language), settings.llm, j.characters)

    return Stage(f"draft.{language}", 1, needs=("cues", *job_files(job)), makes={f"draft.{language}": "draft.json"},
                 action=_draft, reads=reads, engines=("memory", f"mt.{language}", "mt_cache"),
                 preflight=lambda j: _check_draft(j, language), force_group="translate",
                 priced=("compute", "translation"), language=language)


def _fit(call: StageCall) -> None:
    settings: dict[str, Any] = call.settings
    language = settings["language"]
    probe = read_json(call.inputs["probe"])
    cuts = tuple(read_json(call.inputs["shots"])["cuts_ms"])
    source = cues_from_json(read_json(call.inputs["cues"]))
    sentences = sentences_from_cues(source, settings["source_language"])
    draft = Draft.from_json(read_json(call.inputs[f"draft.{language}"]))
    profile = episode_profile(settings["subtitles"], language, probe)
    timed = cues_from_translations(sentences, [line.target for line in draft.lines], profile, cuts,
                                   probe["duration_ms"])
    speech_starts = [t.speech_start_ms for t in timed]
    cues = attribute([t.cue for t in timed], speech_starts, sentences, source)
    violations = check_track(cues, profile, cuts, [Speech(t.speech_start_ms, t.speech_end_ms) for t in timed])
    violations += qa_violations(draft, speech_starts)
    violations.sort(key=lambda v: v.cue)
    atomic_write_json(call.output(f"cues.{language}"), cues_to_json(cues, language))
    atomic_write_json(call.output(qc_artifact(f"fit.{language}")), report(cues, violations, profile))


def fit_stage(language: str, job: Job) -> Stage:
    return Stage(f"fit.{language}", 1, needs=(f"draft.{language}", "cues", "probe", "shots"),
                 makes={f"cues.{language}": f"cues.{language}.json", qc_artifact(f"fit.{language}"): "qc.json"},
                 action=_fit, force_group="fit", language=language,
                 reads=lambda j: {"language": language, "source_language": j.source_language,
                                  "subtitles": j.subtitles})
