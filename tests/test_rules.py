"""Pure rules: hallucination guards, the first cue split, language tags."""

from __future__ import annotations

import pytest

from localize.asr.hallucination import clean_segments
from localize.errors import BadInput
from localize.languages import chinese_script, normalize_tag, whisper_language
from localize.model import Segment, Word
from localize.subtitles.linebreak import layout
from localize.subtitles.profiles import load_profile
from localize.subtitles.segment import group_words

ZH = load_profile("vertical", "zh-Hans", 25)


def _words(text: str, start: int = 0, step: int = 200, gap: int = 0) -> tuple[Word, ...]:
    return tuple(Word(start + i * (step + gap), start + i * (step + gap) + step, ch) for i, ch in enumerate(text))


def _segment(text: str, start: int = 0, **kwargs) -> Segment:
    words = _words(text, start)
    return Segment(words[0].start_ms, words[-1].end_ms, text, words, **kwargs)


def test_known_silence_phrases_are_dropped():
    kept, dropped = clean_segments([_segment("你好"), _segment("请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", 5000),
                                    _segment("字幕由Amara.org社区提供", 9000)])
    assert [s.text for s in kept] == ["你好"]
    assert [d["reason"] for d in dropped] == ["known hallucination phrase"] * 2


def test_looping_phrase_inside_a_segment_is_collapsed():
    tokens = ["我", "爱", "你"] * 4
    looped = Segment(0, 2400, "我爱你" * 4, tuple(Word(i * 200, i * 200 + 200, t) for i, t in enumerate(tokens)))
    kept, dropped = clean_segments([looped])
    assert kept[0].text == "我爱你" and kept[0].end_ms == 600
    assert dropped[0]["reason"] == "repeated phrase collapsed"


def test_short_laughter_is_kept_but_a_long_loop_is_not():
    kept, _ = clean_segments([_segment("哈哈哈"), _segment("哈" * 12, 5000)])
    assert [s.text for s in kept] == ["哈哈哈", "哈"]


def test_third_identical_segment_in_a_row_is_dropped():
    kept, dropped = clean_segments([_segment("谢谢", i * 1000) for i in range(4)])
    assert len(kept) == 2 and len(dropped) == 2


def test_whisper_silence_and_compression_rules():
    kept, dropped = clean_segments([
        _segment("嗯", no_speech_prob=0.9, avg_logprob=-1.5),
        _segment("对对对", 2000, compression_ratio=3.1),
        _segment("真的吗", 4000, no_speech_prob=0.9, avg_logprob=-0.3),
    ])
    assert [s.text for s in kept] == ["真的吗"]
    assert len(dropped) == 2


def test_groups_split_at_sentence_end_and_pause_and_max_duration():
    words = _words("你好。") + _words("我来了", start=700) + _words("然后", start=2500)
    assert ["".join(w.text for w in g) for g in group_words(list(words), ZH)] == ["你好。", "我来了", "然后"]
    long_run = group_words(list(_words("一二三四五六七八九十" * 3, step=300)), ZH)
    assert all(g[-1].end_ms - g[0].start_ms <= 7000 for g in long_run) and len(long_run) >= 2


def test_long_chinese_sentence_splits_at_a_clause_and_fits_the_screen():
    text = "我等了你整整三年，你却从来没有正眼看过我一次，今天我终于想明白了"
    groups = group_words(list(_words(text, step=100)), ZH)
    pieces = ["".join(w.text for w in g) for g in groups]
    assert "".join(pieces) == text
    assert pieces[0].endswith("，")
    assert all(layout(p, ZH).fits for p in pieces)


@pytest.mark.parametrize("tag, expected", [("zh-hans", "zh-Hans"), ("PT_br", "pt-BR"), ("es-419", "es-419"),
                                           ("zh-Hant-TW", "zh-Hant-TW"), ("yue", "yue")])
def test_normalize_tag(tag, expected):
    assert normalize_tag(tag) == expected


def test_unknown_tags_suggest():
    with pytest.raises(BadInput, match="did you mean 'zh-Hans'"):
        normalize_tag("zh-Hns")
    with pytest.raises(BadInput):
        normalize_tag("english")


def test_script_and_whisper_code():
    assert chinese_script("zh") == "Hans" and chinese_script("zh-TW") == "Hant" and chinese_script("en") is None
    assert whisper_language("zh-Hans") == "zh"
