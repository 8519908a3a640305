"""Shot changes as a sorted index, so the timing rules and QC ask "which cut is near this time?" in
O(log cuts) instead of scanning every cut for every cue (a feature film has thousands of both)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Cuts:
    times_ms: tuple[int, ...]  # sorted

    @classmethod
    def of(cls, cuts_ms: Iterable[int]) -> Cuts:
        return cls(tuple(sorted(cuts_ms)))

    def within(self, low: float, high: float) -> tuple[int, ...]:
        """The cuts with low ≤ cut ≤ high, in time order."""
        return self.times_ms[bisect_left(self.times_ms, low):bisect_right(self.times_ms, high)]

    def nearest(self, ms: int, window_ms: int) -> int | None:
        """The cut closest to ``ms`` and at most ``window_ms`` away (the earlier one on a tie), or None."""
        index = bisect_left(self.times_ms, ms)
        close = [s for s in self.times_ms[max(index - 1, 0):index + 1] if abs(s - ms) <= window_ms]
        return min(close, key=lambda s: abs(s - ms)) if close else None
