"""Past translations as subtitle pairs → translation units: each target cue joins the source cue it overlaps
most, so an episode translated before this tool existed still feeds the translation memory."""

from __future__ import annotations

from localize.model import Cue
from localize.subtitles.sentences import join_lines


def pair_by_time(source: list[Cue], target: list[Cue], source_language: str,
                 target_language: str) -> list[tuple[str, str]]:
    """(source text, target text) per source cue that some target cue overlaps, in time order."""
    claimed: dict[int, list[str]] = {}
    for cue in target:
        overlaps = [(min(s.end_ms, cue.end_ms) - max(s.start_ms, cue.start_ms), i) for i, s in enumerate(source)]
        best, index = max(overlaps, default=(0, -1))
        if best > 0:
            claimed.setdefault(index, []).append(cue.text)
    return [(join_lines([source[i].text], source_language), join_lines(texts, target_language))
            for i, texts in sorted(claimed.items())]
