"""Building a hundred thousand small objects at once (cues, violations) without the garbage collector.

CPython runs a full collection every few tens of thousands of allocations, and each one walks every live
object: reading, checking and repairing a long track spent about a third of its time there. Cues and
violations form no reference cycles, so nothing is left uncollected while the collector waits; it runs again,
as usual, once the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause cyclic garbage collection for the block (nested blocks are fine: only the outer one resumes it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
