"""Translation in two stages per target language, so a subtitle-profile change re-fits without re-drafting and
a review stage can slot in between:

* ``draft.<lang>``: source sentences → translation memory (the job's TMX files) → glossary-bound machine
  translation. The stage that translates; its usage is what the ledger prices as translation (MT units, LLM
  tokens, TM-weighted human work).
* ``fit.<lang>``: the drafted sentences re-segmented over their own cues' time, line-broken and re-timed for
  the target language, then checked (timing rules and terminology QA in one report). With the job's
  ``translation.condense``, lines still over the reading speed go to the llm engine for a shorter rendering
  (``localize.translate.condense``): the one other stage that calls an engine, priced like a draft's tokens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from localize.costs.usage import Usage
from localize.errors import BadInput
from localize.glossary import load_glossary
from localize.glossary.characters import Character
from localize.job import Job
from localize.model import Cue, cues_from_json, cues_to_json
from localize.review.approvals import load_approvals
from localize.stages.registry import Stage, StageCall, qc_artifact, read_json
from localize.stages.source import episode_profile
from localize.stages.speaker_cues import cues_artifact
from localize.store import atomic_write_json
from localize.subtitles.profiles import LanguageRules, SubtitleProfile
from localize.subtitles.qc import Speech, Violation, check_track, report
from localize.subtitles.sentences import Sentence, attribute, cues_from_translations, owner, sentences_from_cues
from localize.translate.condense import Budget, Condensed, budgets, condense, with_budgets, worth_sending
from localize.translate.draft import Draft, MtEngine, draft_translation, qa_violations
from localize.translate.engines import check_engine, machine_engine_name
from localize.translate.llm import LlmOptions
from localize.translate.tm import TranslationMemory
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


def _memory(call: StageCall, language: str) -> TranslationMemory:
    """The job's TMX memory, plus the sentences reviewers approved in earlier episodes (their approvals files are
    this draft's inputs, so an approval changes the drafts after it and a removed one is gone from lookups)."""
    memory: TranslationMemory = call.engine("memory")
    approved = [unit for name, path in call.inputs.items() if name.startswith(f"approvals.{language}.")
                for unit in load_approvals(path).memory_units()]
    if not approved:
        return memory
    return TranslationMemory.in_memory([*memory.units(), *approved])


def _draft(call: StageCall, cues: str) -> Usage:
    settings: DraftSettings = call.settings
    source = cues_from_json(read_json(call.inputs[cues]))
    sentences = sentences_from_cues(source, settings.source_language)
    engine: MtEngine | None = call.engine(f"mt.{settings.language}")
    tokens_before = engine.tokens if engine else 0
    glossaries = [load_glossary(path) for name, path in call.inputs.items() if name.startswith("glossary")]
    draft = draft_translation(sentences, settings.source_language, settings.language, glossaries=glossaries,
                              characters=settings.characters,
                              memory=_memory(call, settings.language) if "tm" in settings.engines else None,
                              tm_threshold=settings.tm_threshold, engine=engine,
                              cache=call.engine("mt_cache") if engine else None, currency=settings.currency,
                              speakers=[source[s.cue_indexes[0]].speaker for s in sentences])
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


def draft_stage(language: str, job: Job, approved: tuple[str, ...] = ()) -> Stage:
    """``approved``: the sources holding earlier episodes' approvals in ``language``, matched like the TMX."""
    def reads(j: Job) -> DraftSettings:
        settings = j.translation
        return DraftSettings(j.source_language, language, settings.engines_for(language), settings.tm_threshold,
                             settings.synopsis, settings.currency_for(language), settings.llm, j.characters)

    cues = cues_artifact(job)
    return Stage(f"draft.{language}", 2, needs=(cues, *job_files(job), *approved),
                 makes={f"draft.{language}": "draft.json"},
                 action=partial(_draft, cues=cues), reads=reads, engines=("memory", f"mt.{language}", "mt_cache"),
                 preflight=lambda j: _check_draft(j, language), force_group="translate",
                 priced=("compute", "translation"), language=language)


@dataclass(frozen=True)
class _Fitted:
    cues: list[Cue]
    speech_starts: list[int]
    violations: list[Violation]


def _fitted(draft: Draft, sentences: list[Sentence], source: list[Cue], profile: SubtitleProfile,
            cuts: tuple[int, ...], duration_ms: int) -> _Fitted:
    """The draft's lines laid over their sentences' time for the target language, then checked."""
    timed = cues_from_translations(sentences, [line.target for line in draft.lines], profile, cuts, duration_ms)
    speech_starts = [t.speech_start_ms for t in timed]
    cues = attribute([t.cue for t in timed], speech_starts, sentences, source)
    violations = check_track(cues, profile, cuts, [Speech(t.speech_start_ms, t.speech_end_ms) for t in timed])
    violations += qa_violations(draft, speech_starts)
    violations.sort(key=lambda v: v.cue)
    return _Fitted(cues, speech_starts, violations)


def _line_of_cue(fitted: _Fitted, sentences: list[Sentence]) -> list[int]:
    """The draft line (one per sentence) each cue shows."""
    position = {id(sentence): index for index, sentence in enumerate(sentences)}
    return [position[id(owner(sentences, start))] for start in fitted.speech_starts]


def _budgets(fitted: _Fitted, sentences: list[Sentence], rules: LanguageRules) -> tuple[list[int], dict[int, Budget]]:
    lines = _line_of_cue(fitted, sentences)
    return lines, budgets(lines, [cue.end_ms - cue.start_ms for cue in fitted.cues], rules)


def _condensed(call: StageCall, draft: Draft, fitted: _Fitted, refit: Callable[[Draft], _Fitted],
               sentences: list[Sentence], source: list[Cue], rules: LanguageRules
               ) -> tuple[_Fitted, list[Condensed], Usage]:
    """The lines over the reading speed shortened by the llm engine where an answer passes its checks, the track
    fitted again, and its reading-speed findings given their lines' budgets."""
    machine = call.engine(f"mt.{draft.language}")  # LlmMt: preflight made sure the job uses llm for the language
    tokens_before = machine.tokens
    lines, budget = _budgets(fitted, sentences, rules)
    long = worth_sending(draft, {lines[v.cue - 1] for v in fitted.violations if v.rule == "reading_speed"}, budget,
                         rules)
    glossaries = [load_glossary(path) for name, path in call.inputs.items() if name.startswith("glossary")]
    draft, condensed = condense(draft, long, machine.engine, rules, source_language=call.settings["source_language"],
                                speakers=[source[s.cue_indexes[0]].speaker for s in sentences],
                                glossaries=glossaries, characters=call.settings["characters"])
    fitted = refit(draft)
    lines, budget = _budgets(fitted, sentences, rules)
    refused = {c.line: c.refused for c in condensed}
    fitted = replace(fitted, violations=with_budgets(fitted.violations, lines, budget, draft, refused, rules))
    return fitted, condensed, Usage(llm_tokens=machine.tokens - tokens_before)


def _fit(call: StageCall, text: str, cues: str) -> Usage | None:
    settings: dict[str, Any] = call.settings
    language = settings["language"]
    probe = read_json(call.inputs["probe"])
    cuts = tuple(read_json(call.inputs["shots"])["cuts_ms"])
    source = cues_from_json(read_json(call.inputs[cues]))
    sentences = sentences_from_cues(source, settings["source_language"])
    draft = Draft.from_json(read_json(call.inputs[text]))
    profile = episode_profile(settings["subtitles"], language, probe)

    def fit(lines: Draft) -> _Fitted:
        return _fitted(lines, sentences, source, profile, cuts, probe["duration_ms"])

    fitted, condensed, usage = fit(draft), None, None
    if settings.get("condense"):
        fitted, condensed, usage = _condensed(call, draft, fitted, fit, sentences, source, profile.language)
    atomic_write_json(call.output(f"cues.{language}"), cues_to_json(fitted.cues, language))
    qc = report(fitted.cues, fitted.violations, profile)
    if condensed is not None:
        qc["condensed"] = [c.to_json() for c in condensed]  # what the engine changed, and what it was refused
    atomic_write_json(call.output(qc_artifact(f"fit.{language}")), qc)
    return usage


def _check_condense(job: Job, language: str) -> None:
    if job.translation.condense and "llm" not in job.translation.engines_for(language):
        raise BadInput(f"{job.path}: translation.condense shortens lines with the llm engine, which the job does not "
                       f"use for {language}: add llm to translation.engines (e.g. engines: [tm, llm]), or set "
                       "condense: false")


def fit_stage(language: str, job: Job, reviewed: bool = False) -> Stage:
    """Fit lays out the reviewed text when the episode has a review stage, else the draft. Condensing
    (``translation.condense``) adds the llm engine, the glossaries and the character sheet to what fit reads,
    and prices its tokens; without it the stage reads exactly what it always did."""
    condensing = job.translation.condense
    text = f"reviewed.{language}" if reviewed else f"draft.{language}"

    def reads(j: Job) -> dict[str, Any]:
        settings = {"language": language, "source_language": j.source_language, "subtitles": j.subtitles}
        if j.translation.condense:
            settings |= {"condense": True, "llm": j.translation.llm, "characters": j.characters}
        return settings

    glossaries = tuple(name for name in job_files(job) if name.startswith("glossary")) if condensing else ()
    cues = cues_artifact(job)
    return Stage(f"fit.{language}", 2, needs=(text, cues, "probe", "shots", *glossaries),
                 makes={f"cues.{language}": f"cues.{language}.json", qc_artifact(f"fit.{language}"): "qc.json"},
                 action=partial(_fit, text=text, cues=cues), force_group="fit", language=language, reads=reads,
                 preflight=lambda j: _check_condense(j, language),
                 engines=(f"mt.{language}",) if condensing else (),
                 priced=("compute", "translation") if condensing else ("compute",))
