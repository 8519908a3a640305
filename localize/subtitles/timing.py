"""Timing rules applied to cues whose text is already decided: reading time, minimum duration, chaining of
small gaps, snapping to shot changes, frame-accurate times. Pure functions: no media, no I/O.

Each cue comes with the span of speech it carries (``speech_start_ms``/``speech_end_ms``): in-times sit on
the first frame of speech, out-times may linger up to half a second after it for reading, never longer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

from localize.model import Cue
from localize.subtitles.cuts import Cuts
from localize.subtitles.profiles import SubtitleProfile
from localize.subtitles.textwidth import reading_length


@dataclass(frozen=True)
class TimedCue:
    cue: Cue
    speech_start_ms: int
    speech_end_ms: int


def to_frame(ms: float, profile: SubtitleProfile) -> int:
    """The frame a time falls on, rounding halves up (Python's round() would round them to even).

    Whole milliseconds take integer arithmetic: the same result as the Fraction below, ten times faster,
    and QC calls this several times per cue."""
    rate, scale = profile.fps.numerator, profile.fps.denominator
    if isinstance(ms, int):
        return (2 * ms * rate + 1000 * scale) // (2000 * scale)
    return math.floor(ms * profile.fps / 1000 + Fraction(1, 2))


def to_frames(times_ms: list[int], profile: SubtitleProfile) -> list[int]:
    """``to_frame`` of many whole-millisecond times at once (QC takes the frames of every cue of a track)."""
    rate, scale = profile.fps.numerator, profile.fps.denominator
    return [(2 * ms * rate + 1000 * scale) // (2000 * scale) for ms in times_ms]


def from_frame(frame: int, profile: SubtitleProfile) -> int:
    """The millisecond a frame starts on, rounding halves to even as round(Fraction) does, in integers."""
    quotient, remainder = divmod(frame * 1000 * profile.fps.denominator, profile.fps.numerator)
    twice = 2 * remainder
    if twice > profile.fps.numerator or (twice == profile.fps.numerator and quotient % 2):
        return quotient + 1
    return quotient


def _needed_ms(cue: Cue, profile: SubtitleProfile) -> int:
    """How long the cue must stay up to be read at the language's maximum speed, plus the frame that
    rounding the out-time to a frame boundary may take away."""
    seconds = reading_length(cue.text, profile.language) / profile.language.max_cps
    return math.ceil(seconds * 1000 + profile.frame_ms)


def retime(items: list[TimedCue], profile: SubtitleProfile, shots_ms: tuple[int, ...] = (),
           media_end_ms: int | None = None) -> list[TimedCue]:
    """Give every cue its final in- and out-time; the text and the speech spans are never touched."""
    gap = profile.min_gap_ms
    snap = profile.frames_to_ms(profile.shot_snap_frames)
    frame = profile.frame_ms
    cuts = Cuts.of(shots_ms)
    result: list[Cue] = []
    for index, item in enumerate(items):
        cue = item.cue
        start = item.speech_start_ms
        cut = cuts.nearest(start, snap)
        if cut is not None:
            start = cut
        start = from_frame(to_frame(start, profile), profile)  # the minimum duration counts from the frame shown
        wanted = max(start + _needed_ms(cue, profile), item.speech_end_ms)
        end = min(wanted, item.speech_end_ms + profile.out_time_max_ms)
        end = max(end, start + profile.min_duration_ms)
        end = min(end, start + profile.max_duration_ms)
        next_start = items[index + 1].speech_start_ms if index + 1 < len(items) else None
        if next_start is not None:
            next_cut = cuts.nearest(next_start, snap)
            next_start = next_cut if next_cut is not None else next_start
            if next_start - end < profile.chain_gap_ms:
                end = next_start - gap  # close small gaps: no flicker between cues
        elif media_end_ms is not None:
            end = min(end, media_end_ms)
        cut = cuts.nearest(end, snap)
        if cut is not None:
            speech_goes_on = item.speech_end_ms > cut + frame
            limit = next_start - gap if next_start is not None else end + snap
            if speech_goes_on and cut + snap <= limit:
                end = max(end, cut + snap)  # stay up well past the cut rather than flash across it
            elif cut > start + frame * 4:
                end = cut - gap  # end two frames before the cut
            if next_start is not None:
                end = min(end, next_start - gap)
        result.append(replace(cue, start_ms=start, end_ms=max(end, start + 1)))
    final = _frame_accurate(result, profile)
    return [replace(item, cue=cue) for item, cue in zip(items, final, strict=True)]


def _frame_accurate(cues: list[Cue], profile: SubtitleProfile) -> list[Cue]:
    """Times on frame boundaries, with at least the minimum gap (in frames) between neighbours."""
    snapped: list[Cue] = []
    for cue in cues:
        start_frame = to_frame(cue.start_ms, profile)
        end_frame = max(to_frame(cue.end_ms, profile), start_frame + 1)
        snapped.append(replace(cue, start_ms=from_frame(start_frame, profile), end_ms=from_frame(end_frame, profile)))
    for i in range(len(snapped) - 1):
        latest_end = to_frame(snapped[i + 1].start_ms, profile) - profile.min_gap_frames
        if to_frame(snapped[i].end_ms, profile) > latest_end:
            start_frame = to_frame(snapped[i].start_ms, profile)
            snapped[i] = replace(snapped[i], end_ms=from_frame(max(latest_end, start_frame + 1), profile))
    return snapped
