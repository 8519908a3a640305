"""One BLAS thread while the speaker model runs: its many small matrix products run about 10× slower on two
OpenBLAS threads than on one (the threads' hand-offs cost more than the products), while Whisper's numpy work must
keep the process's own setting, or its transcripts change. OpenBLAS is asked through its own C API, the way
threadpoolctl does it; where numpy carries no OpenBLAS (or not on Linux) nothing changes."""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# numpy's wheels carry scipy-openblas (64-bit ints, suffixed names); a system OpenBLAS has the plain ones
_PREFIXES = ("scipy_openblas", "openblas")
_SUFFIXES = ("64_", "")


def _openblas() -> tuple[ctypes._CFuncPtr, ctypes._CFuncPtr] | None:
    """(get, set) of the number of threads of the OpenBLAS numpy loaded, if any."""
    import numpy  # noqa: F401  (loads the BLAS it carries)

    maps = Path("/proc/self/maps")
    if not maps.is_file():
        return None
    paths = sorted({line.split()[-1] for line in maps.read_text().splitlines() if "openblas" in line.lower()
                    and line.split()[-1].startswith("/")})
    for path in paths:
        library = ctypes.CDLL(path)
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                get = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                put = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                if get is not None and put is not None:
                    return get, put
    return None


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block on one BLAS thread, then give back the thread count it had."""
    found = _openblas()
    if found is None:
        yield
        return
    get, put = found
    before = get()
    put(1)
    try:
        yield
    finally:
        put(before)
