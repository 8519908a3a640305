"""The runner: turn a job into its stage graph, skip stages whose cache key is unchanged and whose outputs are
intact, hand the rest to an executor, and record each result.

cache key = SHA-256 of (stage name, stage version, the hashes of its input artifacts, the job slice it reads).
Content hashes decide, never timestamps. Only the runner writes state: a finished stage's files are published
(renamed into place), then its result, its usage and its cost ledger entries are committed in one SQLite
transaction. Killed at any instant, the next run finds either all of it or none of it (and then runs the stage
again), so a ledger entry is never lost and never counted twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localize import media
from localize.costs import ledger
from localize.costs.auto import StageRun, stage_costs
from localize.costs.money import rate_for
from localize.costs.policies import load_policy
from localize.errors import BadInput
from localize.executors import Executor, Task, TaskResult, make_executor
from localize.job import Episode, Job
from localize.progress import Reporter
from localize.stages.graph import EpisodeGraph, build_graph
from localize.stages.registry import Stage, qc_artifact, qc_findings, qc_rule
from localize.store import StageResult, WorkStore

FAULT_ENV = "LOCALIZE_TEST_KILL_AT"  # test-only: "<point>:<stage>" makes the runner kill itself (SIGKILL) there
FAULT_POINTS = ("published", "result-written", "ledger-written", "committed")


def cache_key(stage: Stage, input_hashes: dict[str, str], settings: Any) -> str:
    payload = {"stage": stage.name, "version": stage.version, "inputs": input_hashes, "settings": settings}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Preflight:
    """A job checked to run: the chosen episodes' graphs, the stages to re-run, the ffmpeg binary stages call."""

    graphs: list[EpisodeGraph]
    forced: set[str]
    ffmpeg: str


def preflight(job: Job, episodes: tuple[Episode, ...], force: tuple[str, ...] = ()) -> Preflight:
    """Fail on bad media, subtitles, models, engines, fonts, rates or policy before a single file is written.
    ``localize run`` and ``localize job check`` both call this, so a job check refuses every job that ``run`` would
    refuse before its first stage."""
    graphs = build_graph(job, episodes)
    forced = check_force(force, job)
    for graph in graphs:
        for stage in graph.stages:
            if stage.check_episode:
                stage.check_episode(job, graph.episode)
    currency = job.costs.rate_card["currency"]
    if currency != "CNY":  # automatic cost entries must be priceable before the first stage runs
        rate_for(job.costs.rates, currency, dt.datetime.now(dt.timezone.utc).date(), job.path)
    if job.costs.policy:  # a claim is made long after the run: a misspelt policy must not wait until then
        try:
            load_policy(job.costs.policy)
        except BadInput as exc:
            raise BadInput(f"{job.path}: costs.policy: {str(exc).removeprefix('--policy: ')}") from None
    checked: set[str] = set()
    for stage in (stage for graph in graphs for stage in graph.stages):
        if stage.preflight and stage.name not in checked:
            checked.add(stage.name)
            stage.preflight(job)
    return Preflight(graphs, forced, media.find_ffmpeg())


def check_force(names: tuple[str, ...], job: Job) -> set[str]:
    """Stage names to re-run: a stage's name, a group (``translate``: every draft, ``fit``, ``package``), or ``all``."""
    stages = [stage for graph in build_graph(job, job.episodes[:1]) for stage in graph.stages]
    known = {stage.name for stage in stages}
    groups = {stage.force_group for stage in stages if stage.force_group}
    unknown = [name for name in names if name not in known | groups | {"all"}]
    if unknown:
        raise BadInput(f"--force {unknown[0]}: no such stage; stages are {', '.join(sorted(known))} "
                       f"(or {', '.join(sorted(groups | {'all'}))})")
    if "all" in names:
        return known
    return {stage.name for stage in stages if stage.name in names or stage.force_group in names}


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
    errors: list[dict[str, Any]] = field(default_factory=list)  # {stage, message, exit_code} of each failed stage
    blocked: list[dict[str, str]] = field(default_factory=list)  # {stage, reason}: not run, an input is missing
    qc: dict[str, Any] = field(default_factory=dict)  # artifact path -> QC summary, for every report written


@dataclass
class _EpisodeRun:
    """Where one episode stands during a run."""

    graph: EpisodeGraph
    outcome: EpisodeOutcome
    paths: dict[str, Path]
    hashes: dict[str, str]
    waiting: list[Stage]
    running: set[str] = field(default_factory=set)
    must_run: set[str] = field(default_factory=set)  # ready stages whose cache missed: they wait for a free slot
    missing: dict[str, str] = field(default_factory=dict)  # artifact -> why it will not be made this run
    flagged: dict[str, str] = field(default_factory=dict)  # artifact -> the failed QC verdict it carries


def _kill_at(point: str, stage: str) -> None:
    """The crash tests' hook: die here, as a power cut or kill -9 would."""
    if os.environ.get(FAULT_ENV) == f"{point}:{stage}":
        os.kill(os.getpid(), signal.SIGKILL)


class Runner:
    """Runs the graphs of some episodes in one work store, with one executor."""

    def __init__(self, job: Job, store: WorkStore, executor: Executor, reporter: Reporter, force: set[str],
                 fail_fast: bool = False):
        self.job, self.store, self.executor, self.reporter, self.force = job, store, executor, reporter, force
        self.fail_fast = fail_fast
        self.running = 0
        self.stopped = False  # --fail-fast after a failure: running stages finish, no new ones start

    def run(self, graphs: list[EpisodeGraph]) -> list[EpisodeOutcome]:
        runs = []
        for graph in graphs:
            hashes = {name: self.store.file_hash(path) for name, path in graph.sources.items()}
            runs.append(_EpisodeRun(graph, EpisodeOutcome(graph.episode.id), dict(graph.sources), hashes,
                                    list(graph.stages)))
        by_id = {run.graph.episode.id: run for run in runs}
        self.reporter.run_started(sum(len(graph.stages) for graph in graphs))
        while True:
            self._schedule(runs)
            if not self.running:
                break
            for result in self.executor.wait():
                self.running -= 1
                self._finish(by_id[result.task.episode.id], result)
        return [run.outcome for run in runs]

    def _schedule(self, runs: list[_EpisodeRun]) -> None:
        """Take every ready stage in episode order: cached ones are done at once, the rest fill free slots."""
        progressed = True
        while progressed:
            progressed = False
            for run in runs:
                for stage in list(run.waiting):
                    if self.stopped:
                        return
                    reason = self._blocked(run, stage)
                    if reason:
                        self._block(run, stage, reason)
                        progressed = True
                        continue
                    if any(need not in run.hashes for need in stage.needs):
                        continue
                    if stage.name not in run.must_run and self._try_cached(run, stage):
                        progressed = True
                        continue
                    run.must_run.add(stage.name)
                    if self.running < self.executor.slots:
                        self._submit(run, stage)
                        progressed = True

    def _blocked(self, run: _EpisodeRun, stage: Stage) -> str:
        """Why ``stage`` cannot run this time: an input will not be made, or (for a delivery) it failed QC."""
        for need in stage.needs:
            if need in run.missing:
                return run.missing[need]
            if stage.delivers and need in run.flagged and not self.job.qc.deliver_flagged:
                return f"{run.flagged[need]} (qc: {{deliver_flagged: true}} delivers it anyway, flagged)"
        return ""

    def _block(self, run: _EpisodeRun, stage: Stage, reason: str) -> None:
        run.waiting.remove(stage)
        run.outcome.blocked.append({"stage": stage.name, "reason": reason})
        run.missing.update({artifact: reason for artifact in stage.makes})
        self.reporter.stage_blocked(run.graph.episode.id, stage.name, reason)

    def _key(self, run: _EpisodeRun, stage: Stage) -> str:
        return cache_key(stage, {n: run.hashes[n] for n in stage.needs}, stage.settings_key(self.job))

    def _try_cached(self, run: _EpisodeRun, stage: Stage) -> bool:
        previous = self.store.result(run.graph.episode.id, stage.name)
        if stage.name in self.force or previous is None or previous.cache_key != self._key(run, stage):
            return False
        if not self._intact(previous):
            return False
        run.waiting.remove(stage)
        self.reporter.stage_started(run.graph.episode.id, stage.name)
        self._done(run, stage, previous.outputs, "cached", 0.0)
        return True

    def _submit(self, run: _EpisodeRun, stage: Stage) -> None:
        episode = run.graph.episode
        run.waiting.remove(stage)
        run.running.add(stage.name)
        self.reporter.stage_started(episode.id, stage.name)
        staging = self.store.new_staging(episode.id, stage.name)
        self.executor.submit(Task(episode, stage.name, {n: run.paths[n] for n in stage.needs}, staging))
        self.running += 1

    def _intact(self, result: StageResult) -> bool:
        """Outputs still on disk with the recorded content (someone may have deleted or edited them)."""
        for output in result.outputs.values():
            path = self.store.root / output["path"]
            if not path.is_file() or self.store.file_hash(path) != output["sha256"]:
                return False
        return True

    def _finish(self, run: _EpisodeRun, result: TaskResult) -> None:
        episode, stage = run.graph.episode, run.graph.stage(result.task.stage)
        run.running.discard(stage.name)
        if result.error is not None:
            self.store.discard_staging(result.task.out)
            self.store.record_failure(episode.id, stage.name, str(result.error))
            run.outcome.errors.append({"stage": stage.name, "message": str(result.error),
                                       "exit_code": result.error.exit_code})
            run.missing.update({artifact: f"{stage.name} failed: {result.error}" for artifact in stage.makes})
            self.reporter.stage_failed(episode.id, stage.name, str(result.error))
            self.stopped = self.fail_fast
            return
        key = self._key(run, stage)
        outputs = {name: {"path": f"{episode.id}/{stage.name}/{file}", "sha256": result.hashes[name]}
                   for name, file in stage.makes.items()}
        self.store.publish(result.task.out, episode.id, stage.name)
        _kill_at("published", stage.name)
        self._commit(episode, stage, key, outputs, result)
        _kill_at("committed", stage.name)
        self._done(run, stage, outputs, "ran", result.seconds)

    def _commit(self, episode: Episode, stage: Stage, key: str, outputs: dict[str, dict[str, str]],
                result: TaskResult) -> None:
        """The stage's result, its usage and its priced ledger entries: one transaction."""
        card, language = self.job.costs.rate_card, stage.language
        with self.store.transaction() as db:
            self.store.record_result(episode.id, stage.name, key, outputs, result.seconds, result.usage.to_json())
            _kill_at("result-written", stage.name)
            run = StageRun(self.job.series.title, episode.id, stage.name, language, result.seconds, result.usage)
            for cost in stage_costs(run, stage.priced, card, self.job.source_language,
                                    lambda item: ledger.has_auto_entry(db, item, episode.id, language)):
                ledger.append(db, cost, self.job.costs.rates, self.job.path)
            _kill_at("ledger-written", stage.name)

    def _done(self, run: _EpisodeRun, stage: Stage, outputs: dict[str, dict[str, str]], status: str,
              seconds: float) -> None:
        for name, output in outputs.items():
            run.paths[name] = self.store.root / output["path"]
            run.hashes[name] = output["sha256"]
        episode = run.graph.episode.id
        self.reporter.stage_finished(episode, stage.name, status == "cached", seconds)
        run.outcome.stages.append(StageOutcome(stage.name, status, round(seconds, 3),
                                               {n: o["path"] for n, o in outputs.items()}))
        inherited = next((run.flagged[need] for need in stage.needs if need in run.flagged), None)
        if inherited:  # made from an artifact that failed QC (the dub's mix of a dub cut short): flagged too
            run.flagged.update({name: inherited for name in outputs if name != qc_artifact(stage.name)})
        report = outputs.get(qc_artifact(stage.name))
        if report:
            qc = json.loads((self.store.root / report["path"]).read_text(encoding="utf-8"))
            run.outcome.qc[report["path"]] = {k: v for k, v in qc.items() if k not in ("violations", "warnings")}
            if not qc["passed"]:
                verdict = qc_verdict(stage.name, qc, self.store.root / report["path"])
                # A check that makes nothing else (the dub's intelligibility) flags its report: what needs it waits.
                made = [name for name in outputs if name != qc_artifact(stage.name)] or list(outputs)
                run.flagged.update({name: verdict for name in made})
                self.stopped = self.fail_fast


def qc_verdict(stage: str, qc: dict[str, Any], report: Path) -> str:
    """One line saying what failed QC and where to read every violation."""
    found = qc_findings(qc)
    rules = sorted({qc_rule(item) for item in found})
    first = found[0] if found else {}
    where = f"cue {first['cue']}: " if "cue" in first else ""
    shown = f"{where}{qc_rule(first)} {first.get('measured', '')}".strip()
    return (f"{stage} failed QC ({len(found)} violations: {', '.join(rules)}; first: {shown}); "
            f"see: localize qc show {report}")


def run_job(job: Job, graphs: list[EpisodeGraph], work_dir: Path, force: set[str], reporter: Reporter,
            ffmpeg_binary: str, command: str, jobs: int = 1, fail_fast: bool = False,
            finished: Callable[[list[EpisodeOutcome]], None] | None = None) -> list[EpisodeOutcome]:
    """Run the episodes' graphs. A failure stops only the stages that need what it would have made (with
    ``fail_fast``, every stage not yet started); the others go on. ``finished`` gets the outcomes while the work
    dir is still locked (the series report is written there, so no other run can change the store under it)."""
    store = WorkStore(work_dir)
    try:
        with store.lock(command):
            store.clean_stale_staging()
            uses_whisper = any("whisper" in stage.engines for graph in graphs for stage in graph.stages)
            executor = make_executor(jobs, job, ffmpeg_binary, store.cache_path, reporter.stage_progress,
                                     uses_whisper, reporter.note)
            try:
                outcomes = Runner(job, store, executor, reporter, force, fail_fast).run(graphs)
            finally:
                executor.close()
            if finished:
                finished(outcomes)
            return outcomes
    finally:
        store.close()


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
    for graph in build_graph(job, job.episodes):
        episode = graph.episode
        hashes = {name: store.file_hash(path) if store.exists() else "" for name, path in graph.sources.items()}
        for stage in graph.stages:
            result = store.result(episode.id, stage.name)
            failure = store.failure(episode.id, stage.name)
            if result is None or any(need not in hashes for need in stage.needs):
                state, detail = ("failed", failure) if failure else ("pending", "")
            else:
                key = cache_key(stage, {n: hashes[n] for n in stage.needs}, stage.settings_key(job))
                state = "done" if key == result.cache_key else "stale"
                detail = f"{result.seconds:.1f}s at {result.finished_at}"
                hashes.update({n: o["sha256"] for n, o in result.outputs.items()})
            rows.append(StageStatus(episode.id, stage.name, state, detail))
    store.close()
    return rows


@dataclass(frozen=True)
class CueFile:
    """One episode's cues in one language, as the run left them."""

    episode: str
    language: str
    path: Path | None  # None: the stage that makes it has not run, or its inputs changed since
    state: str  # done, stale, pending, failed


def current_outputs(job: Job, work_dir: Path) -> dict[tuple[str, str], tuple[str, dict[str, Path]]]:
    """(episode, stage) → (its state, and its artifacts' paths when done and its inputs unchanged since)."""
    states = {(row.episode, row.stage): row.state for row in job_status(job, work_dir)}
    store = WorkStore(work_dir)
    found = {}
    for (episode, stage), state in states.items():
        result = store.result(episode, stage) if state == "done" else None
        paths = {name: store.root / output["path"] for name, output in result.outputs.items()} if result else {}
        found[(episode, stage)] = (state, paths)
    store.close()
    return found


def cue_files(job: Job, work_dir: Path, episodes: tuple[Episode, ...]) -> list[CueFile]:
    """The source cues and every target language's fitted cues of some episodes, for ``localize export``."""
    outputs = current_outputs(job, work_dir)
    found = []
    wanted = [("source_cues", "cues", job.source_language)]
    wanted += [(f"fit.{language}", f"cues.{language}", language) for language in job.targets]
    for episode in episodes:
        for stage, artifact, language in wanted:
            state, paths = outputs[(episode.id, stage)]
            found.append(CueFile(episode.id, language, paths.get(artifact), state))
    return found
