"""Errors a user can cause or fix, each carrying the exit code the CLI documents.

The CLI prints ``str(error)`` as one line on stderr and exits with ``error.exit_code``;
anything that is not a ``LocalizeError`` is a bug and keeps its traceback.
"""

EXIT_QC_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_UNAVAILABLE = 3
EXIT_INTERRUPTED = 130


class LocalizeError(Exception):
    """Base for every error that is the user's to fix."""

    exit_code = EXIT_BAD_INPUT


class BadInput(LocalizeError):
    """A job, a media file or a command-line value is wrong (exit 2)."""


class WorkDirBusy(LocalizeError):
    """Another run holds the work directory's lock (exit 2)."""


class Unavailable(LocalizeError):
    """A model or engine is not installed or cannot be reached (exit 3)."""

    exit_code = EXIT_UNAVAILABLE
