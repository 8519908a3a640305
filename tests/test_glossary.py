"""Glossaries: strict schema, Chinese term matching (longest first, never inside a name), lint, TBX/CSV
interchange, safe XML, and the shipped glossaries against the sample's reference translation."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pysubs2
import pytest

from localize.errors import BadInput
from localize.glossary import (
    Glossary,
    Target,
    Term,
    character_terms,
    find_terms,
    lint,
    merge_terms,
    protected_names,
    read_glossary,
)
from localize.glossary.characters import Character, load_characters
from localize.glossary.csvio import read_csv, write_csv
from localize.glossary.pronunciation import Pronunciations
from localize.glossary.tbx import read_tbx
from tests.conftest import REPO, localize

GLOSSARIES = REPO / "glossaries"
EN = GLOSSARIES / "zh-en.micro-drama.yaml"
HEADER = "source_language: zh-Hans\nterms:\n"


def _write(path: Path, body: str) -> Path:
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def read_csv_text(path: Path, text: str) -> Glossary:
    path.write_text(text, encoding="utf-8")
    return read_csv(path)


def _term(source: str, rendering: str = "x", kind: str = "archetype", locale: str = "en") -> Term:
    return Term(source, kind, ((locale, Target((rendering,))),), "note")


# ── schema ──────────────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize(("body", "phrases"), [
    ("  - {source: 总裁, kind: archetype, note: n, targets: {en: {aproved: [CEO]}}}\n",
     ["terms[0].targets.en.aproved", "did you mean 'approved'"]),
    ("  - {source: 总裁, kind: archtype, note: n, targets: {en: {approved: [CEO]}}}\n",
     ["terms[0].kind", "did you mean 'archetype'"]),
    ("  - {source: 总裁, kind: archetype, notes: n}\n", ["terms[0].notes", "did you mean 'note'"]),
    ("  - {source: 总裁, kind: archetype, note: n, targets: {english: {approved: [CEO]}}}\n",
     ["terms[0].targets.english", "unknown language code"]),
    ("  - {kind: archetype, note: n}\n", ["terms[0].source", "is required"]),
    ("  - {source: 人民币, kind: number, note: n, targets: {en: {approved: [yuan], say: yuen}}}\n",
     ["terms[0].targets.en.say", "must map a rendering to how it is said"]),
    ("  - {source: 人民币, kind: number, note: n, targets: {en: {approved: [yuan], say: {yuan: ''}}}}\n",
     ["terms[0].targets.en.say", "empty entry for yuan"]),
])
def test_schema_errors_name_file_key_path_and_fix(tmp_path, body, phrases):
    path = _write(tmp_path / "bad.yaml", body)
    with pytest.raises(BadInput) as error:
        read_glossary(path)
    assert str(path) in str(error.value)
    for phrase in phrases:
        assert phrase in str(error.value)


def test_a_valid_file_reads_into_frozen_dataclasses(tmp_path):
    path = _write(tmp_path / "ok.yaml", "  - source: 霸道总裁\n    kind: archetype\n    variants: [霸总]\n"
                                         "    scope: series\n    note: why\n"
                                         "    targets: {en: {approved: [billionaire CEO], forbidden: [president]}}\n")
    glossary = read_glossary(path)
    term = glossary.terms[0]
    assert (glossary.scope, term.scope, term.surfaces) == ("global", "series", ("霸道总裁", "霸总"))
    assert term.target("en") == Target(("billionaire CEO",), ("president",))
    with pytest.raises(AttributeError):
        term.note = "changed"  # type: ignore[misc]


# ── matching ────────────────────────────────────────────────────────────────────────────────────────
def test_longest_term_wins():
    short, long = _term("总裁", "CEO"), _term("霸道总裁", "the domineering CEO")
    matches = find_terms("他是霸道总裁，不是普通总裁", [short, long])
    assert [(m.start, m.end, m.term.source) for m in matches] == [(2, 6, "霸道总裁"), (11, 13, "总裁")]


def test_longest_first_then_leftmost_without_overlap():
    matches = find_terms("ABCD", [_term("AB"), _term("BCD"), _term("CD")])
    assert [m.term.source for m in matches] == ["BCD"]
    assert [m.term.source for m in find_terms("ABAB", [_term("AB"), _term("BA")])] == ["AB", "AB"]


def test_never_matches_inside_or_across_a_character_name():
    dragon_king, boss = _term("龙王", "the Dragon King"), _term("总", "boss")
    assert find_terms("王龙王来了", [dragon_king], protected_names=["王龙"]) == []
    assert find_terms("李总好", [boss], protected_names=["李总"]) == []
    assert [m.start for m in find_terms("龙王和王龙", [dragon_king], protected_names=["王龙"])] == [0]


def test_character_names_beat_glossary_entries():
    hero = Character("龙王", "male", "the hero, nicknamed after the title", (), (("en", "Long Wang"),))
    glossary = Glossary("zh-Hans", "global", (_term("龙王", "the Dragon King"), _term("集团", "Group")))
    terms = merge_terms([glossary], [hero], "en")
    assert [t.source for t in terms] == ["龙王", "集团"]
    matches = find_terms("龙王集团", terms)
    assert [(m.term.kind, m.term.target("en").preferred) for m in matches] == [
        ("person_name", "Long Wang"), ("archetype", "Group")]


def test_series_scope_overrides_global_and_terms_without_the_locale_drop_out():
    genre = Glossary("zh-Hans", "global", (_term("总裁", "CEO"), _term("千金", "heredera", locale="es")))
    series = Glossary("zh-Hans", "series", (Term("总裁", "archetype", (("en", Target(("Chairman",))),), "n",
                                                 "series"),))
    terms = merge_terms([genre, series], [], "en")
    assert [(t.source, t.target("en").preferred) for t in terms] == [("总裁", "Chairman")]


def test_locale_fallback_exact_then_language_never_the_reverse():
    term = Term("老婆", "address", (("pt", Target(("esposa",))), ("pt-BR", Target(("mulher",)))), "n")
    assert term.target("pt-BR").preferred == "mulher"
    assert term.target("pt-PT").preferred == "esposa"
    assert term.target("es") is None
    only_regional = Term("老婆", "address", (("es-419", Target(("esposa",))),), "n")
    assert only_regional.target("es") is None
    names = character_terms([Character("林凡", "male", "hero", (), (("es", "Lin Fan"),))], "es-419")
    assert names[0].target("es-419").preferred == "Lin Fan"
    assert names[0].kind == "person_name" and "hero" in names[0].note


# ── lint ────────────────────────────────────────────────────────────────────────────────────────────
PLANTED = """\
  - {source: 总裁, kind: archetype, note: n, targets: {en: {approved: [CEO]}}}
  - {source: 总裁, kind: archetype, note: n, targets: {en: {approved: [CEO]}}}
  - {source: 千金, kind: archetype, note: n, targets: {en: {approved: []}}}
  - {source: 神医, kind: archetype, targets: {en: {approved: [miracle doctor]}}}
  - {source: 渣男, kind: slang, note: n, targets: {en: {approved: [jerk], forbidden: [Jerk]}}}
  - {source: 吃醋, kind: idiom, note: n, targets: {en: {approved: [jealous]}}}
  - {source: 吃醋了, kind: idiom, note: n, targets: {en: {approved: [jealous]}}}
  - {source: 白月光, kind: archetype, note: n}
  - {source: CEO, kind: archetype, note: n, targets: {en: {approved: [CEO]}}}
  - {source: 绿茶, kind: slang, note: n, targets: {en: {approved: [schemer, '']}}}
"""


def test_lint_finds_each_planted_problem(tmp_path):
    planted = _write(tmp_path / "planted.yaml", PLANTED)
    other = _write(tmp_path / "other.yaml", "  - {source: 吃醋, kind: idiom, note: n, "
                                            "targets: {en: {approved: [envious]}}}\n")
    findings = lint([tmp_path])
    found = {(f.severity, f.where, f.term, Path(f.file).name) for f in findings}
    assert ("error", "terms[1]", "总裁", "planted.yaml") in found  # duplicate
    assert ("error", "terms[2].targets.en.approved", "千金", "planted.yaml") in found  # empty approved
    assert ("error", "terms[3].note", "神医", "planted.yaml") in found  # missing note
    assert ("error", "terms[4].targets.en", "渣男", "planted.yaml") in found  # approved also forbidden
    assert ("warning", "terms[5]", "吃醋", "planted.yaml") in found  # shadowed by 吃醋了
    assert ("error", "terms[7].targets", "白月光", "planted.yaml") in found  # no targets
    assert ("warning", "terms[8].source", "CEO", "planted.yaml") in found  # Latin-only source
    assert ("error", "terms[9].targets.en.approved", "绿茶", "planted.yaml") in found  # an empty rendering: a finding
    conflict = [f for f in findings if "conflicts" in f.message]
    assert len(conflict) == 1 and conflict[0].term == "吃醋" and "other.yaml terms[0]" in conflict[0].message
    shadow = next(f for f in findings if f.term == "吃醋" and f.severity == "warning")
    assert "吃醋了" in shadow.message and "longer entry always wins" in shadow.message

    result = localize("glossary", "lint", planted, other)
    assert result.code == 1, result.stderr
    assert f"{planted}: terms[3].note 神医: error:" in result.stdout
    assert "2 glossaries: 7 errors, 2 warnings" in result.stdout


def test_lint_cli_bad_yaml_is_exit_2(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("terms: [unclosed\n", encoding="utf-8")
    result = localize("glossary", "lint", broken)
    assert result.code == 2 and "malformed YAML" in result.stderr and "Traceback" not in result.stderr


def test_shipped_glossaries_lint_clean_via_the_cli():
    result = localize("glossary", "lint", GLOSSARIES)
    assert result.code == 0, result.stdout + result.stderr
    assert "0 errors" in result.stdout


def test_shipped_glossary_entry_counts_and_notes():
    expected = {"zh-en.micro-drama.yaml": ("en", 150), "zh-es.micro-drama.yaml": ("es-419", 60),
                "zh-pt-BR.micro-drama.yaml": ("pt-BR", 60), "zh-id.micro-drama.yaml": ("id", 60)}
    for name, (locale, minimum) in expected.items():
        glossary = read_glossary(GLOSSARIES / name)
        assert len(glossary.terms) >= minimum, name
        assert all(t.target(locale) and t.target(locale).approved and len(t.note) >= 20 for t in glossary.terms), name


def _says(text: str, phrase: str) -> bool:
    """Case-insensitive whole-word containment, as terminology QA checks it ('Mom' is not in 'Moment')."""
    return re.search(rf"(?<!\w){re.escape(phrase.casefold())}(?!\w)", text.casefold()) is not None


def test_the_en_glossary_agrees_with_the_sample_reference():
    """Every glossary term in each Chinese cue has an approved rendering in the matching English cue,
    and none of its forbidden renderings."""
    glossary = read_glossary(EN)
    characters = load_characters(REPO / "samples" / "characters.yaml")
    terms = merge_terms([glossary], characters, "en")
    chinese = pysubs2.load(str(REPO / "samples" / "ep01.zh.srt"))
    english = pysubs2.load(str(REPO / "samples" / "ep01.en.srt"))
    assert len(chinese) == len(english)
    checked = 0
    for zh, en in zip(chinese, english, strict=True):
        text = en.plaintext.replace("\n", " ")
        for match in find_terms(zh.plaintext, terms, protected_names(characters)):
            target = match.term.target("en")
            if match.term.kind == "person_name":
                continue
            checked += 1
            assert any(_says(text, r) for r in target.approved), (zh.plaintext, match.term.source, text)
            assert not any(_says(text, f) for f in target.forbidden), (zh.plaintext, match.term.source)
    assert checked >= 15


# ── pronunciations ──────────────────────────────────────────────────────────────────────────────────
def test_a_pronunciation_must_say_an_approved_rendering_one_way(tmp_path):
    planted = _write(tmp_path / "say.yaml", """\
  - {source: 人民币, kind: number, note: n, targets: {en: {approved: [yuan], say: {yuan: yuen}}}}
  - {source: 块钱, kind: number, note: n, targets: {en: {approved: [bucks, yuan], say: {Yuan: you-ahn}}}}
  - {source: 元宝, kind: food, note: n, targets: {en: {approved: [gold ingot], say: {yuanbao: yuen-bow}}}}
""")
    findings = {(f.where, f.term): f.message for f in lint([planted])}
    assert "'yuen' at terms[0]" in findings[("terms[1].targets.en.say", "块钱")]
    assert "not an approved en rendering" in findings[("terms[2].targets.en.say", "元宝")]
    assert len(findings) == 2


def test_pronunciations_replace_whole_words_series_first():
    genre = Glossary("zh-Hans", "global", (
        Term("人民币", "number", (("en", Target(("yuan",), say=(("yuan", "yuen"),))),), "n"),
        Term("人民币现金", "number", (("en", Target(("yuan notes",), say=(("yuan notes", "yuen notes"),))),), "n"),
        Term("林凡", "person_name", (("pt", Target(("Lin Fan",), say=(("Lin Fan", "Lin Fã"),))),), "n"),
    ))
    series = Glossary("zh-Hans", "series", (
        Term("元", "number", (("en", Target(("yuan",), say=(("YUAN", "ywahn"),))),), "n", "series"),))
    assert Pronunciations.of([genre], "en").apply("Yuan notes, yuanbao and 5 yuan.") == \
        "yuen notes, yuanbao and 5 yuen."
    assert Pronunciations.of([genre, series], "en").apply("5 yuan") == "5 ywahn"  # the series glossary wins
    assert Pronunciations.of([genre], "pt-BR").apply("Lin Fan chegou.") == "Lin Fã chegou."  # pt-BR falls back to pt
    assert Pronunciations.of([genre], "es").apply("5 yuan") == "5 yuan"


def test_csv_say_cells_round_trip_and_a_bad_one_names_its_row(tmp_path):
    glossary = Glossary("zh-Hans", "global", (
        Term("人民币", "number", (("en", Target(("yuan", "RMB"), say=(("yuan", "yuen"), ("RMB", "R M B")))),), "n"),))
    assert read_csv_text(tmp_path / "ok.csv", write_csv(glossary)).terms == glossary.terms
    bad = tmp_path / "bad.csv"
    bad.write_text("source,kind,locale,approved,forbidden,note,say\n人民币,number,en,yuan,,n,yuan yuen\n",
                   encoding="utf-8")
    with pytest.raises(BadInput, match="row 2: say 'yuan yuen' is not 'rendering = how it is said'"):
        read_csv(bad)


# ── TBX and CSV ─────────────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("suffix", [".tbx", ".csv"])
def test_round_trip_yaml_to_interchange_to_yaml_is_equal(tmp_path, suffix):
    exported, back = tmp_path / f"en{suffix}", tmp_path / "back.yaml"
    assert localize("glossary", "export", EN, "-o", exported).code == 0
    result = localize("glossary", "import", exported, "-o", back)
    assert result.code == 0, result.stderr
    assert read_glossary(back) == read_glossary(EN)


def test_tbx_export_is_tbx_basic_dca(tmp_path):
    out = tmp_path / "en.tbx"
    assert localize("glossary", "export", EN, "-o", out).code == 0
    text = out.read_text(encoding="utf-8")
    assert '<tbx xmlns="urn:iso:std:iso:30042:ed-2" type="TBX-Basic" style="dca" xml:lang="zh-Hans">' in text
    for marker in ("<tbxHeader>", "<sourceDesc>", '<conceptEntry id="c1">', '<descrip type="subjectField">',
                   '<langSec xml:lang="en">', "deprecatedTerm-admn-sts", "preferredTerm-admn-sts", "<note>",
                   '<termNote type="pronunciation">yuen</termNote>'):
        assert marker in text


def test_martif_tbx_imports(tmp_path):
    martif = tmp_path / "old.tbx"
    martif.write_text("""<?xml version="1.0"?>
<martif type="TBX" xml:lang="en"><martifHeader><fileDesc><sourceDesc><p>client</p></sourceDesc></fileDesc>
</martifHeader><text><body>
<termEntry id="t1"><descrip type="definition">Wife's family calls him this.</descrip>
  <langSet xml:lang="zh-CN"><tig><term>赘婿</term></tig></langSet>
  <langSet xml:lang="en"><tig><term>live-in son-in-law</term>
    <termNote type="administrativeStatus">preferredTerm-admn-sts</termNote></tig>
    <ntig><termGrp><term>uxorilocal son-in-law</term>
    <termNote type="administrativeStatus">deprecatedTerm-admn-sts</termNote></termGrp></ntig></langSet>
</termEntry></body></text></martif>""", encoding="utf-8")
    glossary = read_tbx(martif, default_kind="archetype")
    assert glossary.source_language == "zh-CN"
    term = glossary.terms[0]
    assert (term.source, term.kind, term.note) == ("赘婿", "archetype", "Wife's family calls him this.")
    assert term.target("en") == Target(("live-in son-in-law",), ("uxorilocal son-in-law",))
    result = localize("glossary", "import", martif, "-o", tmp_path / "x.yaml")
    assert result.code == 2 and "--kind" in result.stderr


def test_csv_import_reports_row_problems(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("source,kind,locale,approved,forbidden,note\n总裁,archtype,en,CEO,,n\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"row 2: kind 'archtype' is unknown; did you mean 'archetype'"):
        read_csv(bad)
    bad.write_text("source,kind,locale,aproved,forbidden,note\n", encoding="utf-8")
    with pytest.raises(BadInput, match="missing column"):
        read_csv(bad)


# ── hostile XML ─────────────────────────────────────────────────────────────────────────────────────
CANARY = "canary-7f3a9c-secret"

BOMB = """<?xml version="1.0"?>
<!DOCTYPE tbx [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
""" + "".join(f' <!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(9)) + """]>
<tbx type="TBX-Basic" style="dca" xml:lang="zh"><text><body><conceptEntry id="c1">
<langSec xml:lang="zh"><termSec><term>&j;</term></termSec></langSec></conceptEntry></body></text></tbx>
"""


def _external_entity(canary: Path) -> str:
    return f"""<?xml version="1.0"?>
<!DOCTYPE tbx [<!ENTITY secret SYSTEM "file://{canary}">]>
<tbx type="TBX-Basic" style="dca" xml:lang="zh"><text><body><conceptEntry id="c1">
<descrip type="subjectField">plot</descrip><note>&secret;</note>
<langSec xml:lang="zh"><termSec><term>&secret;</term></termSec></langSec></conceptEntry></body></text></tbx>
"""


@pytest.mark.parametrize("case", ["external entity", "billion laughs"])
def test_hostile_tbx_is_refused_with_exit_2_reading_nothing_in_little_memory(tmp_path, case):
    canary = tmp_path / "canary.txt"
    canary.write_text(CANARY, encoding="utf-8")
    hostile = tmp_path / "hostile.tbx"
    hostile.write_text(_external_entity(canary) if case == "external entity" else BOMB, encoding="utf-8")
    out = tmp_path / "out.yaml"
    # A fresh parent process, so the peak RSS measured is this import's alone, not earlier tests' children.
    probe = ("import json, resource, subprocess, sys\n"
             "done = subprocess.run([sys.executable, '-m', 'localize', 'glossary', 'import', sys.argv[1], '-o', "
             "sys.argv[2]], capture_output=True, text=True)\n"
             "print(json.dumps({'code': done.returncode, 'stdout': done.stdout, 'stderr': done.stderr,\n"
             "                  'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))\n")
    run = subprocess.run([sys.executable, "-c", probe, str(hostile), str(out)], capture_output=True, text=True,
                         check=True, cwd=REPO)
    result = json.loads(run.stdout)
    assert result["code"] == 2, result
    assert "refused" in result["stderr"] and "Traceback" not in result["stderr"]
    assert CANARY not in result["stdout"] + result["stderr"]
    assert not out.exists()
    assert result["maxrss_kb"] < 150 * 1024, result["maxrss_kb"]
