"""The ``localize`` command line: parse, call, print. No logic lives here.

Exit codes: 0 ok · 1 QC failed · 2 bad input or usage · 3 model/engine unavailable · 130 interrupted.

Here: the top-level group ``main`` (errors to exit codes) and shared helpers; each module adds one family of commands:

- ``run``: run, status, job check, transcribe
- ``export``: the run's cues as subtitle files
- ``subtitles``: qc (the group), qc subs, subs fix
- ``packaging``: package, band, qc package
- ``translation``: glossary, tm, models
- ``costs``: costs, release, claim
- ``review``: review export, review import
- ``cast``: cast enrol, cast name, cast voices

Command modules import the wings inside each command, not at the top: ``localize --help`` and light commands
(status, costs verify, qc show) then load only what they use, not PyAV, Whisper's wrapper and every engine.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import click

from localize import __version__
from localize.errors import EXIT_BAD_INPUT, EXIT_INTERRUPTED, LocalizeError
from localize.store import check_work_dir, storage_refused

if TYPE_CHECKING:
    from localize.job import Job


class LocalizeGroup(click.Group):
    """Turns our errors into one line on stderr and the documented exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except LocalizeError as exc:
            click.echo(f"error: {exc}", err=True)
            raise click.exceptions.Exit(exc.exit_code) from None
        except (OSError, sqlite3.OperationalError) as exc:  # a full or read-only disk is the user's, not a bug
            if (message := storage_refused(exc)) is None:
                raise
            click.echo(f"error: {message}", err=True)
            raise click.exceptions.Exit(EXIT_BAD_INPUT) from None
        except KeyboardInterrupt:
            click.echo("interrupted: finished stages are kept; run the same command again to resume", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None


@click.group(cls=LocalizeGroup)
@click.version_option(__version__, prog_name="localize")
def main() -> None:
    """Localize Chinese vertical micro-dramas: transcribe, time, translate, dub and package."""


def _work_dir(job: Job, work: str | None) -> Path:
    return check_work_dir(Path(work) if work else job.default_work_dir)


# Importing a command module registers its commands on `main` (help lists them sorted, whatever the order here).
from localize.cli import cast, costs, export, packaging, review, run, subtitles, translation  # noqa: E402, F401
