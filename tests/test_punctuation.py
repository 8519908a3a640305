"""Chinese subtitle punctuation as functions: full-width marks beside Han text, none at a line's end, and
numbers, times, URLs and Latin phrases left as they were typed."""

from __future__ import annotations

import pytest

from localize.errors import BadInput
from localize.model import Cue, Segment, Transcript, Word
from localize.subtitles.fix import fix_cues
from localize.subtitles.profiles import Punctuation, language_rules, load_profile, with_overrides
from localize.subtitles.punctuation import drop_line_final, full_width, full_width_words
from localize.subtitles.segment import source_cues

ZH = load_profile("vertical", "zh-Hans", 25)
STYLE = ZH.language.punctuation


@pytest.mark.parametrize(("typed", "styled"), [
    ("妈,祝你生日快乐.", "妈，祝你生日快乐。"),
    ("你这个上门女婿,真是没用!", "你这个上门女婿，真是没用！"),
    ("你说什么?", "你说什么？"),
    ("听着:明天走;后天回", "听着：明天走；后天回"),
    ("真的?!", "真的？！"),
    ("你好, 我是林凡", "你好，我是林凡"),  # the space typed after an ASCII comma goes
    ("好的,OK", "好的，OK"),
    ("OK,好的", "OK，好的"),
    ("他说OK, fine,然后走了", "他说OK, fine，然后走了"),
    ("OK, fine", "OK, fine"),
    ("Hello, world. Bye!", "Hello, world. Bye!"),
    ("价格是3.5元", "价格是3.5元"),
    ("现在12:30了", "现在12:30了"),
    ("一共1,000元,够吗?", "一共1,000元，够吗？"),
    ("他今年25.", "他今年25。"),
    ("版本2.0.1发布了", "版本2.0.1发布了"),
    ("访问https://example.com/a.b?x=1,谢谢", "访问https://example.com/a.b?x=1，谢谢"),
    ("网址是www.example.com.", "网址是www.example.com。"),
    ("邮件发到lin.fan@example.com,好吗?", "邮件发到lin.fan@example.com，好吗？"),
    ("等等...你说什么", "等等...你说什么"),
    ("已经是全角，没问题。", "已经是全角，没问题。"),
    ("", ""),
    ("第一行,\n第二行!", "第一行，\n第二行！"),
])
def test_marks_beside_chinese_become_full_width(typed, styled):
    assert full_width(typed, STYLE) == styled


@pytest.mark.parametrize(("text", "kept"), [
    ("妈，祝你生日快乐。", "妈，祝你生日快乐"),
    ("我知道了。\n你走吧。", "我知道了\n你走吧"),
    ("真的吗？", "真的吗？"),
    ("好吧。。", "好吧"),
    ("。", "。"),  # a line of nothing else keeps it
    ("他来了。她走了", "他来了。她走了"),  # only at a line's end
    ("版本2.0.", "版本2.0."),  # an ASCII full stop is not the style's
])
def test_no_line_ends_with_a_full_stop(text, kept):
    assert drop_line_final(text, STYLE) == kept


def test_other_languages_have_no_style_and_keep_every_mark():
    english = load_profile("vertical", "en", 25).language.punctuation
    assert english == Punctuation()
    assert full_width("你好,world.", english) == "你好,world."
    assert drop_line_final("Done.", english) == "Done."


def test_words_are_judged_across_word_boundaries_and_keep_their_times():
    words = [Word(0, 200, "好"), Word(200, 300, ","), Word(300, 500, "OK"), Word(500, 600, ","),
             Word(600, 800, " fine"), Word(800, 900, "3"), Word(900, 950, "."), Word(950, 1000, "5")]
    styled = full_width_words(words, STYLE)
    assert [w.text for w in styled] == ["好", "，", "OK", ",", " fine", "3", ".", "5"]
    assert [(w.start_ms, w.end_ms) for w in styled] == [(w.start_ms, w.end_ms) for w in words]


def test_asr_cues_get_full_width_marks_and_keep_the_full_stops_that_end_sentences():
    text = "妈,祝你生日快乐.你这个上门女婿,真是没用!"
    words = tuple(Word(i * 150, i * 150 + 150, ch) for i, ch in enumerate(text))
    transcript = Transcript("zh-Hans", "asr", 10_000, (Segment(0, len(text) * 150, text, words),))
    cues = [t.cue.text for t in source_cues(transcript, ZH)]
    # Translation reads sentences from the source cues, so their full stops stay (subs fix drops them).
    assert "".join(cues).replace("\n", "") == "妈，祝你生日快乐。你这个上门女婿，真是没用！"


def test_fix_applies_the_style_and_keeps_latin_phrases():
    fixed = fix_cues([Cue(1000, 3000, "我说OK, fine,好的."), Cue(4000, 6000, "现在12:30了!")], ZH)
    assert [c.text for c in fixed] == ["我说OK,fine，好的", "现在12:30了！"]


def test_a_job_can_change_the_marks_but_not_unpair_them():
    data = with_overrides({"languages": {"zh": {"punctuation": {"dropped_at_line_end": ""}}}}, "subtitles")
    assert language_rules("zh", data).punctuation.dropped_at_line_end == ""
    broken = with_overrides({"languages": {"zh": {"punctuation": {"ascii": ",."}}}}, "subtitles")
    with pytest.raises(BadInput, match="pair mark for mark"):
        language_rules("zh", broken)
