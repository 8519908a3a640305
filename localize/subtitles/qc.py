"""Subtitle QC: every rule check, one report type, used by ``localize qc subs``, ``localize subs fix``
and by the pipeline on every track it writes.

Each violation names the cue (1-based), the rule, what was measured and the limit, so a translator or a
QC vendor can act on it without reading code. Rules in ``WARNINGS`` are reported apart and never fail QC.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

from localize.bulk import collector_paused
from localize.model import Cue
from localize.subtitles.cuts import Cuts
from localize.subtitles.profiles import SubtitleProfile
from localize.subtitles.textwidth import derived_chars_per_line, line_pixels, reading_length
from localize.subtitles.timing import to_frame, to_frames

RULES = {
    "empty": "a cue without text",
    "order": "cues out of time order",
    "overlap": "a cue starting before the previous one ends",
    "duration_min": "shown too briefly to read",
    "duration_max": "shown too long",
    "lines_max": "too many lines",
    "line_chars": "a line over the language's characters per line",
    "line_width": "a line wider than the screen's safe area",
    "reading_speed": "too many characters per second",
    "gap_min": "gap to the next cue under the minimum (frames, never scaled)",
    "gap_chain": "a small gap that should be closed to the minimum",
    "shot_change": "out-time on a shot change or one frame before it",
    "in_time": "in-time not on the first frame of speech",
    "out_time": "out-time too long after speech ends",
    "term_missing": "a glossary or character term without its approved rendering",
    "term_forbidden": "a forbidden rendering of a glossary term",
    "term_preferred": "a glossary term without its preferred rendering (a warning: subtitles may drop it)",
    "untranslated": "source-language text left in the translation",
    "placeholder_lost": "the engine dropped a protected term",
    "number_mismatch": "an amount of the source missing from the translation",
}
WARNINGS = ("term_preferred",)  # worth a look, never a failure: a reviewer must be able to trust what fails


@dataclass(frozen=True)
class Violation:
    cue: int  # 1-based, as subtitle editors number them
    rule: str
    measured: str
    limit: str

    def to_json(self) -> dict:
        return {"cue": self.cue, "rule": self.rule, "measured": self.measured, "limit": self.limit,
                "description": RULES[self.rule]}


@dataclass(frozen=True)
class Speech:
    """Where speech really is for one cue (from word timestamps), for the in- and out-time rules."""

    start_ms: int
    end_ms: int


def _seconds(ms: float) -> str:
    return f"{ms / 1000:.3f}s"


def check_cue_text(number: int, cue: Cue, profile: SubtitleProfile) -> list[Violation]:
    text = cue.text
    if not text.strip():
        return [Violation(number, "empty", "0 characters", "≥ 1")]
    found: list[Violation] = []
    lines = text.split("\n")
    if len(lines) > profile.max_lines:
        found.append(Violation(number, "lines_max", f"{len(lines)} lines", f"≤ {profile.max_lines}"))
    rules, screen = profile.language, profile.screen
    for line in lines:
        length = reading_length(line, rules)
        if length > rules.max_chars_per_line:
            found.append(Violation(number, "line_chars", f"{length:g} characters", f"≤ {rules.max_chars_per_line}"))
        if screen:
            pixels = line_pixels(line, profile)
            if pixels > screen.safe_width:
                found.append(Violation(number, "line_width", f"{pixels} px", f"≤ {screen.safe_width} px"))
    return found


def check_cue_timing(number: int, cue: Cue, profile: SubtitleProfile) -> list[Violation]:
    found: list[Violation] = []
    duration = cue.end_ms - cue.start_ms
    half_frame = profile.frame_ms / 2
    if duration < profile.min_duration_ms - half_frame:
        found.append(Violation(number, "duration_min", _seconds(duration), f"≥ {_seconds(profile.min_duration_ms)}"))
    if duration > profile.max_duration_ms + half_frame:
        found.append(Violation(number, "duration_max", _seconds(duration), f"≤ {_seconds(profile.max_duration_ms)}"))
    rules = profile.language
    if duration > 0 and cue.text.strip():
        cps = reading_length(cue.text, rules) / (duration / 1000)
        if cps > rules.max_cps + 0.05:
            found.append(Violation(number, "reading_speed", f"{cps:.1f} cps", f"≤ {rules.max_cps:g} cps"))
    return found


def check_neighbours(number: int, cue: Cue, following: Cue, gap_frames: int,
                     profile: SubtitleProfile) -> list[Violation]:
    """The gap from ``cue`` to the next; ``gap_frames`` is the frame of the next in-time less this out-time's."""
    if following.start_ms < cue.start_ms:
        return [Violation(number + 1, "order", f"starts {_seconds(following.start_ms)}",
                          f"after {_seconds(cue.start_ms)}")]
    if following.start_ms < cue.end_ms:
        return [Violation(number, "overlap", f"{_seconds(cue.end_ms - following.start_ms)} overlap", "no overlap")]
    if gap_frames < profile.min_gap_frames:
        return [Violation(number, "gap_min", f"{gap_frames} frames", f"≥ {profile.min_gap_frames} frames")]
    gap_ms = following.start_ms - cue.end_ms
    if gap_frames > profile.min_gap_frames and gap_ms < profile.chain_gap_ms - profile.frame_ms / 2:
        return [Violation(number, "gap_chain", f"{gap_frames} frames",
                          f"{profile.min_gap_frames} frames, or ≥ {_seconds(profile.chain_gap_ms)}")]
    return []


@dataclass(frozen=True)
class _CutFrames:
    """The cuts with the frame each falls on, built once per track: every cue then finds its cut by bisection."""

    cuts: Cuts
    frames: tuple[int, ...]

    @classmethod
    def of(cls, shots_ms: tuple[int, ...], profile: SubtitleProfile) -> _CutFrames:
        cuts = Cuts.of(shots_ms)
        return cls(cuts, tuple(to_frames(list(cuts.times_ms), profile)))


def check_shot_changes(number: int, end_frame: int, cuts: _CutFrames) -> list[Violation]:
    """An out-time on the frame of a cut or the one before it (``end_frame``: the frame the cue ends on)."""
    index = bisect_left(cuts.frames, end_frame)  # the first cut on the out-time's frame or later
    if index < len(cuts.frames) and cuts.frames[index] - end_frame in (0, 1):
        shot = cuts.cuts.times_ms[index]
        return [Violation(number, "shot_change", f"ends {cuts.frames[index] - end_frame} frames before the "
                          f"cut at {_seconds(shot)}", "≥ 2 frames before, or past the cut")]
    return []


def check_speech(number: int, cue: Cue, speech: Speech, cuts: Cuts, profile: SubtitleProfile,
                 chained: bool = False) -> list[Violation]:
    """In-time on speech, out-time not lingering; ``chained``: the next cue follows at the minimum gap, so an
    out-time the chaining rule moved up to it (at most ``chain_gap_ms`` later) is that rule's, not a linger."""
    found: list[Violation] = []
    tolerance = profile.in_time_tolerance_frames
    snap = profile.frames_to_ms(profile.shot_snap_frames)
    half_frame = profile.frame_ms / 2
    on_cut = any(abs(s - speech.start_ms) <= snap for s in cuts.within(cue.start_ms - half_frame,
                                                                        cue.start_ms + half_frame))
    off = to_frame(cue.start_ms, profile) - to_frame(speech.start_ms, profile)
    if abs(off) > tolerance and not on_cut:
        found.append(Violation(number, "in_time", f"{off:+d} frames from speech", f"± {tolerance} frames"))
    linger = cue.end_ms - speech.end_ms
    kept_for_minimum = cue.end_ms <= cue.start_ms + profile.min_duration_ms + 1.5 * profile.frame_ms
    before_cut = bool(cuts.within(cue.end_ms, cue.end_ms + profile.min_gap_ms + profile.frame_ms))
    kept_for_chain = chained and linger <= profile.out_time_max_ms + profile.chain_gap_ms
    if linger > profile.out_time_max_ms + half_frame and not (kept_for_minimum or before_cut or kept_for_chain):
        found.append(Violation(number, "out_time", f"{_seconds(linger)} after speech",
                               f"≤ {_seconds(profile.out_time_max_ms)}"))
    return found


def check_track(cues: list[Cue], profile: SubtitleProfile, shots_ms: tuple[int, ...] = (),
                speech: list[Speech] | None = None) -> list[Violation]:
    """Every violation in a track, in cue order: one pass over the cues, each looking only at its neighbour
    and, by bisection, at the cuts near it, so a track of n cues and c cuts takes O((n + c) log c)."""
    cuts = _CutFrames.of(shots_ms, profile)
    starts = to_frames([cue.start_ms for cue in cues], profile)
    ends = to_frames([cue.end_ms for cue in cues], profile)
    found: list[Violation] = []
    with collector_paused():
        for index, cue in enumerate(cues):
            number = index + 1
            found += check_cue_text(number, cue, profile)
            found += check_cue_timing(number, cue, profile)
            if index + 1 < len(cues):
                found += check_neighbours(number, cue, cues[index + 1], starts[index + 1] - ends[index], profile)
            found += check_shot_changes(number, ends[index], cuts)
            if speech is not None:
                chained = index + 1 < len(cues) and starts[index + 1] - ends[index] <= profile.min_gap_frames
                found += check_speech(number, cue, speech[index], cuts.cuts, profile, chained)
    return found


def report(cues: list[Cue], violations: list[Violation], profile: SubtitleProfile) -> dict:
    """The QC report as stored beside a track and printed by ``--json``: ``violations`` decide ``passed``,
    violations of the ``WARNINGS`` rules are listed apart under ``warnings``."""
    errors = [v for v in violations if v.rule not in WARNINGS]
    failing = {v.cue for v in errors}
    with collector_paused():
        violations_json = [v.to_json() for v in errors]
        warnings_json = [v.to_json() for v in violations if v.rule in WARNINGS]
    return {"profile": profile.name, "language": profile.language.language, "fps": str(profile.fps),
            "chars_per_line": derived_chars_per_line(profile),
            "cues": len(cues), "cues_passing": len(cues) - len(failing), "passed": not errors,
            "violations": violations_json, "warnings": warnings_json}
