"""Two speakers in one cue (issue 13 item 5): one line each, opened by the language's dialogue dash, and never
re-broken across speakers, whether the cue came merged from two overlapping ones or from a file."""

from __future__ import annotations

import pysubs2
import pytest

from localize.errors import BadInput
from localize.formats.overlaps import arrange
from localize.formats.transcript import import_transcript
from localize.model import Cue
from localize.subtitles.dialogue import dialogue, lay_out, turns
from localize.subtitles.fix import fix_cues
from localize.subtitles.linebreak import break_lines
from localize.subtitles.profiles import language_rules, load_profile, with_overrides
from localize.subtitles.segment import source_cues
from localize.subtitles.sentences import sentences_from_cues
from tests.conftest import localize

EN, FR, ZH = (load_profile("vertical", language, 25) for language in ("en", "fr", "zh-Hans"))


@pytest.mark.parametrize("text, expected", [
    ("- Are you coming?\n- In a minute.", ["Are you coming?", "In a minute."]),
    ("-Are you\ncoming?\n-In a minute.", ["Are you coming?", "In a minute."]),  # a turn broken over two lines
    ("Are you coming?\n-In a minute.", ["Are you coming?", "In a minute."]),  # dash on the second line only
    ("– 你好！\n– 谁？", ["你好！", "谁？"]),  # en dashes
    ("-你好\n世界！\n-谁？", ["你好世界！", "谁？"]),  # CJK joins without a space
    ("It will be\n-5 degrees tonight.", []),  # a minus sign, not a speaker
    ("Are you coming?\nIn a minute.", []),  # no dash: one speaker's text broken in two
    ("-Are you coming? I'm leaving.", []),  # one speaker
], ids=["both-dashed", "turn-over-two-lines", "second-line-only", "en-dash", "cjk", "minus", "no-dash", "one"])
def test_a_dialogue_is_found_by_its_dashes(text, expected):
    assert turns(text) == expected


def test_each_speaker_gets_a_line_with_the_language_s_dash():
    text = "- Are you coming?\n- In a minute."
    assert lay_out(text, EN) == "-Are you coming?\n-In a minute."  # Netflix English: no space
    assert lay_out(text, FR) == "- Are you coming?\n- In a minute."  # Netflix French: a space
    assert lay_out("Just one\nspeaker here", EN) == "Just one speaker here" == break_lines("Just one\nspeaker here", EN)


def test_two_short_speakers_are_never_joined_on_one_line():
    # "-你好！-谁？" fits one Chinese line of 16: a line breaker would put both speakers on it
    assert lay_out("- 你好！\n- 谁？", ZH) == "-你好！\n-谁？"
    long = "-I have waited three whole years for this day to come\n-So have I."
    assert lay_out(long, EN).split("\n") == ["-I have waited three whole years for this day to come", "-So have I."]


def test_subs_fix_keeps_a_line_per_speaker():
    fixed = fix_cues([Cue(1000, 3000, "- 你好。\n- 谁？"), Cue(4000, 6000, "-Hi.\n-Who?\n")], ZH)
    assert [c.text for c in fixed] == ["-你好\n-谁？", "-Hi.\n-Who?"]  # zh: no line-final full stop


def test_overlapping_cues_merge_with_the_dash_given_one_line_each():
    cues = [Cue(1000, 3000, "Are you\ncoming?", "A"), Cue(2000, 3500, "In a minute.", "B")]
    (merged,) = arrange(cues, "merge", dash="-")
    assert merged == Cue(1000, 3500, "-Are you coming?\n-In a minute.", "")
    assert dialogue(["你好！", "谁？"], "- ") == "- 你好！\n- 谁？"


def test_the_dash_style_is_profile_data_a_job_can_override():
    assert [language_rules(lang).dialogue_dash for lang in ("en", "zh-Hans", "fr", "es-419", "pt-BR", "de")] == \
        ["-", "-", "- ", "- ", "- ", "-"]
    data = with_overrides({"languages": {"en": {"dialogue_dash": "- "}, "de": {"dialogue_dash": "- "}}}, "subtitles")
    assert language_rules("en", data).dialogue_dash == language_rules("de", data).dialogue_dash == "- "
    with pytest.raises(BadInput, match="languages.en.dialogue_dsh: unknown key; did you mean 'dialogue_dash'"):
        with_overrides({"languages": {"en": {"dialogue_dsh": "- "}}}, "subtitles")
    for bad in ("--", "* ", 5, "-  "):
        with pytest.raises(BadInput, match="dialogue_dash: must be one dash"):
            language_rules("en", with_overrides({"languages": {"en": {"dialogue_dash": bad}}}, "subtitles"))


def test_the_fix_command_lays_out_a_merged_dialogue_in_english_style(tmp_path):
    source = tmp_path / "in.srt"
    subs = pysubs2.SSAFile()
    subs.events = [pysubs2.SSAEvent(start=1000, end=3000, text="Are you coming?"),
                   pysubs2.SSAEvent(start=2000, end=3500, text="In a minute.")]
    subs.save(str(source))
    done = localize("subs", "fix", source, "-o", tmp_path / "out.srt", "--lang", "en")
    assert "Traceback" not in done.stderr, done.stderr
    (cue,) = pysubs2.load(str(tmp_path / "out.srt")).events
    assert cue.plaintext == "-Are you coming?\n-In a minute."


def test_an_imported_dialogue_cue_becomes_one_source_line_and_sentence_per_speaker(tmp_path):
    subtitles = tmp_path / "ep.zh.srt"
    subtitles.write_text("1\n00:00:01,000 --> 00:00:03,000\n- 你好！我是林凡。\n- 谁？\n", encoding="utf-8")
    transcript = import_transcript(subtitles, "zh-Hans", 6000)
    assert [s.text for s in transcript.segments] == ["你好！我是林凡。", "谁？"]
    assert transcript.segments[0].start_ms == 1000 and transcript.segments[1].end_ms == 3000
    cues = [t.cue for t in source_cues(transcript, load_profile("vertical", "zh-Hans", 25))]
    assert [c.text for c in cues] == ["你好！我是林凡。", "谁？"]  # never "你好！我是林凡。谁？" on one line
    assert [s.text for s in sentences_from_cues(cues, "zh-Hans")] == ["你好！我是林凡。", "谁？"]
