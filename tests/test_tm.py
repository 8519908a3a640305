"""Translation memory: scores and bands computed by hand, ranking, TMX round trips and real-world TMX,
hostile XML refused cheaply, leverage counts and their Decimal weighting. Real SQLite, real files, real CLI."""

from __future__ import annotations

import random
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from xml.sax import saxutils

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from localize import xmlsafe
from localize.errors import BadInput
from localize.store import WorkStore
from localize.translate import match
from localize.translate.leverage import BANDS, count_units, leverage, weighted_units
from localize.translate.tm import TMMatch, TranslationMemory, TranslationUnit
from localize.translate.tmx import read_tmx, tmx_bytes
from localize.xmlsafe import parse_xml
from tests.conftest import localize

LINE = "我今天一定要让你们知道谁才是这个家的主人"  # 20 characters
NEW_CHARACTERS = "甲乙丙丁戊己庚辛壬癸子"  # none of them is in LINE


def memory(*units: TranslationUnit) -> TranslationMemory:
    tm = TranslationMemory(sqlite3.connect(":memory:", isolation_level=None))
    tm.add(units)
    return tm


def unit(source: str, target: str, target_lang: str = "en", **fields) -> TranslationUnit:
    return TranslationUnit(source, target, "zh-Hans", target_lang, **fields)


def substituted(count: int) -> str:
    return NEW_CHARACTERS[:count] + LINE[count:]


# --- scores and bands -----------------------------------------------------------------------------
@pytest.mark.parametrize(("substitutions", "score", "band"),
                         [(1, 95, "95-99"), (2, 90, "85-94"), (4, 80, "75-84"), (8, 60, "50-74")])
def test_substitutions_in_a_twenty_character_line(substitutions: int, score: int, band: str) -> None:
    assert len(LINE) == 20
    found = memory(unit(LINE, "I'll show you who runs this house.")).lookup(substituted(substitutions), "en")
    assert (found.score, found.band, found.target) == (score, band, "I'll show you who runs this house.")


def test_below_fifty_is_no_match() -> None:
    tm = memory(unit(LINE, "I'll show you who runs this house."))
    assert match.score(substituted(11), LINE) == 45  # floor(100 × 9/20)
    assert tm.lookup(substituted(11), "en") is None
    assert tm.lookup(" \u3000 ", "en") is None


def test_insertions_and_deletions() -> None:
    tm = memory(unit("好的", "OK."), unit("你给我站住", "Stop right there"))
    assert (tm.lookup("好的吧", "en").score, tm.lookup("好的吧", "en").band) == (66, "50-74")  # 1 - 1/3
    assert tm.lookup("给我站住", "en").score == 80  # 1 - 1/5


def test_exact_after_normalization() -> None:
    tm = memory(unit("你给我站住！ 快点", "Stop right there! Now."))
    for same in ("你给我站住! 快点", "  你给我站住！\u3000快点\n", "你给我站住！   快点"):
        found = tm.lookup(same, "en")
        assert (found.score, found.band) == (100, "100"), same


def test_differences_only_in_punctuation_or_whitespace_score_99() -> None:
    tm = memory(unit("好！", "Fine!"), unit("你给我站住", "Stop right there"))
    assert tm.lookup("好。", "en").score == 99  # Levenshtein alone would say 50
    assert tm.lookup("你 给我站住……", "en").score == 99
    assert tm.lookup("你给我站住。", "en").band == "95-99"


def test_context_match_is_101_only_with_both_neighbours_equal() -> None:
    tm = memory(unit("你敢！", "How dare you!", context_before="我要休了你。", context_after="滚出去！"))
    assert tm.lookup("你敢！", "en", "我要休了你。", "滚出去！").score == 101
    assert tm.lookup("你敢！", "en", "我要休了你。", "滚出去！").band == "101"
    assert tm.lookup("你敢！", "en", " 我要休了你。", "滚出去！ ").score == 101  # normalized
    assert tm.lookup("你敢！", "en", "我要休了你。", "").score == 100
    assert tm.lookup("你敢！", "en", "我要娶你。", "滚出去！").score == 100
    assert tm.lookup("你敢！", "en").score == 100


def test_ranking_score_then_approved_then_exact_tag_then_recency() -> None:
    tm = memory(
        unit("他是我老公。", "He's my husband (old).", created="2024-01-01T00:00:00Z"),
        unit("他是我老公。", "He's my husband (new).", created="2024-06-01T00:00:00Z"),
        unit("他是我老公。", "He is my husband.", "en-GB", approved=True, created="2023-01-01T00:00:00Z"),
        unit("他是我老公！", "He IS my husband!", approved=True, created="2025-01-01T00:00:00Z"),
    )
    assert tm.lookup("他是我老公。", "en").target == "He is my husband."  # approved beats newer
    assert tm.lookup("他是我老公！", "en").score == 100  # higher score beats all of them
    tm.add([unit("他是我老公。", "He's my husband (approved).", "en", approved=True,
                 created="2022-01-01T00:00:00Z")])
    assert tm.lookup("他是我老公。", "en").target == "He's my husband (approved)."  # exact tag beats en-GB
    assert tm.lookup("他是我老公。", "en-GB").target == "He is my husband."
    plain = memory(unit("走吧。", "Let's go (old).", created="2024-01-01T00:00:00Z"),
                   unit("走吧。", "Let's go (new).", created="2024-06-01T00:00:00Z"))
    assert plain.lookup("走吧。", "en").target == "Let's go (new)."


def test_languages_match_by_script_and_by_language_with_region_fallback() -> None:
    tm = memory(unit("谢谢。", "Thanks, mate.", "EN-gb"), unit("谢谢。", "謝謝。", "zh-TW"),
                unit("谢谢。", "Gracias.", "es-419"))
    assert tm.lookup("谢谢。", "en-US").target == "Thanks, mate."
    assert tm.lookup("谢谢。", "zh-Hant").target == "謝謝。"
    assert tm.lookup("谢谢。", "zh-HK").target == "謝謝。"
    assert tm.lookup("谢谢。", "zh-Hans") is None
    assert tm.lookup("谢谢。", "pt-BR") is None
    assert [match.language_tag(t) for t in ("zh-CN", "zh_sg", "ZH-CHS", "zh-TW", "zh-hk", "zh-Hant-TW", "es-419")] \
        == ["zh-Hans", "zh-Hans", "zh-Hans", "zh-Hant", "zh-Hant", "zh-Hant", "es-419"]


def test_lookup_finds_what_a_brute_force_search_finds() -> None:
    """The fuzzy index prunes; this proves it never prunes away the best score."""
    rng = random.Random(7)
    words = ["我", "你", "林总", "苏小姐", "今天", "一定", "要娶", "骗了", "三千万", "那块玉佩", "苏家", "吗？", "！",
             "哈哈"]
    sources = sorted({"".join(rng.choice(words) for _ in range(rng.randint(1, 6))) for _ in range(400)})
    tm = memory(*(unit(s, f"t{i}") for i, s in enumerate(sources)))
    queries = ["".join(rng.choice(words) for _ in range(rng.randint(1, 6))) for _ in range(150)]
    queries += [s[:-1] + "甲" for s in rng.sample(sources, 50)]
    for query in queries:
        best = max(match.score(match.normalize(query), match.normalize(s)) for s in sources)
        found = tm.lookup(query, "en")
        assert (found.score if found else None) == (best if best >= 50 else None), query


# --- storage ----------------------------------------------------------------------------------------
def test_adding_twice_adds_nothing_and_approval_sticks() -> None:
    tm = memory(unit("滚！", "Get out!", created="2024-01-01T00:00:00Z"))
    assert tm.add([unit(" 滚！", "Get out!", approved=True, created="2024-02-01T00:00:00Z")]) == 0
    assert tm.add([unit("滚！", "Get out!", created="2023-01-01T00:00:00Z")]) == 0
    assert len(tm) == 1
    found = tm.lookup("滚！", "en").unit
    assert (found.approved, found.created) == (True, "2024-02-01T00:00:00Z")


def test_approved_episode_feeds_the_next_one_with_context_matches(tmp_path: Path) -> None:
    store = WorkStore(tmp_path / "work")
    tm = TranslationMemory(store.db)
    ep1 = ["你是谁？", "我是你老公。", "滚！"]
    targets = ["Who are you?", "I'm your husband.", "Get out!"]
    assert tm.add_approved(ep1, targets, "zh-Hans", "en", "approved:ep01") == 3
    found = tm.match_segments(["你是谁？", "我是你老公。", "滚！", "你滚吧！"], "en")
    assert [(m.score, m.band) for m in found] == [(100, "100"), (101, "101"), (100, "100"), (50, "50-74")]
    assert found[1].unit.origin == "approved:ep01" and found[1].unit.approved
    assert store.db.execute("SELECT count(*) FROM tm_units").fetchone()[0] == 3
    with pytest.raises(ValueError):
        tm.add_approved(["一", "二"], ["one"], "zh-Hans", "en", "approved:ep02")
    assert len(tm) == 3


def test_a_memory_sees_units_another_process_added(tmp_path: Path) -> None:
    path = tmp_path / "tm.sqlite"
    reader = TranslationMemory.open(path, create=True)
    assert reader.lookup(LINE, "en") is None  # builds the fuzzy index while empty
    TranslationMemory.open(path).add([unit(LINE, "I'll show you who runs this house.")])
    assert reader.lookup(substituted(1), "en").score == 95


def test_open_refuses_what_is_not_a_memory(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no translation memory"):
        TranslationMemory.open(tmp_path / "missing.sqlite")
    (tmp_path / "notes.sqlite").write_text("not a database, just notes\n" * 100)
    with pytest.raises(BadInput, match="cannot use"):
        TranslationMemory.open(tmp_path / "notes.sqlite")


# --- TMX --------------------------------------------------------------------------------------------
ROUND_TRIP_UNITS = [
    unit("你给我站住！", "Stop right there!", context_before="他跑了。", context_after="别跑！", origin="approved:ep03",
         approved=True, created="2024-05-06T07:08:09Z"),
    unit("你给我站住！", "¡Detente!", "es-419", origin="tmx:client.tmx", created="2024-05-06T07:08:09Z"),
    unit("老婆，我错了。", "Honey, I was wrong.\nForgive me.", origin="approved:ep01", created="2023-12-31T23:59:59Z"),
    unit("他说 <不> & \"走\"", "He said <no>\r\n& \"go\"", origin="a & b", created="2024-01-01T00:00:00Z"),
]


def test_tmx_round_trip_is_byte_identical(tmp_path: Path) -> None:
    first_tm, second_tm = tmp_path / "first.sqlite", tmp_path / "second.sqlite"
    TranslationMemory.open(first_tm, create=True).add(ROUND_TRIP_UNITS)
    assert localize("tm", "export", "--tm", first_tm, "-o", tmp_path / "first.tmx").code == 0
    imported = localize("tm", "import", tmp_path / "first.tmx", "--tm", second_tm)
    assert imported.code == 0, imported.stderr
    assert "imported 4 new units" in imported.stdout
    assert localize("tm", "export", "--tm", second_tm, "-o", tmp_path / "second.tmx").code == 0
    first = (tmp_path / "first.tmx").read_bytes()
    assert first == (tmp_path / "second.tmx").read_bytes()
    assert TranslationMemory.open(second_tm).units() == sorted(TranslationMemory.open(first_tm).units(),
                                                                key=lambda u: (u.source, u.target))
    header = parse_xml(first, "first.tmx").find("header")
    assert header.attrib == {"creationtool": "localize", "creationtoolversion": "0.1.0", "segtype": "sentence",
                             "o-tmf": "localize", "adminlang": "en", "srclang": "zh-Hans", "datatype": "plaintext"}


def test_tmx_export_is_deterministic_and_filters_by_language(tmp_path: Path) -> None:
    assert tmx_bytes(ROUND_TRIP_UNITS) == tmx_bytes(list(reversed(ROUND_TRIP_UNITS)))
    path = tmp_path / "tm.sqlite"
    TranslationMemory.open(path, create=True).add(reversed(ROUND_TRIP_UNITS))
    result = localize("tm", "export", "--tm", path, "-o", tmp_path / "es.tmx", "--target-lang", "es-MX")
    assert (result.code, result.stdout.strip()) == (0, f"wrote {tmp_path / 'es.tmx'}: 1 units")
    root = parse_xml((tmp_path / "es.tmx").read_bytes(), "es.tmx")
    assert root.attrib == {"version": "1.4"}
    assert [seg.text for seg in root.iter("seg")] == ["你给我站住！", "¡Detente!"]


MESSY_TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.1">
<header creationtool="OldCAT" creationtoolversion="9" segtype="sentence" o-tmf="x" adminlang="EN-US"
        srclang="*all*" datatype="html">
  <prop type="x-note">exported in 2009</prop>
</header>
<body>
  <tu tuid="1" srclang="ZH-cn" creationdate="20240102T030405Z">
    <prop type="x-context-pre">他跑了。</prop>
    <tuv lang="ZH-CN"><seg>你<bpt i="1">&lt;b&gt;</bpt>给我<ept i="1">&lt;/b&gt;</ept>站住！</seg></tuv>
    <tuv lang="en-us"><seg>Stop <hi type="emphasis">right</hi> there!</seg></tuv>
    <tuv lang="es-419"><seg>¡Detente<ph x="1">&lt;br/&gt;</ph> ahí!</seg></tuv>
  </tu>
  <tu>
    <tuv xml:lang="zh-Hans"><seg>我是你老公。</seg></tuv>
    <tuv xml:lang="EN"><seg>
      <it pos="begin" x="1">&lt;i&gt;</it>I'm your husband.</seg></tuv>
  </tu>
  <tu>
    <tuv xml:lang="zh-TW"><seg>謝謝。</seg></tuv>
    <tuv xml:lang="en"><seg>Thanks.</seg></tuv>
  </tu>
  <tu>
    <tuv xml:lang="zh-CN"><seg>没人翻译我。</seg></tuv>
    <tuv xml:lang="en"><seg></seg></tuv>
  </tu>
</body>
</tmx>
"""


def test_import_of_real_world_tmx(tmp_path: Path) -> None:
    path = tmp_path / "messy.tmx"
    path.write_text(MESSY_TMX, encoding="utf-8")
    content = read_tmx(path)
    stamped, unstamped = "2024-01-02T03:04:05Z", ""
    assert content.units == [
        TranslationUnit("你给我站住！", "Stop right there!", "zh-Hans", "en-US", "他跑了。", "", "tmx:messy.tmx",
                        False, stamped),
        TranslationUnit("你给我站住！", "¡Detente ahí!", "zh-Hans", "es-419", "他跑了。", "", "tmx:messy.tmx",
                        False, stamped),
        TranslationUnit("我是你老公。", "I'm your husband.", "zh-Hans", "en", "", "", "tmx:messy.tmx", False,
                        unstamped),
    ]
    assert content.skipped == ["tu 3: no zh-Hans segment", "tu 4: no target segment"]
    assert [u.target for u in read_tmx(path, target_lang="en-GB").units] == ["Stop right there!",
                                                                            "I'm your husband."]
    assert [u.target for u in read_tmx(path, source_lang="zh-Hant").units][-1] == "Thanks."

    tm_path = tmp_path / "tm.sqlite"
    result = localize("tm", "import", path, "--tm", tm_path, "--target-lang", "en")
    assert result.code == 0, result.stderr
    assert "imported 2 new units" in result.stdout and "2 tu skipped" in result.stdout
    assert result.stderr.splitlines() == ["skipped tu 3: no zh-Hans segment",
                                          "skipped tu 4: no target segment in the requested language"]
    again = localize("tm", "import", path, "--tm", tm_path, "--target-lang", "en")
    assert "imported 0 new units" in again.stdout and "(2 already there" in again.stdout
    lookup = localize("tm", "lookup", "--tm", tm_path, "--target-lang", "en-US", "你给我站住。")
    assert (lookup.code, lookup.stdout) == (0, "99\t95-99\tStop right there!\n")
    context = localize("tm", "lookup", "--tm", tm_path, "--target-lang", "en", "--context-before", "他跑了。",
                       "你给我站住！")
    assert context.stdout == "100\t100\tStop right there!\n"  # one neighbour is not a context match
    miss = localize("tm", "lookup", "--tm", tm_path, "--target-lang", "en", "完全不同的一句话")
    assert (miss.code, miss.stdout) == (0, "no match\n")


def _assert_refused(result, *phrases: str) -> None:
    assert result.code == 2, (result.code, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0]


def test_broken_tmx_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.tmx"
    path.write_text('<tmx version="1.4">\n<header/>\n<body>\n<tu><tuv xml:lang="zh"><seg>你好</tuv></tu>\n</body>\n'
                    "</tmx>\n")
    _assert_refused(localize("tm", "import", path, "--tm", tmp_path / "tm.sqlite"), "broken.tmx line 4")
    assert not (tmp_path / "tm.sqlite").exists()
    path.write_text('<tbx type="TBX-Basic"><text><body/></text></tbx>')
    _assert_refused(localize("tm", "import", path, "--tm", tmp_path / "tm.sqlite"), "not a TMX file")


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE tmx [<!ENTITY canary SYSTEM "file://{canary}">]>',
    '<!DOCTYPE tmx [<!ENTITY % remote SYSTEM "file://{canary}"> %remote;]>',
])
def test_external_entity_is_refused_and_reads_no_file(tmp_path: Path, doctype: str) -> None:
    canary = tmp_path / "canary.txt"
    canary.write_text("CANARY-5f0c1e-SECRET")
    path = tmp_path / "xxe.tmx"
    path.write_text('<?xml version="1.0"?>\n' + doctype.format(canary=canary) + '\n<tmx version="1.4"><header '
                    'srclang="zh-Hans"/><body><tu><tuv xml:lang="zh-Hans"><seg>&canary;</seg></tuv>'
                    '<tuv xml:lang="en"><seg>&canary;</seg></tuv></tu></body></tmx>\n')
    tm_path = tmp_path / "tm.sqlite"
    result = localize("tm", "import", path, "--tm", tm_path)
    _assert_refused(result, "xxe.tmx", "refused")
    assert "CANARY" not in result.stdout + result.stderr
    assert not tm_path.exists()
    with pytest.raises(BadInput, match="refused"):
        read_tmx(path)


def test_entity_bomb_is_refused_in_little_memory(tmp_path: Path) -> None:
    entities = ['<!ENTITY lol "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'
                                          for i in range(1, 10)]
    path = tmp_path / "bomb.tmx"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE tmx [\n' + "\n".join(entities) + '\n]>\n<tmx version="1.4">'
                    '<header srclang="zh-Hans"/><body><tu><tuv xml:lang="zh-Hans"><seg>&lol9;</seg></tuv>'
                    '<tuv xml:lang="en"><seg>&lol9;</seg></tuv></tu></body></tmx>\n')
    measure = ("import resource, subprocess, sys\n"
               "done = subprocess.run([sys.executable, '-m', 'localize', 'tm', 'import', sys.argv[1], '--tm', "
               "sys.argv[2]], capture_output=True, text=True)\n"
               "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
               "sys.stderr.write(done.stderr)\n")
    done = subprocess.run([sys.executable, "-c", measure, str(path), str(tmp_path / "tm.sqlite")],
                          capture_output=True, text=True, check=True, timeout=120)
    code, peak_kib = map(int, done.stdout.split())
    assert code == 2 and "refused" in done.stderr and "Traceback" not in done.stderr
    assert peak_kib < 150 * 1024, f"peak memory {peak_kib / 1024:.0f} MB"
    assert not (tmp_path / "tm.sqlite").exists()


def test_cli_usage_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    _assert_refused(localize("tm", "lookup", "--tm", tmp_path / "none.sqlite", "--target-lang", "en", "你好"),
                    "no translation memory at")
    path = tmp_path / "tm.sqlite"
    TranslationMemory.open(path, create=True)
    _assert_refused(localize("tm", "lookup", "--tm", path, "--target-lang", "englsh", "你好"),
                    "unknown language code 'englsh'")
    _assert_refused(localize("tm", "import", tmp_path / "missing.tmx", "--tm", path), "cannot read")


# --- leverage ---------------------------------------------------------------------------------------
def found(score: int) -> TMMatch:
    return TMMatch(score, match.band(score), unit("x", "y"))


EPISODE = [
    ("你给我站住！", found(101)),  # 5 characters
    ("你好。", found(100)),  # 2
    ("我是你老公，懂吗？", found(97)),  # 7
    ("他欠了三千万", found(85)),  # 6
    ("林总，OK！", found(80)),  # 4: letters count as characters
    ("好的……", found(50)),  # 2
    ("滚！", None),  # 1
    ("这5000块钱拿着。", None),  # 9: digits count
]


def test_leverage_counts_characters_per_band_for_chinese() -> None:
    assert leverage(EPISODE, "zh-Hans") == {
        "101": {"segments": 1, "units": 5}, "100": {"segments": 1, "units": 2},
        "95-99": {"segments": 1, "units": 7}, "85-94": {"segments": 1, "units": 6},
        "75-84": {"segments": 1, "units": 4}, "50-74": {"segments": 1, "units": 2},
        "no match": {"segments": 2, "units": 10},
    }
    assert list(leverage([], "zh")) == list(BANDS)


def test_leverage_counts_words_for_spaced_languages() -> None:
    assert count_units("Stop right there!", "en") == 3
    assert count_units("Wait — what? 5,000 dollars", "en-US") == 4
    assert leverage([("I'm your husband.", found(100)), ("Get out!", None)], "en")["no match"] == \
        {"segments": 1, "units": 2}


def test_weighted_units_are_exact_decimals() -> None:
    stats = leverage(EPISODE, "zh-Hans")
    # 5×0.30 + 2×0.30 + 7×0.50 + 6×0.70 + 4×0.70 + 2×1.00 + 10×1.00 = 1.50+0.60+3.50+4.20+2.80+2.00+10.00
    total = weighted_units(stats)
    assert isinstance(total, Decimal) and str(total) == "24.60"
    yaml_grid = {"101": 0, "100": 0.1, "95-99": 0.3, "85-94": 0.3, "75-84": 0.6, "50-74": 1, "no match": 1}
    # 0 + 0.2 + 2.1 + 1.8 + 2.4 + 2 + 10 = 18.5, exactly, although 0.1 and 0.3 are floats from YAML
    assert weighted_units(stats, yaml_grid) == Decimal("18.5")
    with pytest.raises(BadInput, match="no weight for band 'no match'"):
        weighted_units(stats, {band: "1" for band in BANDS[:-1]})


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from("ab&<>\"'\n\r\t 林"), max_size=12))
def test_the_xml_we_write_escapes_exactly_as_the_standard_library_does(text: str) -> None:
    assert xmlsafe.escape(text) == saxutils.escape(text)
    assert xmlsafe.escape(text, {'"': "&quot;"}) == saxutils.escape(text, {'"': "&quot;"})
    assert xmlsafe.quoteattr(text) == saxutils.quoteattr(text)
