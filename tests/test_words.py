"""Word boundaries: the rule under line breaks, sentence splits and glossary matching."""

from __future__ import annotations

import pytest

from localize.words import find_word, word_edges, word_spans

GLOSSARY = ("万", "妈", "小弟", "我靠", "姐姐", "五百万", "上门女婿")


def test_chinese_words_are_not_cut():
    text = "我可以把三十年的经验变成一个准确的算法"
    words = [text[start:end] for start, end in word_spans(text, "zh-Hans")]
    assert "经验" in words and "算法" in words
    assert "".join(words) == text


def test_glossary_terms_stay_whole_words():
    text = "天龙集团的董事长是上门女婿"
    plain = [text[s:e] for s, e in word_spans(text, "zh-Hans")]
    known = [text[s:e] for s, e in word_spans(text, "zh-Hans", GLOSSARY)]
    assert "上门女婿" not in plain and "上门女婿" in known


@pytest.mark.parametrize(("text", "term", "found"), [
    ("万事有我", "万", False),
    ("我想小弟弟了", "小弟", False),
    ("掩护我靠近点", "我靠", False),
    ("我靠，太厉害了", "我靠", True),
    ("求姐姐放他一条生路吧", "姐姐", True),
    ("他给了五百万", "五百万", True),
])
def test_terms_match_on_word_edges_only(text, term, found):
    assert (find_word(text, term, word_edges(text, "zh-Hans", GLOSSARY)) >= 0) is found


@pytest.mark.parametrize(("text", "term", "offset"), [
    ("Please call Lin Fan now", "Lin Fan", 12),
    ("Linfan", "Lin", -1),
    ("Hi Mr. Lin", "Mr.", 3),
    ("It's a Moment", "Mom", -1),
    ("my son-in-law", "law", -1),
    ("my son-in-law", "son-in-law", 3),
])
def test_spaced_languages_split_on_spaces_and_punctuation(text, term, offset):
    assert find_word(text, term, word_edges(text, "en")) == offset


def test_languages_without_a_segmenter_break_anywhere():
    assert word_edges("こんにちは", "ja") == frozenset(range(6))
