"""Run a job: check every input first, then walk each episode's stage chain, skipping stages whose
cache key is unchanged and whose outputs are intact.

cache key = SHA-256 of (stage name, stage version, the hashes of its input artifacts, the config slice
it reads). Content hashes decide, never timestamps; a killed run resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localize import band, burn, media
from localize.costs.auto import record_stage
from localize.costs.money import rate_for
from localize.errors import BadInput
from localize.formats import read_track
from localize.glossary import load_glossary
from localize.job import Episode, Job
from localize.models import resolve_whisper_model
from localize.progress import Reporter
from localize.stages import ALL_STAGES, Stage, StageCall, Tools, chain_for, sources_of
from localize.store import StageResult, WorkStore
from localize.translate.engines import check_engine, machine_engine_name


def cache_key(stage: Stage, input_hashes: dict[str, str], settings: dict[str, Any]) -> str:
    payload = {"stage": stage.name, "version": stage.version, "inputs": input_hashes, "settings": settings}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def preflight(job: Job, episodes: tuple[Episode, ...]) -> None:
    """Fail on bad media, subtitles or models before a single file is written."""
    for episode in episodes:
        media.require_audio(media.probe(episode.video))
        if episode.subtitles:
            read_track(episode.subtitles, job.source_language)
    if any(not e.subtitles for e in episodes):
        resolve_whisper_model(job.asr.model)
    currency = job.costs.rate_card["currency"]
    if currency != "CNY":  # automatic cost entries must be priceable before the first stage runs
        rate_for(job.costs.rates, currency, dt.datetime.now(dt.timezone.utc).date(), job.path)
    for path in job.glossaries:
        load_glossary(path)  # a glossary with lint errors must not silently steer a translation
    for language in job.targets:
        engine = machine_engine_name(job.translation.engines_for(language))
        if engine:
            check_engine(engine, job.source_language, language, job.translation.llm)
    if job.delivery and not job.targets:
        raise BadInput(f"{job.path}: delivery names {', '.join(p.name for p in job.delivery)} but targets is "
                       "empty: a package carries subtitles in the target languages; add e.g. targets: [en]")
    for profile in job.delivery:
        if profile.subtitles == "burned":
            burn.require_font_for_language(job.targets[0])
        if profile.detects_band:
            band.require_ocr()


def check_force(names: tuple[str, ...], job: Job) -> set[str]:
    """Stage names to re-run; ``translate`` means every target language, ``all`` every stage."""
    translations = {f"translate.{language}" for language in job.targets}
    known = {s.name for s in ALL_STAGES} | translations | {f"package.{p.name}" for p in job.delivery}
    unknown = [n for n in names if n not in known | {"all", "translate"}]
    if unknown:
        raise BadInput(f"--force {unknown[0]}: no such stage; stages are {', '.join(sorted(known))} "
                       "(or translate, or all)")
    if "all" in names:
        return known
    return set(names) - {"translate"} | (translations if "translate" in names else set())


@dataclass
class StageOutcome:
    stage: str
    status: str  # "ran" or "cached"
    seconds: float
    artifacts: dict[str, str]


@dataclass
class EpisodeOutcome:
    id: str
    stages: list[StageOutcome] = field(default_factory=list)
    error: str | None = None
    qc: dict[str, Any] = field(default_factory=dict)  # artifact path -> QC summary, for every track written

    @property
    def qc_failed(self) -> bool:
        return any(not report["passed"] for report in self.qc.values())


class Runner:
    """Runs episodes through their chains in one work store with one set of loaded tools."""

    def __init__(self, job: Job, store: WorkStore, tools: Tools, reporter: Reporter, force: set[str]):
        self.job, self.store, self.tools, self.reporter, self.force = job, store, tools, reporter, force

    def run_episode(self, episode: Episode) -> EpisodeOutcome:
        outcome = EpisodeOutcome(episode.id)
        paths: dict[str, Path] = dict(sources_of(episode, self.job))
        hashes = {name: self.store.file_hash(path) for name, path in paths.items()}
        for stage in chain_for(episode, self.job):
            key = cache_key(stage, {n: hashes[n] for n in stage.needs}, stage.settings(self.job))
            previous = self.store.result(episode.id, stage.name)
            self.reporter.stage_started(episode.id, stage.name)
            if stage.name not in self.force and previous and previous.cache_key == key and self._intact(previous):
                result, status = previous, "cached"
            else:
                result, status = self._execute(stage, episode, key, paths), "ran"
            for name, output in result.outputs.items():
                paths[name] = self.store.root / output["path"]
                hashes[name] = output["sha256"]
            self.reporter.stage_finished(episode.id, stage.name, status == "cached", result.seconds)
            outcome.stages.append(StageOutcome(stage.name, status, round(result.seconds, 3) if status == "ran" else 0.0,
                                               {n: o["path"] for n, o in result.outputs.items()}))
            if "qc" in result.outputs:
                qc = json.loads((self.store.root / result.outputs["qc"]["path"]).read_text(encoding="utf-8"))
                outcome.qc[result.outputs["qc"]["path"]] = {k: v for k, v in qc.items() if k != "violations"}
        return outcome

    def _intact(self, result: StageResult) -> bool:
        """Outputs still on disk with the recorded content (someone may have deleted or edited them)."""
        for output in result.outputs.values():
            path = self.store.root / output["path"]
            if not path.is_file() or self.store.file_hash(path) != output["sha256"]:
                return False
        return True

    def _execute(self, stage: Stage, episode: Episode, key: str, paths: dict[str, Path]) -> StageResult:
        started = time.monotonic()
        try:
            with self.store.staging(episode.id, stage.name) as staging:
                call = StageCall(self.job, episode, {n: paths[n] for n in stage.needs}, staging, self.tools,
                                 self.reporter.stage_progress)
                stage.action(call, stage)
                outputs = {}
                for name in stage.makes:
                    file_name = stage.file_name(name, self.job, episode)
                    outputs[name] = {"path": f"{episode.id}/{stage.name}/{file_name}",
                                     "sha256": self.store.file_hash(staging / file_name)}
                self.store.publish(staging, episode.id, stage.name)
        except BadInput as exc:
            self.store.record_failure(episode.id, stage.name, str(exc))
            raise
        seconds = time.monotonic() - started
        self.store.record_result(episode.id, stage.name, key, outputs, seconds)
        # the cost ledger sees every run
        record_stage(self.store.db, self.job, episode, stage.name, seconds, self.tools.ran_on_gpu(stage.name))
        return StageResult(key, outputs, seconds, "")


def run_job(job: Job, episodes: tuple[Episode, ...], work_dir: Path, force: set[str], reporter: Reporter,
            ffmpeg_binary: str, command: str) -> list[EpisodeOutcome]:
    """Run the chosen episodes; an episode whose input is bad is reported and the others go on."""
    store = WorkStore(work_dir)
    outcomes: list[EpisodeOutcome] = []
    try:
        with store.lock(command):
            store.clean_stale_staging()
            runner = Runner(job, store, Tools(job, ffmpeg_binary, store), reporter, force)
            for episode in episodes:
                try:
                    outcomes.append(runner.run_episode(episode))
                except BadInput as exc:
                    outcomes.append(EpisodeOutcome(episode.id, error=str(exc)))
    finally:
        store.close()
    return outcomes


@dataclass(frozen=True)
class StageStatus:
    episode: str
    stage: str
    state: str  # done, stale, pending, failed
    detail: str


def job_status(job: Job, work_dir: Path) -> list[StageStatus]:
    """What each episode's stages look like now, without running anything or writing to the work dir."""
    store = WorkStore(work_dir)
    rows: list[StageStatus] = []
    for episode in job.episodes:
        hashes: dict[str, str] | None = {}
        for name, path in sources_of(episode, job).items():
            hashes[name] = store.file_hash(path) if store.exists() else ""
        for stage in chain_for(episode, job):
            result = store.result(episode.id, stage.name)
            failure = store.failure(episode.id, stage.name)
            if result is None or hashes is None:
                state, detail = ("failed", failure) if failure else ("pending", "")
                hashes = None
            else:
                key = cache_key(stage, {n: hashes.get(n, "") for n in stage.needs}, stage.settings(job))
                state = "done" if key == result.cache_key else "stale"
                detail = f"{result.seconds:.1f}s at {result.finished_at}"
                hashes.update({n: o["sha256"] for n, o in result.outputs.items()})
            rows.append(StageStatus(episode.id, stage.name, state, detail))
    store.close()
    return rows
