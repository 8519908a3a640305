"""``localize subs fix``: repair what can be repaired in a subtitle file without changing a word.

Punctuation takes the language's subtitle style (Chinese full-width marks, no line-final full stop), lines are
re-broken (two speakers keep a line each, opened by the language's dialogue dash), short cues extended into free
time, small gaps chained, times snapped to shot changes and to frames — the same timing rules the pipeline
applies, with each cue's current times taken as the speech it carries. What still fails afterwards is
reported, not hidden.
"""

from __future__ import annotations

from dataclasses import replace

from localize.bulk import collector_paused
from localize.model import Cue
from localize.subtitles.dialogue import lay_out
from localize.subtitles.profiles import SubtitleProfile
from localize.subtitles.punctuation import drop_final, drop_line_final, full_width
from localize.subtitles.timing import TimedCue, retime


def fix_cues(cues: list[Cue], profile: SubtitleProfile, shots_ms: tuple[int, ...] = (),
             media_end_ms: int | None = None) -> list[Cue]:
    """Every cue repaired in one pass after a sort: O(n log n) in the cues (and the cuts, found by bisection)."""
    style = profile.language.punctuation
    ordered = sorted(cues, key=lambda c: (c.start_ms, c.end_ms))
    with collector_paused():
        rebroken = [replace(c, text=drop_line_final(lay_out(drop_final(full_width(c.text, style), style),
                                                            profile), style))
                    for c in ordered]  # lay_out joins the old lines first, each speaker's on their own
        timed = [TimedCue(c, c.start_ms, c.end_ms) for c in rebroken]
        return [t.cue for t in retime(timed, profile, shots_ms, media_end_ms)]
