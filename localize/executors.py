"""Executors run ready stages: ``serial`` in this process, or a local process pool (``localize run --jobs N``).

The runner hands an executor ``Task``s (a stage of an episode, its input files and a staging folder) and takes
back ``TaskResult``s (the staged files' hashes, the usage, the seconds, or the user's error). Executors never
touch the work store's state: the runner publishes and commits every result itself, in this process. A
``Worker`` holds one process's engines, so every model is loaded once per worker. Another executor (Ray) only
has to run ``Worker.run`` somewhere and return its result.
"""

from __future__ import annotations

import multiprocessing
import queue
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Protocol

from localize.children import die_with_parent
from localize.costs.usage import Usage
from localize.cpus import engine_threads
from localize.errors import LocalizeError
from localize.job import Episode, Job
from localize.stages.graph import episode_stages
from localize.stages.registry import Stage, StageCall
from localize.store import sha256_file

Progress = Callable[[str, str, float], None]  # episode, stage, fraction done

# What one worker may need, for the memory guard: Whisper base int8 with its decoding buffers, else the
# interpreter with ffmpeg children, OCR and the translation memory.
WHISPER_WORKER_BYTES = 1536 << 20
LIGHT_WORKER_BYTES = 512 << 20


@dataclass(frozen=True)
class Task:
    episode: Episode
    stage: str
    inputs: dict[str, Path]
    out: Path  # the staging folder the stage writes into


@dataclass(frozen=True)
class TaskResult:
    task: Task
    hashes: dict[str, str]  # artifact -> SHA-256 of the staged file
    usage: Usage
    seconds: float
    error: LocalizeError | None = None  # the user's to fix: the runner records it and goes on


class Worker:
    """Runs tasks in one process with that process's engines."""

    def __init__(self, job: Job, ffmpeg: str, cache_path: Path, progress: Progress, cpu_threads: int):
        from localize.engines import Engines  # every engine's wrapper: loaded by workers, not by `localize status`

        self.job, self.progress = job, progress
        self.engines = Engines(job, ffmpeg, cache_path, cpu_threads)
        self._stages: dict[str, dict[str, Stage]] = {}

    def stage(self, episode: Episode, name: str) -> Stage:
        if episode.id not in self._stages:
            self._stages[episode.id] = {s.name: s for s in episode_stages(episode, self.job)}
        return self._stages[episode.id][name]

    def run(self, task: Task) -> TaskResult:
        stage = self.stage(task.episode, task.stage)
        episode = task.episode.id
        call = StageCall(task.episode, task.inputs, task.out, stage.reads(self.job), stage.makes,
                         lambda fraction: self.progress(episode, stage.name, fraction), self.engines, stage.engines)
        started = time.monotonic()
        try:
            usage = stage.action(call) or Usage()
        except LocalizeError as error:
            return TaskResult(task, {}, Usage(), time.monotonic() - started, error)
        hashes = {name: sha256_file(task.out / file) for name, file in stage.makes.items()}
        return TaskResult(task, hashes, usage, time.monotonic() - started)


class Executor(Protocol):
    slots: int  # tasks that may run at once

    def submit(self, task: Task) -> None: ...

    def wait(self) -> list[TaskResult]:
        """Block until at least one submitted task has finished; return every finished one."""

    def close(self) -> None: ...


class SerialExecutor:
    """One task at a time, in this process: the default, and what tests and debuggers want."""

    slots = 1

    def __init__(self, worker: Worker):
        self.worker = worker
        self._queue: list[Task] = []

    def submit(self, task: Task) -> None:
        self._queue.append(task)

    def wait(self) -> list[TaskResult]:
        return [self.worker.run(self._queue.pop(0))] if self._queue else []

    def close(self) -> None:
        pass


_worker: Worker | None = None  # this pool process's worker, set once by its initializer


def _start_worker(job: Job, ffmpeg: str, cache_path: Path, cpu_threads: int, updates: multiprocessing.Queue) -> None:
    global _worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the runner's to handle: it stops the pool
    die_with_parent(multiprocessing.parent_process().pid)  # a killed runner takes its workers (and their ffmpeg)
    _worker = Worker(job, ffmpeg, cache_path, lambda *update: updates.put(update), cpu_threads)


def _run_task(task: Task) -> TaskResult:
    assert _worker is not None, "the pool's initializer sets the worker"
    return _worker.run(task)


class PoolExecutor:
    """A local process pool: each process loads its engines once; progress comes back through a queue."""

    def __init__(self, workers: int, job: Job, ffmpeg: str, cache_path: Path, progress: Progress):
        context = multiprocessing.get_context("spawn")  # no inherited SQLite handles, locks or threads
        self.slots, self.progress = workers, progress
        self._updates = context.Queue()
        threads = engine_threads(workers)
        self._pool = context.Pool(workers, initializer=_start_worker,
                                  initargs=(job, ffmpeg, cache_path, threads, self._updates))
        self._running: list[AsyncResult] = []

    def submit(self, task: Task) -> None:
        self._running.append(self._pool.apply_async(_run_task, (task,)))

    def wait(self) -> list[TaskResult]:
        while self._running:
            self._drain()
            done = [result for result in self._running if result.ready()]
            if done:
                self._running = [result for result in self._running if not result.ready()]
                return [result.get() for result in done]  # a bug in a stage re-raises here, with its traceback
            time.sleep(0.05)
        return []

    def _drain(self) -> None:
        while True:
            try:
                self.progress(*self._updates.get_nowait())
            except queue.Empty:
                return

    def close(self) -> None:
        """After a normal run the workers exit; after Ctrl-C or an error, stages still running are stopped."""
        if self._running:
            self._pool.terminate()
        else:
            self._pool.close()
        self._pool.join()
        self._updates.close()
        self._updates.join_thread()


def memory_available() -> int | None:
    """Bytes the kernel says can be allocated without swapping (None where /proc/meminfo is missing)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def pool_size(requested: int, per_worker: int, available: int | None) -> int:
    """The memory guard: no more workers than the available memory holds, and never fewer than one."""
    if available is None:
        return requested
    return max(1, min(requested, available // per_worker))


def make_executor(jobs: int, job: Job, ffmpeg: str, cache_path: Path, progress: Progress, uses_whisper: bool,
                  note: Callable[[str], None]) -> Executor:
    """A pool of as many workers as asked and free memory holds; one worker runs in this process."""
    workers = 1
    if jobs > 1:
        per_worker = WHISPER_WORKER_BYTES if uses_whisper else LIGHT_WORKER_BYTES
        available = memory_available()
        workers = pool_size(jobs, per_worker, available)
        if workers < jobs:
            note(f"--jobs {jobs}: {workers} worker(s) fit in the {(available or 0) >> 20} MiB of free memory "
                 f"(about {per_worker >> 20} MiB each); running {workers}")
    if workers == 1:
        return SerialExecutor(Worker(job, ffmpeg, cache_path, progress, engine_threads()))
    return PoolExecutor(workers, job, ffmpeg, cache_path, progress)
