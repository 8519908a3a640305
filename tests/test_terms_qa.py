"""Terminology QA that translators can trust (issue 13 item 4): terms found on word edges only, strictness per
entry (a missing preferred rendering warns, a missing required one or any forbidden one fails), cues of a bilingual
pair matched by time, and `localize qc terms` on real files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localize.errors import BadInput
from localize.glossary import Target, Term, TermFinder, find_terms, merge_terms, read_glossary
from localize.glossary.characters import Character
from localize.glossary.csvio import read_csv, write_csv
from localize.glossary.tbx import read_tbx, write_tbx
from localize.model import Cue
from localize.subtitles.profiles import load_profile
from localize.subtitles.qc import RULES, WARNINGS, Violation, report
from localize.translate.qa import LineTerm, check_terms, pair_cues, terms_found
from tests.conftest import REPO, localize

EN = REPO / "glossaries" / "zh-en.micro-drama.yaml"
HERO = Character("林凡", "male", "the hero", (), (("en", "Lin Fan"),))


@pytest.fixture(scope="module")
def en_terms() -> list[Term]:
    return merge_terms([read_glossary(EN)], [HERO], "en")


def _sources(text: str, terms: list[Term], language: str | None = "zh-Hans") -> list[str]:
    return [text[m.start:m.end] for m in find_terms(text, terms, ("林凡",), language)]


# ── word edges in the source ────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize(("text", "inside"), [
    ("万事有我", "万"),  # 'thousand' was demanded of "I've got this."
    ("我想小弟弟了", "小弟"),
    ("掩护我靠近点", "我靠"),  # the variant of 卧槽 inside 我 + 靠近
])
def test_a_term_inside_a_longer_word_is_not_found(en_terms, text, inside):
    assert inside in _sources(text, en_terms, language=None)  # what plain substring matching did
    assert inside not in _sources(text, en_terms)


@pytest.mark.parametrize(("text", "found"), [
    ("求姐姐放他一条生路吧", ["姐姐"]),
    ("我靠，太厉害了", ["我靠"]),
    ("他给了五百万", ["五百万"]),
    ("去你妈的", ["去你妈的"]),  # the curse has an entry of its own: nobody looks for 'Mom' in it
    ("林凡，你用微信吗？", ["林凡", "微信"]),
])
def test_whole_words_are_found_longest_and_names_first(en_terms, text, found):
    assert _sources(text, en_terms) == found


def test_a_name_claims_its_span_even_off_word_edges():
    dragon_king = Term("龙王", "archetype", (("en", Target(("the Dragon King",))),), "n")
    assert find_terms("王龙王来了", [dragon_king], ["王龙"], "zh-Hans") == []


# ── strictness ──────────────────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize(("kind", "required"), [
    ("person_name", True), ("brand", True), ("dnt", True),
    ("address", False), ("idiom", False), ("slang", False), ("archetype", False), ("place", False), ("number", False),
])
def test_strictness_defaults_by_kind(kind, required):
    assert Term("x", kind, ()).required is required


def test_an_entry_overrides_its_kinds_strictness_and_it_survives_every_format(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("source_language: zh-Hans\nterms:\n"
                    "  - {source: 林家, kind: address, strictness: required, note: n,\n"
                    "     targets: {en: {approved: [Lin]}}}\n"
                    "  - {source: 功夫, kind: dnt, strictness: preferred, note: n,\n"
                    "     targets: {en: {approved: [kung fu]}}}\n"
                    "  - {source: 微信, kind: brand, note: n, targets: {en: {approved: [WeChat]}}}\n",
                    encoding="utf-8")
    glossary = read_glossary(path)
    assert [(t.strictness, t.required) for t in glossary.terms] == [("required", True), ("preferred", False),
                                                                    ("", True)]
    (tmp_path / "g.csv").write_text(write_csv(glossary), encoding="utf-8")
    (tmp_path / "g.tbx").write_text(write_tbx(glossary), encoding="utf-8")
    assert read_csv(tmp_path / "g.csv").terms == glossary.terms
    assert read_tbx(tmp_path / "g.tbx").terms == glossary.terms


def test_an_unknown_strictness_is_refused_with_a_suggestion(tmp_path):
    path = tmp_path / "g.yaml"
    path.write_text("source_language: zh-Hans\nterms:\n"
                    "  - {source: 林家, kind: address, strictness: requried, note: n,\n"
                    "     targets: {en: {approved: [Lin]}}}\n",
                    encoding="utf-8")
    with pytest.raises(BadInput, match=r"terms\[0\]\.strictness.*did you mean 'required'"):
        read_glossary(path)


def test_shipped_overrides_keep_kung_fu_a_suggestion():
    kung_fu = next(t for t in read_glossary(EN).terms if t.source == "功夫")
    assert kung_fu.kind == "dnt" and not kung_fu.required


# ── what QA says about a line ───────────────────────────────────────────────────────────────────────────────
def _rules(source: str, target: str, terms: list[Term]) -> list[str]:
    return [f.rule for f in check_terms(target, terms_found(source, TermFinder(terms, ("林凡",), "zh-Hans"), "en"))]


@pytest.mark.parametrize(("source", "target", "rules"), [
    ("万事有我", "I've got this.", []),
    ("我想小弟弟了", "I miss my little brother.", []),
    ("掩护我靠近点", "Cover me while I get closer.", []),
    ("去你妈的", "Screw you!", []),
    ("求姐姐放他一条生路吧", "Please let him go!", ["term_preferred"]),  # a dropped vocative: a warning
    ("求姐姐放他一条生路吧", "Sister, please let him go!", []),
    ("林凡，你用微信吗？", "Hey, do you use WeChat?", ["term_missing"]),  # a name is required
    ("你用微信吗？", "Do you use micro letter?", ["term_missing", "term_forbidden"]),  # a brand too
    ("我真是有眼不识泰山！", "I failed to recognize Mount Tai!", ["term_preferred", "term_forbidden"]),
])
def test_findings_per_line(en_terms, source, target, rules):
    assert _rules(source, target, en_terms) == rules


def test_a_forbidden_rendering_inside_another_is_one_finding(en_terms):
    findings = check_terms("I failed to recognize Mount Tai!",
                           terms_found("我真是有眼不识泰山！", TermFinder(en_terms, (), "zh-Hans"), "en"))
    forbidden = [f.detail for f in findings if f.rule == "term_forbidden"]
    assert forbidden == ["有眼不识泰山: 'failed to recognize Mount Tai' is forbidden"]


def test_renderings_match_whole_words_ignoring_case():
    mom = LineTerm("妈", ("Mom",), ("mother",), required=False)
    assert [f.rule for f in check_terms("What a Moment!", [mom])] == ["term_preferred"]
    assert check_terms("MOM, wait!", [mom]) == []
    assert [f.rule for f in check_terms("Your Mother's here.", [mom])] == ["term_preferred", "term_forbidden"]


def test_warnings_are_reported_apart_and_never_fail_qc():
    assert "term_preferred" in RULES and set(WARNINGS) <= set(RULES)
    cues = [Cue(1000, 3000, "Please let him go!"), Cue(4000, 6000, "Bye.")]
    profile = load_profile("vertical", "en")
    warned = report(cues, [Violation(1, "term_preferred", "姐姐 → 'big sister' not in the translation", "none")],
                    profile)
    assert warned["passed"] and warned["violations"] == [] and warned["cues_passing"] == 2
    assert [w["rule"] for w in warned["warnings"]] == ["term_preferred"]
    failed = report(cues, [Violation(2, "term_missing", "林凡 → 'Lin Fan' not in the translation", "none")], profile)
    assert not failed["passed"] and failed["cues_passing"] == 1 and failed["warnings"] == []


# ── pairing cues by time ────────────────────────────────────────────────────────────────────────────────────
def _cues(*spans: tuple[int, int]) -> list[Cue]:
    return [Cue(start, end, f"{start}") for start, end in spans]


@pytest.mark.parametrize(("source", "target", "pairs"), [
    # one to one, a little off in time
    ([(0, 2000), (2000, 4000)], [(100, 2100), (2100, 4100)], [((0,), (0,)), ((1,), (1,))]),
    # a source cue translated as two target cues, then two source cues merged into one
    ([(0, 4000), (5000, 6000), (6000, 7000)], [(0, 2000), (2000, 4000), (5000, 7000)],
     [((0,), (0, 1)), ((1, 2), (2,))]),
    # a cue overlapping nothing is alone
    ([(0, 1000), (5000, 6000)], [(0, 1000), (8000, 9000)], [((0,), (0,)), ((1,), ()), ((), (1,))]),
    # target cues out of file order, one overlapping two source cues equally: the earlier wins
    ([(0, 2000), (2000, 4000)], [(3000, 4000), (1000, 3000)], [((0, 1), (0, 1))]),
])
def test_pairs_follow_the_longest_overlap_both_ways(source, target, pairs):
    assert pair_cues(_cues(*source), _cues(*target)) == pairs


def test_pairing_ten_thousand_cues_is_fast():
    import time

    source = _cues(*((i * 2000, i * 2000 + 1800) for i in range(10_000)))
    target = _cues(*((i * 2000 + 300, i * 2000 + 2100) for i in range(10_000)))
    started = time.perf_counter()
    pairs = pair_cues(source, target)
    assert len(pairs) == 10_000 and time.perf_counter() - started < 2


# ── `localize qc terms` on a bilingual pair ─────────────────────────────────────────────────────────────────
def _srt(path: Path, lines: list[str]) -> Path:
    blocks = [f"{i}\n00:00:{2 * i:02d},000 --> 00:00:{2 * i + 1:02d},500\n{line}\n" for i, line in enumerate(lines, 1)]
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


FALSE_ALARMS = [("万事有我", "I've got this."), ("去你妈的", "Screw you!"),
                ("我想小弟弟了", "I miss my little brother."), ("掩护我靠近点", "Cover me while I get closer."),
                ("求姐姐放他一条生路吧", "Please let him go!")]


def _qc_terms(tmp_path: Path, pairs: list[tuple[str, str]], *options: str | Path) -> tuple[int, dict]:
    source = _srt(tmp_path / "ep.zh.srt", [zh for zh, _ in pairs])
    target = _srt(tmp_path / "ep.en.srt", [en for _, en in pairs])
    result = localize("qc", "terms", source, target, "--glossary", EN, "--lang", "en", *options, "--json")
    assert "Traceback" not in result.stderr and not result.stderr, result.stderr
    return result.code, json.loads(result.stdout)


def test_terms_inside_words_and_dropped_vocatives_are_not_errors(tmp_path):
    code, found = _qc_terms(tmp_path, FALSE_ALARMS)
    assert code == 0 and found["passed"] and found["violations"] == []
    assert [(w["cue"], w["rule"]) for w in found["warnings"]] == [(5, "term_preferred")]
    warning = found["warnings"][0]
    assert warning["source"] == "求姐姐放他一条生路吧" and warning["target"] == "Please let him go!"
    assert warning["source_cues"] == warning["target_cues"] == [5] and warning["start_ms"] == 10_000
    assert warning["description"] == RULES["term_preferred"]
    assert (found["pairs"], found["unpaired"]) == (5, {"source_cues": [], "target_cues": []})
    assert found["language"] == "en" and found["source_language"] == "zh-Hans"


def test_a_planted_forbidden_rendering_and_a_missing_name_are_errors(tmp_path):
    sheet = tmp_path / "characters.yaml"
    sheet.write_text("characters:\n  - {name: 林凡, gender: male, renderings: {en: Lin Fan}}\n", encoding="utf-8")
    planted = [*FALSE_ALARMS, ("我真是有眼不识泰山！", "I failed to recognize Mount Tai!"),
               ("林凡，你用微信吗？", "Hey, do you use WeChat?")]
    code, found = _qc_terms(tmp_path, planted, "--characters", sheet)
    assert code == 1 and not found["passed"]
    assert [(v["cue"], v["rule"]) for v in found["violations"]] == [(6, "term_forbidden"), (7, "term_missing")]
    assert "Lin Fan" in found["violations"][1]["measured"]
    table = localize("qc", "terms", tmp_path / "ep.zh.srt", tmp_path / "ep.en.srt", "--glossary", EN, "--lang", "en",
                     "--characters", sheet)
    assert table.code == 1 and "term_forbidden" in table.stdout and "Terms failed" in table.stdout


def test_a_missing_name_from_the_glossary_is_an_error(tmp_path):
    names = tmp_path / "names.yaml"
    names.write_text("source_language: zh-Hans\nscope: series\nterms:\n"
                     "  - {source: 苏晴, kind: person_name, note: the heroine, targets: {en: {approved: [Su Qing]}}}\n",
                     encoding="utf-8")
    code, found = _qc_terms(tmp_path, [("苏晴，等等我", "Wait for me!"), ("苏晴来了", "Su Qing is here.")],
                            "--glossary", names)
    assert code == 1 and [(v["cue"], v["rule"]) for v in found["violations"]] == [(1, "term_missing")]


@pytest.mark.parametrize(("args", "phrase"), [
    (("missing.zh.srt", "ep.en.srt", "--glossary", EN, "--lang", "en"), "subtitle file not found"),
    (("ep.zh.srt", "ep.en.srt", "--glossary", "nowhere.yaml", "--lang", "en"), "glossary not found"),
    (("ep.zh.srt", "ep.en.srt", "--glossary", "ep.zh.srt", "--lang", "en"), "ep.zh.srt"),
    (("ep.zh.srt", "ep.en.srt", "--glossary", EN, "--lang", "english"), "english"),
    (("ep.zh.srt", "ep.en.srt", "--glossary", EN, "--lang", "fr"), "no glossary term has a rendering for fr"),
])
def test_user_mistakes_exit_2_with_one_line(tmp_path, args, phrase):
    _srt(tmp_path / "ep.zh.srt", ["万事有我"])
    _srt(tmp_path / "ep.en.srt", ["I've got this."])
    result = localize("qc", "terms", *args, cwd=tmp_path)
    lines = result.stderr.strip().splitlines()
    assert result.code == 2 and len(lines) == 1 and phrase in lines[0] and "Traceback" not in result.stderr
