"""Issue 13 items 1-2: Chinese lines and cues break only between the segmenter's words, and sentences for
translation end where unpunctuated speech stops: the rules as functions. The acceptance on the sample, the three
recordings and an unpunctuated clip made from their recognised words reads the series run of
``test_acceptance_timing.py`` (one transcription of each)."""

from __future__ import annotations

import re
from dataclasses import replace

from localize.formats import read_track
from localize.model import Cue, Segment, Transcript, Word
from localize.subtitles.linebreak import break_lines, layout
from localize.subtitles.profiles import load_profile
from localize.subtitles.qc import check_cue_text
from localize.subtitles.segment import group_words, source_cues
from localize.subtitles.sentences import sentences_from_cues
from localize.words import word_spans
from tests.conftest import REPO

ZH = load_profile("vertical", "zh-Hans", 25)
MARKS = re.compile(r"[^\w]")  # what is stripped to make the unpunctuated clip: every mark, no letter


def _inside_a_word(text: str, offset: int, extra_words: tuple[str, ...] = ()) -> bool:
    return any(start < offset < end for start, end in word_spans(text, "zh", extra_words))


def _line_break(laid_out: str) -> int:
    """Where the (one) line break falls in the joined text; 0 for one line."""
    return len(laid_out.split("\n")[0]) if "\n" in laid_out else 0


def _script_lines() -> list[str]:
    return [cue.text.replace("\n", "") for path in sorted((REPO / "samples").glob("*.zh.srt"))
            for cue in read_track(path, "zh-Hans").cues]


def _tokens(text: str, step: int = 120, pauses: dict[int, int] | None = None) -> list[Word]:
    """Whisper-like Chinese "words": one character each, with a pause (ms) before the characters named."""
    words, clock = [], 0
    for i, char in enumerate(text):
        clock += (pauses or {}).get(i, 0)
        words.append(Word(clock, clock + step, char))
        clock += step
    return words


# --- Line breaks ---------------------------------------------------------------------------------------------

def test_the_issue_line_breaks_between_words():
    assert break_lines("我可以把三十年的经验变成一个准确的算法", ZH) == "我可以把三十年的经验\n变成一个准确的算法"


def test_no_line_break_inside_a_word_of_the_scripts():
    """Every script line of the sample and the recordings, alone and joined to the next, with its marks and
    without them (158 texts when there were ep01 and rec02-04, 18 of them broken inside a word before the
    segmenter; ep02, the stranger and the tongue twister came later): none broken inside a word."""
    lines = _script_lines()
    texts = lines + [a + b for a, b in zip(lines, lines[1:], strict=False)]
    texts += [MARKS.sub("", t) for t in texts]
    broken = [t for t in texts if "\n" in break_lines(t, ZH)]
    assert len(broken) > 50  # most need two lines: the test weighs real breaks
    assert not [t for t in broken if _inside_a_word(t, _line_break(break_lines(t, ZH)))]


def test_a_line_ends_after_punctuation_then_before_a_conjunction():
    assert break_lines("别叫我老婆，我们已经离婚了", ZH) == "别叫我老婆，\n我们已经离婚了"
    assert break_lines("你都不知道就签了要是被人骗了", ZH) == "你都不知道就签了\n要是被人骗了"


def test_particles_stay_with_their_word_and_no_line_ends_on_de():
    text = "这是我这辈子见过的最漂亮的一件衣服"
    first, second = break_lines(text, ZH).split("\n")
    assert second[0] not in "的了过" and first[-1] not in "的最"


def test_glossary_terms_and_names_are_never_cut():
    text = "他在我们家当了三年上门女婿却从来没有抱怨过"
    assert not _inside_a_word(text, text.index("女婿"))  # the segmenter alone splits the term: 上门/女婿
    assert _inside_a_word(text, text.index("女婿"), ("上门女婿",))
    assert _line_break(break_lines(text, ZH)) == text.index("女婿")
    assert break_lines(text, ZH, ("上门女婿",)) == "他在我们家当了三年\n上门女婿却从来没有抱怨过"


def test_a_word_too_long_for_a_line_stays_whole_and_qc_reports_the_line():
    title = "天龙集团董事长兼总经理林凡先生"  # one name, 15 characters: wider than a vertical line (12)
    laid_out = layout(title + "到了", ZH, (title,))
    assert laid_out.text == f"{title}\n到了" and not laid_out.fits
    assert {v.rule for v in check_cue_text(1, Cue(0, 2000, laid_out.text), ZH)} == {"line_width"}


def test_languages_without_a_segmenter_still_get_two_fitting_lines():
    ja = load_profile("vertical", "ja", 25)
    lines = break_lines("今日はとても良い天気ですね本当に", ja).split("\n")
    assert len(lines) == 2 and all(layout(line, ja).fits for line in lines)


# --- Cues from unpunctuated recognised words --------------------------------------------------------------------

RUN = "对方到底是谁你都不知道就签了要是被人骗了我们全家都要陪你一起破产"  # 32 characters, no mark


def _cut_offsets(pieces: list[str]) -> list[int]:
    """Where each piece but the first starts in the pieces' joined text."""
    offsets, done = [], 0
    for piece in pieces[:-1]:
        done += len(piece)
        offsets.append(done)
    return offsets


def _cue_cuts(pieces: list[list[Word]]) -> list[int]:
    return _cut_offsets(["".join(w.text for w in piece) for piece in pieces])


def test_an_unpunctuated_run_is_cut_into_cues_between_words():
    pieces = group_words(_tokens(RUN), ZH)
    assert "".join(w.text for piece in pieces for w in piece) == RUN
    assert len(pieces) >= 2 and not [o for o in _cue_cuts(pieces) if _inside_a_word(RUN, o)]


def test_a_pause_decides_the_cut_but_never_inside_a_word():
    at_edge = RUN.index("要是")
    assert at_edge in _cue_cuts(group_words(_tokens(RUN, pauses={at_edge: 300}), ZH))
    inside = RUN.index("破产") + 1  # 破|产: the longest pause, inside a word
    assert inside not in _cue_cuts(group_words(_tokens(RUN, pauses={inside: 400}), ZH))


def _segment(text: str, start: int, step: int = 150) -> Segment:
    words = tuple(Word(start + i * step, start + (i + 1) * step, char) for i, char in enumerate(text))
    return Segment(words[0].start_ms, words[-1].end_ms, text, words)


def test_a_recognised_segment_end_ends_a_cue_and_a_sentence_without_a_pause():
    """Whisper ends a segment where the speaker stopped, even when its word times show no gap (rec04:
    这家店是我家开的 | 什么)."""
    first = _segment("这家店是我家开的", 0)
    transcript = Transcript("zh-Hans", "asr", 5000, (first, _segment("什么", first.end_ms)))
    cues = [t.cue for t in source_cues(transcript, ZH)]
    assert [c.text for c in cues] == ["这家店是我家开的", "什么"]
    assert [s.text for s in sentences_from_cues(cues, "zh-Hans")] == ["这家店是我家开的", "什么"]


# --- Sentences ---------------------------------------------------------------------------------------------------

def test_an_unmarked_cue_end_ends_a_chinese_sentence_but_not_an_english_one():
    zh = [Cue(0, 1500, "离婚手续，我还没有办完"), Cue(1580, 3000, "总裁，你到底想怎么样？")]
    assert len(sentences_from_cues(zh, "zh-Hans")) == 2
    en = [Cue(0, 1500, "I can put up"), Cue(1580, 3000, "with anything.")]
    assert len(sentences_from_cues(en, "en")) == 1


def test_a_comma_before_half_a_second_of_blank_screen_ends_a_chinese_sentence():
    cues = [Cue(0, 2000, "三年了，你在我家吃白饭，"), Cue(2600, 4000, "我女儿嫁给你，真是瞎了眼。")]
    assert len(sentences_from_cues(cues, "zh-Hans")) == 2
    chained = [replace(cues[0], end_ms=2520), cues[1]]  # a gap the timing rules closed: the clause goes on
    assert [s.cue_indexes for s in sentences_from_cues(chained, "zh-Hans")] == [(0, 1)]
