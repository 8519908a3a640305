"""Progress for long work: rich bars on a terminal (one per stage in flight, several when ``--jobs`` runs them
side by side), plain one-line-per-event text otherwise (CI logs).

Both write to stderr so ``--json`` output on stdout stays machine-readable. The runner and the executors call a
``Reporter``; only the CLI makes one.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rich.progress import TaskID


class Reporter(Protocol):
    def run_started(self, stages: int) -> None: ...
    def stage_started(self, episode: str, stage: str) -> None: ...
    def stage_progress(self, episode: str, stage: str, fraction: float) -> None: ...
    def stage_finished(self, episode: str, stage: str, cached: bool, seconds: float) -> None: ...
    def stage_failed(self, episode: str, stage: str, message: str) -> None: ...
    def stage_blocked(self, episode: str, stage: str, reason: str) -> None: ...
    def note(self, message: str) -> None: ...
    def close(self) -> None: ...


class PlainReporter:
    """One line per finished stage, plus a line every 10 % of a long stage."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self._last_tenth: dict[tuple[str, str], int] = {}
        self.total = self.ended = 0

    def run_started(self, stages: int) -> None:
        self.total = stages

    def stage_started(self, episode: str, stage: str) -> None:
        self._last_tenth[(episode, stage)] = 0

    def stage_progress(self, episode: str, stage: str, fraction: float) -> None:
        tenth = int(fraction * 10)
        if tenth > self._last_tenth.get((episode, stage), 0) and tenth < 10:
            self._last_tenth[(episode, stage)] = tenth
            self._print(f"  {episode} {stage} {tenth * 10}%")

    def stage_finished(self, episode: str, stage: str, cached: bool, seconds: float) -> None:
        self._last_tenth.pop((episode, stage), None)
        self._ended(f"{episode} {stage}: {'cached' if cached else f'done in {seconds:.1f}s'}")

    def stage_failed(self, episode: str, stage: str, message: str) -> None:
        self._last_tenth.pop((episode, stage), None)
        self._ended(f"{episode} {stage}: failed: {message}")

    def stage_blocked(self, episode: str, stage: str, reason: str) -> None:
        self._ended(f"{episode} {stage}: blocked: {reason}")

    def _ended(self, line: str) -> None:
        """A stage's last line, and how far the series is (every stage ends once: ran, cached, failed, blocked)."""
        self.ended += 1
        self._print(f"{line} [{self.ended}/{self.total}]" if self.total else line)

    def note(self, message: str) -> None:
        self._print(f"note: {message}")

    def _print(self, line: str) -> None:
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        pass


class RichReporter:
    """A live bar for each stage in flight; finished stages stay printed above them."""

    def __init__(self):
        # rich takes 50 ms to import: only runs at a terminal pay for it
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                 TimeElapsedColumn(), TimeRemainingColumn(), console=self.console, transient=True)
        self.progress.start()
        self.tasks: dict[tuple[str, str], TaskID] = {}
        self.series: TaskID | None = None

    def run_started(self, stages: int) -> None:
        """The whole series' bar, above the stages in flight; rich estimates the time left from its pace."""
        self.series = self.progress.add_task("series", total=stages)

    def _ended(self) -> None:
        if self.series is not None:
            self.progress.advance(self.series)

    def stage_started(self, episode: str, stage: str) -> None:
        self.tasks[(episode, stage)] = self.progress.add_task(f"{episode} {stage}", total=1.0)

    def stage_progress(self, episode: str, stage: str, fraction: float) -> None:
        task = self.tasks.get((episode, stage))
        if task is not None:
            self.progress.update(task, completed=fraction)

    def stage_finished(self, episode: str, stage: str, cached: bool, seconds: float) -> None:
        task = self.tasks.pop((episode, stage), None)
        if task is not None:
            self.progress.remove_task(task)
        state = "[dim]cached[/dim]" if cached else f"[green]done[/green] in {seconds:.1f}s"
        self.progress.console.print(f"{episode} {stage}: {state}")
        self._ended()

    def stage_failed(self, episode: str, stage: str, message: str) -> None:
        task = self.tasks.pop((episode, stage), None)
        if task is not None:
            self.progress.remove_task(task)
        self.progress.console.print(f"{episode} {stage}: [red]failed[/red]: {_literal(message)}", highlight=False)
        self._ended()

    def stage_blocked(self, episode: str, stage: str, reason: str) -> None:
        self.progress.console.print(f"{episode} {stage}: [yellow]blocked[/yellow]: {_literal(reason)}", highlight=False)
        self._ended()

    def note(self, message: str) -> None:
        self.progress.console.print(f"[yellow]note:[/yellow] {_literal(message)}")

    def close(self) -> None:
        self.progress.stop()


def _literal(text: str) -> str:
    """``text`` shown as it is, not read as rich markup (a file name with [brackets])."""
    from rich.markup import escape

    return escape(text)


def make_reporter() -> Reporter:
    return RichReporter() if sys.stderr.isatty() else PlainReporter()
