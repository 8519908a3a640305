"""How many CPU threads an engine (Whisper, the voices, OCR) or an ffmpeg scan may use.

On two cores a model given both runs about 1.3-1.5× faster than on one, for 20-50 % more CPU time in all
(measured: Whisper base 3.6 s/6.0 CPU-s against 4.8/4.9; Kokoro 14.0/27.7 against 21.0/21.0; RapidOCR 3.3/6.4
against 4.3/4.3). Alone on a machine that is the right trade; next to other work it only takes CPU from it. So a
pool of N workers gives each its share, and ``LOCALIZE_THREADS`` sets the share by hand where the machine is
shared some other way (two runs side by side, a test suite in parallel processes).
"""

from __future__ import annotations

import os
from typing import Any

from localize.errors import BadInput

ENV = "LOCALIZE_THREADS"


def usable_cpus() -> int:
    """CPUs this process may run on (a container's limit, not the host's count)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def engine_threads(workers: int = 1) -> int:
    """Each of ``workers`` side-by-side workers' threads: ``LOCALIZE_THREADS`` when set, else its share of the
    usable CPUs (at least one)."""
    setting = os.environ.get(ENV, "").strip()
    if setting:
        if not setting.isdigit() or int(setting) < 1:
            raise BadInput(f"{ENV}={setting}: give a whole number of threads, 1 or more (or unset it to use "
                           f"every CPU)")
        return int(setting)
    return max(1, usable_cpus() // workers)


def onnx_options(threads: int) -> Any:
    """onnxruntime session options for ``threads`` threads that sleep while they wait: spinning threads kept
    Kokoro as fast and took 13 % more CPU time (27.7 against 24.2 CPU-s for the same lines on two threads)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options
