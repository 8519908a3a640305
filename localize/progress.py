"""Progress for long work: a rich bar on a terminal, plain one-line-per-event text otherwise (CI logs).

Both write to stderr so ``--json`` output on stdout stays machine-readable.
"""

from __future__ import annotations

import sys
import time
from typing import Protocol

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn


class Reporter(Protocol):
    def stage_started(self, episode: str, stage: str) -> None: ...
    def stage_progress(self, fraction: float) -> None: ...
    def stage_finished(self, episode: str, stage: str, cached: bool, seconds: float) -> None: ...
    def close(self) -> None: ...


class PlainReporter:
    """One line per finished stage, plus a line every 10 % of a long stage."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self._last_tenth = 0

    def stage_started(self, episode: str, stage: str) -> None:
        self._last_tenth = 0
        self._current = f"{episode} {stage}"

    def stage_progress(self, fraction: float) -> None:
        tenth = int(fraction * 10)
        if tenth > self._last_tenth and tenth < 10:
            self._last_tenth = tenth
            print(f"  {self._current} {tenth * 10}%", file=self.stream, flush=True)

    def stage_finished(self, episode: str, stage: str, cached: bool, seconds: float) -> None:
        state = "cached" if cached else f"done in {seconds:.1f}s"
        print(f"{episode} {stage}: {state}", file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichReporter:
    """A live bar for the stage in flight; finished stages stay printed above it."""

    def __init__(self):
        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                 TimeElapsedColumn(), console=self.console, transient=True)
        self.progress.start()
        self.task: TaskID | None = None
        self.started = time.monotonic()

    def stage_started(self, episode: str, stage: str) -> None:
        self.task = self.progress.add_task(f"{episode} {stage}", total=1.0)

    def stage_progress(self, fraction: float) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=fraction)

    def stage_finished(self, episode: str, stage: str, cached: bool, seconds: float) -> None:
        if self.task is not None:
            self.progress.remove_task(self.task)
            self.task = None
        state = "[dim]cached[/dim]" if cached else f"[green]done[/green] in {seconds:.1f}s"
        self.progress.console.print(f"{episode} {stage}: {state}")

    def close(self) -> None:
        self.progress.stop()


def make_reporter() -> Reporter:
    return RichReporter() if sys.stderr.isatty() else PlainReporter()
