"""Review files as functions: XLIFF 2.1 and XLSX written, edited by third-party libraries, read back; the
post-edit effort rules. (The export/import commands and the review stage are tested with a job.)"""

from __future__ import annotations

import io
import time

import pytest

from localize.asr.metrics import edit_distance
from localize.errors import BadInput
from localize.model import Cue
from localize.review.build import DraftedSentence, joined_target, review_units, spread, with_dub_slots
from localize.review.check import check_import
from localize.review.effort import band, post_edit_effort
from localize.review.units import CueSegment, Fingerprint, ReviewUnit
from localize.review.xliff import read_xliff, write_xliff
from localize.review.xlsx import read_xlsx, write_xlsx
from localize.translate.qa import LineTerm

FINGERPRINT = Fingerprint("sample", "ep01", "en", "ab" * 32)
UNITS = [
    ReviewUnit("s1", (CueSegment(1, 1000, 2500, "你这个上门女婿，", "You live-in son-in-law,"),
                      CueSegment(2, 2600, 4000, "给我滚！", "get out!")),
               speaker="王母", addressee="林凡", match="llm", max_chars=40, flags=("term_missing: x",),
               terms=(LineTerm("上门女婿", ("live-in son-in-law",), ("door-to-door son-in-law",), "marries in"),)),
    ReviewUnit("s2", (CueSegment(3, 4200, 6000, "我是天龙集团的董事长。", "I'm the chairman of Tianlong Group."),),
               speaker="林凡", match="tm 100", max_chars=40, before="你这个上门女婿，给我滚！"),
]


def test_xliff_carries_hints_and_reads_back():
    data = write_xliff(UNITS, FINGERPRINT, "zh-Hans", "en")
    text = data.decode()
    assert 'version="2.1"' in text and 'srcLang="zh-Hans"' in text and 'trgLang="en"' in text
    assert "上门女婿 → live-in son-in-law; never: door-to-door son-in-law" in text
    assert "at most 40 characters" in text and "王母 → 林凡" in text
    back = read_xliff(data, "ep01.en.xlf")
    assert back.fingerprint == FINGERPRINT
    assert [u.id for u in back.units] == ["s1", "s2"]
    assert back.units[0].targets == ((1, "You live-in son-in-law,"), (2, "get out!"))
    assert write_xliff(UNITS, FINGERPRINT, "zh-Hans", "en") == data  # deterministic


def test_xliff_edited_by_translate_toolkit_reads_back():
    xliff2 = pytest.importorskip("translate.storage.xliff2")
    store = xliff2.Xliff2File.parsestring(write_xliff(UNITS, FINGERPRINT, "zh-Hans", "en"))
    edited = next(u for u in store.units if u.source == "给我滚！")
    edited.target = "Get lost!"
    back = read_xliff(bytes(store), "edited.xlf")
    assert back.units[0].targets == ((1, "You live-in son-in-law,"), (2, "Get lost!"))
    assert back.fingerprint == FINGERPRINT


def test_xliff_inline_markup_and_bad_state_are_refused_by_unit():
    data = write_xliff(UNITS, FINGERPRINT, "zh-Hans", "en").decode()
    tagged = data.replace("<target>get out!</target>", '<target>get <ph id="1"/>out!</target>')
    with pytest.raises(BadInput, match="unit s1 segment c2.*inline markup"):
        read_xliff(tagged.encode(), "x.xlf")
    with pytest.raises(BadInput, match="unit s2 segment c3.*unknown state 'done'"):
        read_xliff(data.replace('id="c3" state="translated"', 'id="c3" state="done"').encode(), "x.xlf")


def test_xliff_refuses_entities_and_other_files():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><xliff version="2.1">&a;</xliff>'
    with pytest.raises(BadInput, match="DTD or entities"):
        read_xliff(bomb, "bomb.xlf")
    with pytest.raises(BadInput, match="not an XLIFF 2 file"):
        read_xliff(b"<tmx version='1.4'/>", "memory.tmx")


def test_xlsx_edited_with_openpyxl_reads_back():
    from openpyxl import load_workbook

    data = write_xlsx(UNITS, FINGERPRINT, "zh-Hans", "en")
    time.sleep(1.1)  # openpyxl stamps the second into what it saves
    assert write_xlsx(UNITS, FINGERPRINT, "zh-Hans", "en") == data  # deterministic bytes
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet.data_validations.dataValidation[0].formula1 == '"initial,translated,reviewed,final"'
    assert book["localize"].sheet_state == "hidden"
    sheet["H4"] = "I chair Tianlong Group."
    for row in (2, 3, 4):
        sheet[f"I{row}"] = "reviewed"
    edited = io.BytesIO()
    book.save(edited)
    back = read_xlsx(edited.getvalue(), "ep01.en.xlsx")
    assert back.fingerprint == FINGERPRINT
    assert back.units[1].targets == ((3, "I chair Tianlong Group."),)
    assert {u.state for u in back.units} == {"reviewed"}


def test_xlsx_that_is_not_a_workbook_is_bad_input():
    with pytest.raises(BadInput, match="not an XLSX workbook"):
        read_xlsx(b"PK\x03\x04 broken", "x.xlsx")


@pytest.mark.parametrize(("draft", "approved", "language", "edited", "percent", "band_name"), [
    ("You live-in son-in-law, get out!", "You live-in son-in-law, get out!", "en", 0, 0.0, "0%"),
    ("You live-in son-in-law, get out!", "You freeloader, get out!", "en", 2, 28.57, "15-30%"),
    ("我是董事长", "我是董事长。", "zh-Hans", 1, 16.67, "15-30%"),
    ("Go.", "Leave now, please", "en", 4, 100.0, "100%"),
])
def test_post_edit_effort_counts_words_or_characters(draft, approved, language, edited, percent, band_name):
    effort = post_edit_effort(draft, approved, language)
    assert (effort.edited_tokens, effort.percent, band(effort.percent)) == (edited, percent, band_name)


def test_edit_distance_is_levenshtein():
    assert edit_distance(list("kitten"), list("sitting")) == 3
    assert edit_distance([], list("abc")) == 3


@pytest.mark.parametrize(("target", "weights", "language"), [
    ("You live-in son-in-law, get out!", [8, 4], "en"),
    ("你这个上门女婿，给我滚！", [8, 4], "zh-Hans"),
    ("I'm the chairman of Tianlong Group.", [3, 3, 3], "en"),
])
def test_a_translation_spreads_over_its_cues_between_words_and_joins_back(target, weights, language):
    parts = spread(target, weights, language)
    assert len(parts) == len(weights)
    assert joined_target(parts, language) == target
    assert all(not part or part[-1] != "-" for part in parts)  # never inside son-in-law


def test_review_units_carry_cues_context_and_limits():
    source = [Cue(1000, 2500, "你这个上门女婿，", "王母"), Cue(2600, 4000, "给我滚！", "王母"),
              Cue(4200, 6000, "我是天龙集团的董事长。", "林凡")]
    sentences = [DraftedSentence((0, 1), "You live-in son-in-law, get out!", "llm"),
                 DraftedSentence((2,), "I'm the chairman of Tianlong Group.", "tm 100")]
    units = review_units(sentences, source, "en", 17.0)
    assert [u.id for u in units] == ["s1", "s2"]
    assert [s.cue for s in units[0].segments] == [1, 2]
    assert units[0].speaker == "王母" and units[1].speaker == "林凡"
    assert units[0].max_chars == 51  # 17 cps over 3.0 s
    assert units[1].before == "你这个上门女婿，给我滚！" and units[0].after == "我是天龙集团的董事长。"
    assert joined_target([s.target for s in units[0].segments], "en") == "You live-in son-in-law, get out!"


# --- checking a reviewed file before it changes anything ---

def _reviewed(edits: dict[str, str], units=UNITS, fingerprint=FINGERPRINT):
    """The export of ``units`` read back, with the targets of some segments edited ("s1/2": cue 2 of s1)."""
    data = write_xliff(units, fingerprint, "zh-Hans", "en").decode()
    for where, text in edits.items():
        unit_id, cue = where.split("/")
        unit = next(u for u in units if u.id == unit_id)
        old = next(s.target for s in unit.segments if s.cue == int(cue))
        data = data.replace(f"<target>{old}</target>", f"<target>{text}</target>", 1)
    return read_xliff(data.encode(), "ep01.en.xlf")


def test_a_clean_edit_gives_approvals_and_no_problem():
    approvals, problems = check_import(UNITS, FINGERPRINT, _reviewed({"s1/2": "beat it!"}))
    assert problems == []
    assert [(a.unit, a.target) for a in approvals] == [("s1", "You live-in son-in-law, beat it!"),
                                                       ("s2", "I'm the chairman of Tianlong Group.")]


def test_glossary_and_leftover_chinese_are_errors_named_by_unit():
    approvals, problems = check_import(UNITS, FINGERPRINT, _reviewed({
        "s1/1": "You door-to-door son-in-law,", "s2/3": "I'm the 董事长 of Tianlong Group."}))
    assert {(p.unit, p.rule) for p in problems if p.is_error} == {("s1", "term_forbidden"), ("s1", "term_missing"),
                                                                  ("s2", "untranslated")}


def test_a_preferred_term_dropped_or_a_long_line_is_only_a_warning():
    units = [UNITS[0].__class__(**{**UNITS[0].__dict__, "terms": (LineTerm("上门女婿", ("live-in son-in-law",),
                                                                           required=False),), "max_chars": 20})]
    _, problems = check_import(units, FINGERPRINT, _reviewed({"s1/1": "You bum,"}, units))
    assert {p.rule for p in problems} == {"term_preferred"} and not any(p.is_error for p in problems)
    _, problems = check_import(units, FINGERPRINT, _reviewed({}, units))
    assert [p.rule for p in problems] == ["too_long"] and not problems[0].is_error


def test_a_file_for_another_draft_or_with_units_changed_is_refused():
    other = Fingerprint("sample", "ep01", "en", "cd" * 32)
    _, problems = check_import(UNITS, other, _reviewed({}))
    assert [p.rule for p in problems] == ["fingerprint"] and "--rebase" in problems[0].detail
    assert check_import(UNITS, other, _reviewed({}), rebase=True)[1] == []
    _, problems = check_import(UNITS, Fingerprint("sample", "ep02", "en", "ab" * 32), _reviewed({}))
    assert "not sample ep02 en" in problems[0].detail
    shortened = [UNITS[0]]
    _, problems = check_import(shortened, FINGERPRINT, _reviewed({}))
    assert [(p.unit, p.rule) for p in problems] == [("s2", "extra")]
    _, problems = check_import([*UNITS, ReviewUnit("s3", (CueSegment(4, 7000, 8000, "好。", "OK."),))],
                               FINGERPRINT, _reviewed({}))
    assert [(p.unit, p.rule) for p in problems] == [("s3", "missing")]


def test_dub_slots_and_overruns_reach_their_sentences():
    target = [Cue(1000, 2500, "You live-in son-in-law,", sources=(0,)), Cue(2600, 4000, "get out!", sources=(1,)),
              Cue(4200, 6000, "I'm the chairman of Tianlong Group.", sources=(2,))]
    placed = [{"cues": [1, 2], "start_ms": 1000, "end_ms": 3950},
              {"cues": [3], "start_ms": 4200, "end_ms": 6000, "max_chars": 28}]
    first, second = with_dub_slots(UNITS, placed, target)
    assert (first.dub_slot_ms, first.max_chars, first.flags) == (2950, 40, UNITS[0].flags)
    assert (second.dub_slot_ms, second.max_chars) == (1800, 28)
    assert second.flags[-1] == "dub overrun: at most 28 characters fit the dub slot"
