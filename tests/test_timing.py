"""Timing, line breaking and segmentation rules: pure functions, tested without media."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from localize.model import Cue, Segment, Transcript, Word
from localize.subtitles.linebreak import break_lines
from localize.subtitles.profiles import load_profile
from localize.subtitles.qc import Speech, check_track
from localize.subtitles.segment import resegment, source_cues
from localize.subtitles.textwidth import derived_chars_per_line, line_fits
from localize.subtitles.timing import TimedCue, retime, to_frame

EN = load_profile("vertical", "en", 25)
ZH = load_profile("vertical", "zh-Hans", 25)


def test_vertical_screens_allow_fewer_latin_characters_than_netflix_42():
    assert 20 <= derived_chars_per_line(EN) < 42
    assert derived_chars_per_line(ZH) <= 16
    assert derived_chars_per_line(load_profile("landscape", "en")) == 42


def test_burned_in_band_moves_captions_above_it():
    profile = load_profile("vertical", "en", 25, burned_band_top_px=1400)
    assert profile.screen.safe_bottom == 1400 - 24


def test_english_breaks_after_punctuation_and_never_inside_name_or_article():
    assert break_lines("Save it. Here is five million yuan.", EN) == "Save it.\nHere is five million yuan."
    for text in ("I know the chairman is Lin Fan now", "Mom, please be kinder to my wife now"):
        first, second = break_lines(text, EN).split("\n")
        assert line_fits(first, EN) and line_fits(second, EN)
        assert first.split()[-1].lower() not in ("the", "a", "my", "i")
        assert not (first.endswith("Lin") and second.startswith("Fan"))


def test_chinese_never_starts_a_line_with_closing_punctuation():
    text = "我等了你整整三年你却从来没有正眼看过我"
    for candidate in (text[:12] + "，" + text[12:], text[:11] + "。" + text[11:]):
        first, second = break_lines(candidate, ZH).split("\n")
        assert second[0] not in "，。！？" and first + second == candidate


def _timed(start: int, end: int, text: str = "Hello there") -> TimedCue:
    return TimedCue(Cue(start, end, text), start, end)


def test_small_gaps_are_chained_to_two_frames_and_times_fall_on_frames():
    cues = [t.cue for t in retime([_timed(1000, 2000), _timed(2300, 3300)], EN)]
    assert to_frame(cues[1].start_ms, EN) - to_frame(cues[0].end_ms, EN) == 2
    assert all(c.start_ms % 40 == 0 and c.end_ms % 40 == 0 for c in cues)


def test_short_cue_is_extended_into_free_time():
    cue = retime([_timed(1000, 1300, "Go!"), _timed(5000, 6000)], EN)[0].cue
    assert cue.end_ms - cue.start_ms >= EN.min_duration_ms


def test_out_time_never_on_a_cut_or_one_frame_before():
    for end in (5960, 5920, 6000, 5880):  # 1 frame before, 2 before, on, 3 before the cut at 6.0 s
        cue = retime([_timed(4000, end), _timed(8000, 9000)], EN, shots_ms=(6000,))[0].cue
        assert to_frame(6000, EN) - to_frame(cue.end_ms, EN) not in (0, 1), end


def test_in_time_snaps_to_a_nearby_cut():
    cue = retime([_timed(6200, 8000)], EN, shots_ms=(6000,))[0].cue
    assert cue.start_ms == 6000


words_en = st.lists(st.tuples(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=12),
                              st.integers(80, 900), st.integers(0, 1500)), min_size=1, max_size=80)
HANZI = "我你他的是了不在有人这中大为上个国说们到要以时和地出道就也子得"
words_zh = st.lists(st.tuples(st.text(HANZI, min_size=1, max_size=3)
                              | st.sampled_from(["，", "。", "？", "！"]),
                              st.integers(80, 900), st.integers(0, 1500)), min_size=1, max_size=80)


def _transcript(items: list[tuple[str, int, int]], language: str) -> tuple[Transcript, list[Word]]:
    words, clock = [], 0
    for text, duration, gap in items:
        clock += gap
        words.append(Word(clock, clock + duration, text))
        clock += duration
    segment = Segment(words[0].start_ms, words[-1].end_ms, "".join(w.text for w in words), tuple(words))
    return Transcript(language, "asr", clock + 1000, (segment,)), words


def _assert_track_properties(timed: list[TimedCue], profile, expected_text: str, joiner: str) -> None:
    cues = [t.cue for t in timed]
    assert all(a.start_ms <= b.start_ms and a.end_ms <= b.start_ms for a, b in zip(cues, cues[1:], strict=False))
    assert joiner.join(c.text.replace("\n", joiner) for c in cues) == expected_text
    violations = check_track(cues, profile, speech=[Speech(t.speech_start_ms, t.speech_end_ms) for t in timed])
    flagged = {(v.cue, v.rule) for v in violations}
    for number, cue in enumerate(cues, 1):
        assert cue.end_ms > cue.start_ms
        assert cue.end_ms - cue.start_ms <= profile.max_duration_ms + profile.frame_ms
        assert len(cue.text.split("\n")) <= profile.max_lines
        if cue.end_ms - cue.start_ms < profile.min_duration_ms - profile.frame_ms / 2:
            assert (number, "duration_min") in flagged
        if any(not line_fits(line, profile) for line in cue.text.split("\n")):
            assert {(number, "line_chars"), (number, "line_width")} & flagged


@settings(max_examples=150, deadline=None)
@given(words_en)
def test_english_word_streams(items):
    transcript, words = _transcript(items, "en")
    _assert_track_properties(source_cues(transcript, EN), EN, " ".join(w.text for w in words), " ")


@settings(max_examples=150, deadline=None)
@given(words_zh)
def test_chinese_word_streams(items):
    transcript, words = _transcript(items, "zh-Hans")
    _assert_track_properties(source_cues(transcript, ZH), ZH, "".join(w.text for w in words), "")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text("abcdefghij ", min_size=1, max_size=120).filter(str.strip),
                          st.integers(300, 6000), st.integers(100, 2000)), min_size=1, max_size=20))
def test_resegmented_translations_keep_every_word_in_its_span(items):
    spans, clock = [], 0
    for text, duration, gap in items:
        clock += gap
        spans.append((clock, clock + duration, " ".join(text.split())))
        clock += duration
    timed = resegment(spans, EN)
    _assert_track_properties(timed, EN, " ".join(s[2] for s in spans), " ")
