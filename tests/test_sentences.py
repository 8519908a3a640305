"""Sentences for translation: joined from cue fragments, and translations laid back over their own span."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from localize.model import Cue
from localize.subtitles.profiles import load_profile
from localize.subtitles.sentences import cues_from_translations, sentences_from_cues

EN = load_profile("vertical", "en", 25)


def test_fragments_join_until_the_sentence_ends():
    cues = [Cue(0, 1000, "为了我老婆，"), Cue(1100, 2000, "我什么都能忍。"), Cue(2600, 3500, "少废话，"),
            Cue(3600, 4400, "这里是五百万。"), Cue(6500, 7000, "什么"), Cue(9000, 9500, "你")]
    sentences = sentences_from_cues(cues, "zh-Hans")
    assert [s.text for s in sentences] == ["为了我老婆，我什么都能忍。", "少废话，这里是五百万。", "什么", "你"]
    assert [s.cue_indexes for s in sentences] == [(0, 1), (2, 3), (4,), (5,)]
    assert (sentences[0].start_ms, sentences[0].end_ms) == (0, 2000)


def test_speaker_change_ends_a_sentence():
    cues = [Cue(0, 1000, "Are you", "A"), Cue(1100, 2000, "sure", "B")]
    assert len(sentences_from_cues(cues, "en")) == 2


def test_english_lines_join_with_spaces():
    cues = [Cue(0, 1000, "For my wife's sake,"), Cue(1100, 2000, "I can put\nup with anything.")]
    assert sentences_from_cues(cues, "en")[0].text == "For my wife's sake, I can put up with anything."


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(200, 4000), st.integers(100, 2500),
                          st.text("abcdefgh ", min_size=1, max_size=90).filter(str.strip)), min_size=1, max_size=15))
def test_translations_stay_inside_their_sentence_span(items):
    cues, clock = [], 0
    for duration, gap, _ in items:
        clock += gap
        cues.append(Cue(clock, clock + duration, "。"))
        clock += duration
    sentences = sentences_from_cues(cues, "zh-Hans")
    translations = [" ".join(items[s.cue_indexes[0]][2].split()) for s in sentences]
    timed = cues_from_translations(sentences, translations, EN)
    words = " ".join(t.cue.text.replace("\n", " ") for t in timed).split()
    assert words == " ".join(translations).split()
    for item in timed:  # every piece lies within (or lingers just after) the span of its own sentence
        owner = [s for s in sentences if s.start_ms <= item.speech_start_ms <= s.end_ms]
        assert owner and item.cue.start_ms >= owner[0].start_ms - EN.frame_ms
