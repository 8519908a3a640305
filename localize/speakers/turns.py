"""Two speakers' lines in one cue (ASR joins them across a short pause; imported files sometimes do too): where in
the cue the voice may change, and where its text can be cut to match.

The change is looked for at the cue's quietest moment, since a new speaker starts after a breath; the text is cut
only after a punctuation mark whose place in the text is near that moment's place in the time, otherwise the cue
is left whole and flagged for a reviewer.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from localize.model import Cue
from localize.speakers.fbank import SAMPLE_RATE

MIN_SIDE_MS = 1000  # each side of a change needs this much speech for a voiceprint worth comparing
QUIET_WINDOW_MS = 200
TOLERANCE = 0.25  # how far (as a share of the cue) the text cut may lie from the quiet moment
_MARKS = "，,。！？!?；;…"
_PER_MS = SAMPLE_RATE // 1000


def quietest_point(samples: np.ndarray, start_ms: int, end_ms: int, min_side_ms: int = MIN_SIDE_MS) -> int | None:
    """The middle (ms) of the quietest 200 ms of the cue at least ``min_side_ms`` from either end; None when the
    cue is too short to have two such sides or lies outside the audio."""
    first, last = start_ms + min_side_ms, end_ms - min_side_ms
    if last < first or end_ms * _PER_MS > len(samples):
        return None
    frame = 10 * _PER_MS
    stretch = samples[start_ms * _PER_MS: end_ms * _PER_MS]
    energy = np.square(stretch[: len(stretch) // frame * frame].reshape(-1, frame).astype(np.float64)).mean(axis=1)
    width = QUIET_WINDOW_MS // 10
    windows = np.convolve(energy, np.ones(width), mode="valid")  # window i covers frames i … i+width-1
    middles = start_ms + 10 * np.arange(len(windows)) + QUIET_WINDOW_MS // 2
    allowed = (middles >= first) & (middles <= last)
    if not allowed.any():
        return None
    return int(middles[np.flatnonzero(allowed)[np.argmin(windows[allowed])]])


def text_cut(text: str, fraction: float, tolerance: float = TOLERANCE) -> int | None:
    """The index in ``text`` just after the punctuation mark whose share of the text's characters is nearest
    ``fraction`` (within ``tolerance``); None when no mark is near enough."""
    counted = [i for i, ch in enumerate(text) if not ch.isspace()]
    best: tuple[float, int] | None = None
    for position, index in enumerate(counted[:-1]):
        if text[index] in _MARKS:
            distance = abs((position + 1) / len(counted) - fraction)
            if distance <= tolerance and (best is None or distance < best[0]):
                best = (distance, index + 1)
    return best[1] if best else None


def split_cue(cue: Cue, at_ms: int, cut: int, first: str, second: str) -> tuple[Cue, Cue]:
    """The cue as two, cut in time at ``at_ms`` and in text at ``cut``, each with its speaker."""
    before, after = cue.text[:cut].replace("\n", ""), cue.text[cut:].replace("\n", "").strip()
    return (replace(cue, end_ms=at_ms, text=before, speaker=first),
            replace(cue, start_ms=at_ms, text=after, speaker=second))
