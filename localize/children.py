"""Child processes (ffmpeg) that die with the process that started them.

``kill -9`` of ``localize`` runs no clean-up, so an ffmpeg it started would go on encoding into a staging folder
that nobody will publish. On Linux every child asks the kernel for SIGKILL when its parent goes
(``PR_SET_PDEATHSIG``), and pool workers ask the same of the runner (``die_with_parent``), so main → worker →
ffmpeg falls as one. The kernel sends the signal when the *thread* that started the child ends: children are
started only by ``run``, which waits for them on that same thread. Elsewhere (macOS) nothing is asked; a child
may then outlive a killed run, and staging folders that are new on every run keep it out of the next one's.

The request is made by a few lines of Python that then exec the command, not by a ``preexec_fn``: with one,
the parent runs ``os.register_at_fork`` hooks (logging's) after each fork, and a Ctrl-C landing in them is
swallowed ("Exception ignored"), so the run would go on.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
LINUX = sys.platform.startswith("linux")
# argv: parent pid, then the command. ``-I -S``: no site-packages to scan, so it costs ~25 ms per child.
_EXEC_DYING_WITH_PARENT = (
    "import ctypes, os, sys\n"
    f"ctypes.CDLL(None).prctl({PR_SET_PDEATHSIG}, {int(signal.SIGKILL)}, 0, 0, 0)\n"
    f"if os.getppid() != int(sys.argv[1]): os.kill(os.getpid(), {int(signal.SIGKILL)})\n"
    "try:\n    os.execvp(sys.argv[2], sys.argv[2:])\n"
    "except OSError as error:\n    sys.exit(f'{sys.argv[2]}: {error.strerror}')\n"  # exit 1, as a failed command
)


def die_with_parent(parent: int) -> None:
    """Have the kernel SIGKILL this process when ``parent`` ends; if it already has, end now."""
    if not LINUX:
        return
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made: nobody will send the signal
        os.kill(os.getpid(), signal.SIGKILL)


def run(command: list[str], *, text: bool = False, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``subprocess.run`` with its output captured, for a child that must not outlive this process."""
    if LINUX:
        command = [sys.executable, "-I", "-S", "-c", _EXEC_DYING_WITH_PARENT, str(os.getpid()), *command]
    return subprocess.run(command, check=False, capture_output=True, text=text, cwd=cwd)


def failure_reason(result: subprocess.CompletedProcess, otherwise: str = "") -> str:
    """Why a child failed, in one line: the last line it wrote to stderr (where ffmpeg says what went wrong), else
    ``otherwise``, else its exit status."""
    stderr = result.stderr.decode(errors="replace") if isinstance(result.stderr, bytes) else result.stderr or ""
    lines = stderr.strip().splitlines()
    return lines[-1] if lines else otherwise or f"exit {result.returncode}"
