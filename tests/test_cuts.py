"""Cut lookups and long tracks: the indexed rules give what a scan over every cut gave, and the work per cue
stays bounded (counted calls, never timings: speed targets live in benchmarks/segment_qc.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

import localize.subtitles.linebreak as linebreak
import localize.subtitles.qc as qc
from localize.model import Cue
from localize.subtitles.cuts import Cuts
from localize.subtitles.linebreak import break_lines
from localize.subtitles.profiles import load_profile
from localize.subtitles.qc import Speech, check_track
from localize.subtitles.timing import to_frame

ZH = load_profile("vertical", "zh-Hans", 25)
NTSC = load_profile("vertical", "en", 30000 / 1001)


def _scan_nearest(ms: int, shots: list[int], window: int) -> int | None:
    close = [s for s in shots if abs(s - ms) <= window]
    return min(close, key=lambda s: abs(s - ms)) if close else None


@given(st.lists(st.integers(0, 5000)), st.integers(-100, 5100), st.integers(0, 600))
def test_nearest_cut_is_the_one_a_scan_finds(shots, ms, window):
    assert Cuts.of(shots).nearest(ms, window) == _scan_nearest(ms, sorted(shots), window)


@given(st.lists(st.integers(0, 5000)), st.integers(-100, 5100), st.integers(0, 600))
def test_cuts_within_a_window_are_those_a_scan_finds(shots, low, width):
    assert Cuts.of(shots).within(low, low + width) == tuple(s for s in sorted(shots) if low <= s <= low + width)


def _scan_shot_rules(cues: list[Cue], speech: list[Speech], shots: list[int], profile) -> set[tuple[int, str, str]]:
    """The cut rules as they were written before the index: every cut looked at for every cue."""
    found = set()
    for number, (cue, said) in enumerate(zip(cues, speech, strict=True), 1):
        end_frame = to_frame(cue.end_ms, profile)
        hit = next((s for s in shots if to_frame(s, profile) - end_frame in (0, 1)), None)
        if hit is not None:
            found.add((number, "shot_change", f"{to_frame(hit, profile) - end_frame}:{hit}"))
        snap = profile.frames_to_ms(profile.shot_snap_frames)
        on_cut = any(abs(cue.start_ms - s) <= profile.frame_ms / 2 and abs(s - said.start_ms) <= snap for s in shots)
        if abs(to_frame(cue.start_ms, profile) - to_frame(said.start_ms, profile)) > profile.in_time_tolerance_frames \
                and not on_cut:
            found.add((number, "in_time", ""))
        kept = cue.end_ms <= cue.start_ms + profile.min_duration_ms + 1.5 * profile.frame_ms
        before_cut = any(0 <= s - cue.end_ms <= profile.min_gap_ms + profile.frame_ms for s in shots)
        following = cues[number] if number < len(cues) else None
        chained = following is not None and \
            to_frame(following.start_ms, profile) - end_frame <= profile.min_gap_frames and \
            cue.end_ms - said.end_ms <= profile.out_time_max_ms + profile.chain_gap_ms  # the chaining rule's doing
        if cue.end_ms - said.end_ms > profile.out_time_max_ms + profile.frame_ms / 2 and \
                not (kept or before_cut or chained):
            found.add((number, "out_time", ""))
    return found


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(300, 3000), st.integers(-200, 200),
                          st.integers(0, 1500)), min_size=1, max_size=25),
       st.lists(st.integers(0, 40_000), max_size=40))
def test_indexed_cut_rules_find_what_a_scan_finds(items, shots):
    cues, speech, clock = [], [], 0
    for gap, duration, early, linger in items:
        clock += gap
        cues.append(Cue(clock, clock + duration, "好"))
        speech.append(Speech(clock + early, max(clock + early, clock + duration - linger)))
        clock += duration
    for profile in (ZH, NTSC):
        found = {(v.cue, v.rule, "") for v in check_track(cues, profile, tuple(shots), speech)
                 if v.rule in ("in_time", "out_time")}
        found |= {(v.cue, v.rule, f"{v.measured.split()[1]}:{round(float(v.measured.split()[-1][:-1]) * 1000)}")
                  for v in check_track(cues, profile, tuple(shots), speech) if v.rule == "shot_change"}
        assert found == _scan_shot_rules(cues, speech, sorted(shots), profile)


def counted_calls(monkeypatch, module, name: str) -> list[int]:
    """Count the calls of ``module.name`` (the real function still runs them): ``[calls]``, read after the work."""
    real = getattr(module, name)
    calls = [0]

    def counting(*args, **kwargs):
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


def test_frames_per_cue_stay_constant_however_many_cuts(monkeypatch):
    """Each cue converts a bounded number of times to frames: with n cues and c cuts, O(n + c) calls, where
    scanning every cut for every cue made n × c of them."""
    calls = counted_calls(monkeypatch, qc, "to_frame")
    cues = [Cue(i * 2000, i * 2000 + 1500, "好的") for i in range(2000)]
    shots = tuple(range(700, 4_000_000, 1000))
    check_track(cues, ZH, shots, [Speech(c.start_ms, c.end_ms) for c in cues])
    assert calls[0] <= 8 * (len(cues) + len(shots))


def test_long_text_measures_only_splits_that_can_fit(monkeypatch):
    """Breaking a long line weighs every split by counts kept as it goes; pixel widths are measured only
    for the few splits whose both halves are short enough (was: every split, each measured from scratch)."""
    measured = counted_calls(monkeypatch, linebreak, "line_fits")
    text = "我等了你整整三年你却从来没有正眼看过我" * 200
    first, second = break_lines(text, ZH).split("\n")
    assert first + second == text and measured[0] <= 2
    assert break_lines("我等了你整整三年，你却从来没有正眼看过我", ZH) == "我等了你整整三年，\n你却从来没有正眼看过我"
