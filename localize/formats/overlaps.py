"""Cues whose times overlap: one screen can show one caption block, so by default they become one cue with each
speaker's words on a line of their own, opened by a dialogue dash; ``stack`` keeps them apart for tools that can."""

from __future__ import annotations

from localize.errors import BadInput
from localize.model import Cue
from localize.subtitles.dialogue import dialogue

OVERLAPS = ("merge", "stack")
UNKNOWN_LANGUAGE_DASH = "- "  # when the reader does not pass the language's dialogue_dash (profile data)


def _merged(group: list[Cue], dash: str) -> Cue:
    if len(group) == 1:
        return group[0]
    texts = list(dict.fromkeys(c.text for c in group))  # the same cue twice is shown once
    speakers = {c.speaker for c in group}
    text = texts[0] if len(texts) == 1 else dialogue(texts, dash)
    return Cue(group[0].start_ms, max(c.end_ms for c in group), text, speakers.pop() if len(speakers) == 1 else "")


def arrange(cues: list[Cue], overlaps: str, dash: str = UNKNOWN_LANGUAGE_DASH) -> tuple[Cue, ...]:
    """Cues sorted by (start, end), overlapping ones merged (``dash``: the language's ``dialogue_dash``) or
    stacked."""
    if overlaps not in OVERLAPS:
        raise BadInput(f"overlaps must be 'merge' or 'stack', not '{overlaps}'")
    ordered = sorted(cues, key=lambda c: (c.start_ms, c.end_ms))
    if overlaps == "stack":
        return tuple(ordered)
    groups: list[list[Cue]] = []
    group_end = 0  # the latest end in the last group, kept as it grows: one long cue must not make this quadratic
    for cue in ordered:
        if groups and cue.start_ms < group_end:
            groups[-1].append(cue)
            group_end = max(group_end, cue.end_ms)
        else:
            groups.append([cue])
            group_end = cue.end_ms
    return tuple(_merged(group, dash) for group in groups)
