"""Dub fitting (localize.dub.fitting): the rules of fit.dub.<lang> as functions, with numbers checked by hand, and a
property test: whatever the cues and speech lengths, placed lines never overlap and stay on their cues."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localize.dub.fitting import (
    DEFAULTS,
    OVERRUN,
    RETIMED,
    FitSettings,
    PlacedLine,
    atempo_chain,
    check_dub,
    fit_dub,
    rubberband_filter,
    subtitles_following,
    synthesis_units,
)
from localize.dub.pcm import trim_silence
from localize.errors import BadInput
from localize.model import Cue

TEXT_40 = "I told you never to come back here again."[:40]


def fit(cues: list[Cue], speech: list[int], video_end_ms: int = 20_000, retime: bool = False):
    """Fit cues that each stay their own unit (the tests below give neighbours different speakers or long cues)."""
    units = synthesis_units(cues, "en")
    assert len(units) == len(cues)
    return fit_dub(units, speech, video_end_ms=video_end_ms, retime=retime)


def test_a_line_that_fits_its_cue_plays_at_tempo_one_on_its_cue():
    (line,) = fit([Cue(1000, 3000, "Hello there.", "A")], [1800]).lines
    assert (line.start_ms, line.end_ms, line.tempo, line.flags, line.max_chars) == (1000, 2800, 1.0, (), None)


def test_borrowing_the_gap_comes_before_speeding_up():
    # 10 % too long for its cue, 300 ms of silence after it: the next cue's start less the 100 ms gap is 2200
    cues = [Cue(0, 2000, "One line.", "A"), Cue(2300, 4000, "Another.", "B")]
    line = fit(cues, [2200, 1000]).lines[0]
    assert (line.tempo, line.end_ms, line.flags) == (1.0, 2200, ())


def test_a_line_ten_percent_too_long_without_a_gap_is_sped_up_to_1_1():
    cues = [Cue(0, 2000, "One line.", "A"), Cue(2100, 4000, "Another.", "B")]  # room: 2100 - 100 = 2000
    line = fit(cues, [2200, 1000]).lines[0]
    assert (line.tempo, line.end_ms, line.flags) == (1.1, 2000, ())


def test_what_the_gap_cannot_give_is_made_up_by_tempo():
    # room 2100 (the gap gives 100 ms): 2200 / 2100 = 1.0476 -> 1.048; 2200 / 1.048 = 2099.2 -> 2100 ms
    cues = [Cue(0, 2000, "One line.", "A"), Cue(2200, 4000, "Another.", "B")]
    line = fit(cues, [2200, 1000]).lines[0]
    assert (line.tempo, line.end_ms) == (1.048, 2100)


def test_borrowing_stops_at_half_a_second():
    # alone in the episode: room 2000 + 500 borrowed = 2500; 2600 / 2500 = 1.04
    line = fit([Cue(0, 2000, "One line.", "A")], [2600]).lines[0]
    assert (line.tempo, line.end_ms) == (1.04, 2500)


def test_a_line_too_long_at_the_cap_is_cut_and_flagged_with_the_characters_that_fit():
    # room 2000; 3000 ms of speech is 2400 ms at 1.25x; floor(40 * 2000 / 2400) = 33 characters
    cues = [Cue(0, 2000, TEXT_40, "A"), Cue(2100, 4000, "Another.", "B")]
    line = fit(cues, [3000, 1000]).lines[0]
    assert len(TEXT_40) == 40
    assert (line.tempo, line.start_ms, line.end_ms, line.flags, line.max_chars) == (1.25, 0, 2000, (OVERRUN,), 33)


def test_re_timing_runs_an_overrunning_line_on_towards_the_next_cue_first():
    # room 2500 (borrow limit); 3500 ms is 2800 at the cap; the next cue allows up to 2900
    cues = [Cue(0, 2000, TEXT_40, "A"), Cue(3000, 4000, "Another.", "B")]
    kept = fit(cues, [3500, 800]).lines[0]
    moved = fit(cues, [3500, 800], retime=True).lines[0]
    assert (kept.end_ms, kept.flags, kept.max_chars) == (2500, (OVERRUN,), 35)  # floor(40 * 2500 / 2800)
    assert (moved.start_ms, moved.end_ms, moved.tempo, moved.flags) == (0, 2800, 1.25, (RETIMED,))
    assert moved.max_chars is None


def test_re_timing_starts_a_line_early_into_the_silence_before_it():
    # the line before ends at 800 (its cue at 1000): a re-timed line may start at 1100; room up to 3200 - 100 = 3100
    cues = [Cue(0, 1000, "Hi.", "B"), Cue(2000, 3000, "Sixteen letters.", "A"), Cue(3200, 5000, "Well.", "B")]
    early = fit(cues, [800, 2000, 900], retime=True).lines[1]
    assert (early.start_ms, early.end_ms, early.flags) == (1500, 3100, (RETIMED,))  # 2000 ms at 1.25x is 1600
    still = fit(cues, [800, 4000, 900], retime=True).lines[1]
    # 3200 ms at the cap, 2000 ms of room from 1100: floor(16 * 2000 / 3200) = 10
    assert (still.start_ms, still.end_ms, still.flags, still.max_chars) == (1100, 3100, (RETIMED, OVERRUN), 10)


def test_subtitles_follow_a_re_timed_dub_and_only_it():
    cues = [Cue(0, 1000, "Hi.", "B"), Cue(2000, 2800, "Sixteen", "A"), Cue(2883, 3000, "letters.", "A"),
            Cue(3200, 5000, "Well.", "B")]
    lines = fit_dub(synthesis_units(cues, "en"), [800, 2000, 900], video_end_ms=6000, retime=True).lines
    assert [(line.cues, line.start_ms, line.end_ms, line.flags) for line in lines] == [
        ((0,), 0, 736, ()), ((1, 2), 1500, 3100, (RETIMED,)), ((3,), 3200, 3920, ())]  # 2000 ms at 1.25x: 1600
    followed = subtitles_following(cues, lines)
    assert [(c.start_ms, c.end_ms) for c in followed] == [(0, 1000), (1500, 2800), (2883, 3100), (3200, 5000)]
    assert [c.text for c in followed] == [c.text for c in cues]
    assert subtitles_following(cues, fit_dub(synthesis_units(cues, "en"), [800, 2000, 900], video_end_ms=6000
                                             ).lines) == cues  # nothing re-timed: the cues as they were


def test_lines_between_pauses_share_one_tempo():
    # the first two cues are 100 ms apart (one chunk), the third comes after a 1.5 s pause
    cues = [Cue(0, 1000, "Where?", "A"), Cue(1100, 2000, "Here.", "B"), Cue(3500, 4500, "Go.", "A")]
    result = fit(cues, [1200, 800, 900])  # the first needs 1200 / 1000 = 1.2; the others fit at 1.0
    # the last chunk is raised to within 15 % of the one before it: ceil(1200 / 1.15) = 1044 thousandths
    assert [(c.lines, c.tempo) for c in result.chunks] == [((0, 1), 1.2), ((2,), 1.044)]
    assert [line.tempo for line in result.lines] == [1.2, 1.2, 1.044]
    assert [(line.start_ms, line.end_ms) for line in result.lines] == [(0, 1000), (1100, 1767), (3500, 4363)]


def test_a_half_second_pause_ends_a_chunk_and_neighbouring_chunks_step_by_at_most_15_percent():
    # five turns 600 ms apart (as the sample's are); only the third is too long for its room
    cues = [Cue(i * 2600, i * 2600 + 2000, "Line.", "AB"[i % 2]) for i in range(5)]
    result = fit(cues, [1500, 1500, 2500, 1500, 1500])  # room 2000 + 500 borrowed: 2500 fits, so make it 3100
    assert [c.tempo for c in result.chunks] == [1.0] * 5
    result = fit(cues, [1500, 1500, 3100, 1500, 1500])  # 3100 / 2500 = 1.24
    assert [c.lines for c in result.chunks] == [(0,), (1,), (2,), (3,), (4,)]
    assert [c.tempo for c in result.chunks] == [1.0, 1.079, 1.24, 1.079, 1.0]  # ceil(1240 / 1.15) = 1079


def test_no_line_overlaps_the_next_cue():
    cues = [Cue(0, 1500, TEXT_40, "A"), Cue(1583, 3000, TEXT_40, "B"), Cue(3083, 4000, TEXT_40, "A")]
    for retime in (False, True):
        lines = fit(cues, [4000, 4000, 4000], video_end_ms=4200, retime=retime).lines
        assert [line.end_ms for line in lines] == [1483, 2983, 4200]
        # one chunk at the cap, each line cut where the next cue's gap (or the video's end) begins
        assert [(v.cue, v.rule) for v in check_dub(lines, cues, video_end_ms=4200, retime=retime)] == [
            (1, "cut"), (2, "cut"), (3, "cut")]


def test_short_same_speaker_cues_a_subtitle_gap_apart_are_one_utterance():
    cues = [Cue(0, 800, "Wait,", "A"), Cue(883, 2500, "don't\ngo.", "A"), Cue(2583, 3500, "Why?", "B"),
            Cue(4000, 4600, "Because.", "B")]
    units = synthesis_units(cues, "en")
    assert [(u.cues, u.start_ms, u.end_ms, u.text, u.speaker) for u in units] == [
        ((0, 1), 0, 2500, "Wait, don't go.", "A"),
        ((2,), 2583, 3500, "Why?", "B"),  # another speaker
        ((3,), 4000, 4600, "Because.", "B"),  # 500 ms apart: a real pause
    ]
    chinese = synthesis_units([Cue(0, 700, "老婆", "A"), Cue(783, 2000, "你听我说", "A")], "zh-Hans")
    assert [u.text for u in chinese] == ["老婆你听我说"]


def test_long_cues_and_long_runs_keep_their_own_start():
    long_pair = [Cue(0, 2000, "A long line.", "A"), Cue(2083, 4000, "Another long one.", "A")]
    assert [u.cues for u in synthesis_units(long_pair, "en")] == [(0,), (1,)]
    run = [Cue(i * 1000, i * 1000 + 917, "Yes.", "A") for i in range(10)]  # 917 ms cues, 83 ms apart
    assert [u.cues for u in synthesis_units(run, "en")] == [tuple(range(7)), (7, 8, 9)]  # 7 s at most


def test_a_merged_unit_is_fitted_and_checked_as_one_line():
    cues = [Cue(0, 800, "Wait,", "A"), Cue(883, 2500, "don't go.", "A"), Cue(2583, 3500, "Why?", "B")]
    units = synthesis_units(cues, "en")
    result = fit_dub(units, [2400, 600], video_end_ms=5000)
    assert [(line.cues, line.start_ms, line.end_ms, line.tempo) for line in result.lines] == [
        ((0, 1), 0, 2400, 1.0), ((2,), 2583, 3183, 1.0)]
    assert check_dub(result.lines, cues, video_end_ms=5000) == []


def test_qc_catches_every_violation():
    cues = [Cue(0, 1000, "One.", "A"), Cue(1500, 2500, "Two.", "B")]

    def rules(line: PlacedLine, retime: bool = False) -> list[str]:
        return [v.rule for v in check_dub([line], cues, video_end_ms=5000, retime=retime)]

    assert rules(PlacedLine((0,), 100, 900, 1.0, 800)) == []  # 100 ms late is still on the cue
    assert rules(PlacedLine((0,), 150, 950, 1.0, 800)) == ["start_offset"]
    assert rules(PlacedLine((0,), 0, 1600, 1.0, 1600)) == ["ends_late"]  # the next cue starts at 1500
    assert rules(PlacedLine((0,), 0, 800, 1.3, 1040)) == ["tempo_max"]
    assert rules(PlacedLine((0,), 0, 1000, 0.8, 800)) == ["tempo_min"]
    assert rules(PlacedLine((0,), 0, 1000, 1.25, 2000, (OVERRUN,), 2)) == ["cut"]  # 1600 ms of speech in 1000
    # measured after atempo: 30 ms over its place is the line's own trailing decay, 60 ms is speech cut off
    assert check_dub([PlacedLine((0,), 0, 1000, 1.2, 1200)], cues, video_end_ms=5000, played_ms=[1030]) == []
    (cut,) = check_dub([PlacedLine((0,), 0, 1000, 1.2, 1200)], cues, video_end_ms=5000, played_ms=[1060])
    assert (cut.rule, cut.measured, cut.limit) == ("cut", "1060 ms of speech as played", "≤ 1040 ms")
    moved = PlacedLine((1,), 1200, 2400, 1.0, 1200, (RETIMED,))
    assert rules(moved) == ["start_offset"]
    assert rules(moved, retime=True) == []  # the delivery profile lets the subtitle follow the dub
    late_last = PlacedLine((1,), 1500, 5100, 1.0, 3600)
    assert rules(late_last) == ["ends_late"]  # after the video's end
    (violation,) = check_dub([PlacedLine((1,), 1700, 2500, 1.0, 800)], cues, video_end_ms=5000)
    assert violation.to_json() == {"cue": 2, "rule": "start_offset", "measured": "+200 ms from its cue",
                                   "limit": "within ±100 ms", "description": "a line starting too far from its cue"}


def test_qc_catches_a_line_running_into_the_next_line():
    cues = [Cue(0, 1000, "One.", "A"), Cue(1500, 2500, "Two.", "B")]
    lines = [PlacedLine((0,), 0, 1450, 1.0, 1450), PlacedLine((1,), 1400, 2400, 1.0, 1000, (RETIMED,))]
    assert [(v.cue, v.rule) for v in check_dub(lines, cues, video_end_ms=5000, retime=True)] == [(1, "ends_late")]


def test_a_fitted_episode_passes_qc():
    cues = [Cue(0, 1000, "Where?", "A"), Cue(1100, 2000, "Here.", "B"), Cue(3500, 4500, "Go.", "A")]
    assert check_dub(fit(cues, [1200, 800, 900]).lines, cues, video_end_ms=20_000) == []


def test_atempo_chains_only_outside_half_to_double():
    assert atempo_chain(1.1) == "atempo=1.1"
    assert atempo_chain(0.85) == "atempo=0.85"
    assert atempo_chain(3.0) == "atempo=2,atempo=1.5"
    assert atempo_chain(0.25) == "atempo=0.5,atempo=0.5"
    assert rubberband_filter(1.25) == "rubberband=tempo=1.25"
    with pytest.raises(ValueError):
        atempo_chain(0)


def test_settings_and_inputs_are_checked():
    with pytest.raises(BadInput, match="cap"):
        FitSettings(max_tempo=0.9)
    with pytest.raises(BadInput, match="floor"):
        FitSettings(min_tempo=1.1)
    with pytest.raises(BadInput, match="step between chunks"):
        FitSettings(max_step=0.9)
    with pytest.raises(ValueError, match="2 speech durations for 1"):
        fit_dub(synthesis_units([Cue(0, 1000, "One.", "A")], "en"), [1, 2], video_end_ms=2000)
    assert fit_dub((), [], video_end_ms=0).lines == ()


@st.composite
def episodes(draw):
    cues, at = [], draw(st.integers(0, 2000))
    for _ in range(draw(st.integers(1, 12))):
        at += draw(st.integers(0, 3000))  # the gap before the cue: none, a subtitle gap, a pause
        duration = draw(st.integers(200, 6000))
        cues.append(Cue(at, at + duration, "x" * draw(st.integers(1, 60)), draw(st.sampled_from("AB"))))
        at += duration
    speech = draw(st.lists(st.integers(0, 9000), min_size=len(cues), max_size=len(cues)))
    return cues, speech, at + draw(st.integers(0, 3000)), draw(st.booleans())


@settings(max_examples=300, deadline=None)
@given(episodes())
def test_placed_lines_never_overlap_and_stay_on_their_cues(episode):
    cues, speech, video_end_ms, retime = episode
    units = synthesis_units(cues, "en")
    result = fit_dub(units, speech[:len(units)], video_end_ms=video_end_ms, retime=retime)
    lines = result.lines
    assert sorted(k for chunk in result.chunks for k in chunk.lines) == list(range(len(lines)))
    for chunk in result.chunks:
        assert {lines[k].tempo for k in chunk.lines} == {chunk.tempo}
        assert 1.0 <= chunk.tempo <= DEFAULTS.max_tempo
    for before, after in itertools.pairwise(result.chunks):
        faster, slower = max(before.tempo, after.tempo), min(before.tempo, after.tempo)
        assert slower * DEFAULTS.max_step >= faster - 0.001
    for index, (unit, line) in enumerate(zip(units, lines, strict=True)):
        assert line.cues == unit.cues and line.start_ms <= line.end_ms
        if index + 1 < len(lines):
            assert line.end_ms + DEFAULTS.min_gap_ms <= lines[index + 1].start_ms
            assert line.end_ms + DEFAULTS.min_gap_ms <= cues[line.cues[-1] + 1].start_ms
        assert line.end_ms <= video_end_ms
        if RETIMED not in line.flags:
            assert abs(line.start_ms - unit.start_ms) <= DEFAULTS.start_tolerance_ms
        assert (OVERRUN in line.flags) == (line.max_chars is not None)
        if OVERRUN in line.flags:
            assert line.max_chars < len(unit.text)
    violations = check_dub(lines, cues, video_end_ms=video_end_ms, retime=retime)
    assert {v.rule for v in violations} <= {"cut"}
    assert [v.cue for v in violations] == [line.cues[0] + 1 for line in lines if OVERRUN in line.flags]


def test_the_silence_an_engine_pads_a_line_with_is_trimmed_to_the_onset_and_decay():
    rate = 24_000
    speech = np.where(np.arange(rate // 2) % 2, 8000, -8000).astype("<i2")  # 500 ms, every sample loud
    hiss = np.full(rate // 4, 50, dtype="<i2")  # 250 ms either side, 44 dB under the speech: silence here
    trimmed = trim_silence(np.concatenate([hiss, speech, hiss]), rate, floor_db=-40.0, lead_ms=30, tail_ms=80)
    assert len(trimmed) == len(speech) + (30 + 80) * rate // 1000
    assert np.array_equal(trimmed[720:720 + len(speech)], speech)
    assert trim_silence(np.zeros(rate, dtype="<i2"), rate, floor_db=-40.0, lead_ms=30, tail_ms=80).size == 0
