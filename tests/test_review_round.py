"""The translator's round trip through a real job: export → edits made with third-party libraries
(translate-toolkit for XLIFF, openpyxl for XLSX) → import → run. Only the edited sentences' cues change, the
post-editing is billed once per import, the approvals become memory that the next episode's draft matches, and a
bad file changes nothing."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pysubs2
import pytest

from localize.costs import ledger
from localize.costs.auto import POST_EDIT_ITEM
from localize.translate.tmx import read_tmx
from tests.conftest import REPO, SAMPLE_ZH, cut_sample, localize

SAMPLES = REPO / "samples"
CLIP = (12.1, 21.5)  # lines 5-11 of the sample: seven sentences, names, an amount, glossary terms
EDITS = {  # source sentence → the reviewer's translation
    "你不就是个吃软饭的废物吗？": "Aren't you just a loser who lives off his wife?",  # fixes a forbidden rendering
    "天龙集团的董事长，就是我。": "I chair Tianlong Group.",  # shortens the line
    "什么？你就是林家大少爷？": "What? You're Young Master Lin?",  # changes how a name is said
}
FORBIDDEN = "Aren't you just a loser who eats soft rice?"  # what the job's memory offers for the first edit


@dataclass(frozen=True)
class Series:
    folder: Path
    job: Path
    work: Path

    def artifact(self, episode: str, stage: str, name: str) -> Path:
        return self.work / episode / stage / name

    def draft(self, episode: str) -> list[dict]:
        return json.loads(self.artifact(episode, "draft.en", "draft.json").read_text(encoding="utf-8"))["lines"]

    def cues(self, episode: str) -> list[dict]:
        return json.loads(self.artifact(episode, "fit.en", "cues.en.json").read_text(encoding="utf-8"))["cues"]

    def ledger(self) -> list[dict]:
        with sqlite3.connect(self.work / "state.sqlite") as db:
            return ledger.entries(db)

    def approvals(self, episode: str) -> Path:
        return self.folder / "review" / "job" / f"{episode}.en.json"

    def run(self, code: int = 0) -> None:
        done = localize("run", self.job, "--work", self.work)
        assert done.code == code, done.stderr


def changed_lines(before: list[dict], after: list[dict]) -> set[str]:
    """The text of the sentences whose cues differ, comparing each source line's cues (a shorter translation may
    take fewer cues than the one it replaced)."""
    def by_line(cues: list[dict]) -> dict[int, list[dict]]:
        lines: dict[int, list[dict]] = {}
        for cue in cues:
            lines.setdefault(min(cue["sources"]), []).append(cue)
        return lines

    old, new = by_line(before), by_line(after)
    assert old.keys() == new.keys()
    return {" ".join(c["text"].replace("\n", " ") for c in new[line]) for line in new if new[line] != old[line]}


def _series(ffmpeg: str, folder: Path) -> Series:
    """Two episodes with the same lines (a recap opens episode 2 with episode 1's scene), a glossary, the
    character sheet, a memory with one forbidden rendering, and a rate card pricing post-editing."""
    folder.mkdir(parents=True)
    start, length = CLIP
    cut_sample(ffmpeg, folder / "ep.mp4", start, length)
    script = pysubs2.load(str(SAMPLE_ZH))
    script.events = [e for e in script.events if start * 1000 <= e.start and e.end <= (start + length) * 1000]
    script.shift(s=-start)
    script.save(str(folder / "ep.zh.srt"))
    memory = (SAMPLES / "ep01.en.tmx").read_text(encoding="utf-8")
    assert "Aren't you just a loser who lives off his wife?" in memory
    (folder / "memory.tmx").write_text(memory.replace("Aren't you just a loser who lives off his wife?", FORBIDDEN),
                                       encoding="utf-8")
    shutil.copy(SAMPLES / "characters.yaml", folder / "characters.yaml")
    shutil.copy(REPO / "glossaries" / "zh-en.micro-drama.yaml", folder / "glossary.yaml")
    job = folder / "job.yaml"
    job.write_text("series: {title: Review Test}\nsource_language: zh-Hans\ntargets: [en]\n"
                   "episodes:\n  - {id: ep01, video: ep.mp4, subtitles: ep.zh.srt}\n"
                   "  - {id: ep02, video: ep.mp4, subtitles: ep.zh.srt}\n"
                   "characters: characters.yaml\nglossaries: [glossary.yaml]\n"
                   "translation: {engines: [tm], tm: [memory.tmx], tm_threshold: 75}\n"
                   "costs:\n  rate_card: {compute_second: '0', post_edit_unit: '0.10'}\n", encoding="utf-8")
    series = Series(folder, job, folder / "work")
    series.run(code=1)  # QC fails on the forbidden rendering until a reviewer fixes it
    return series


@dataclass(frozen=True)
class RoundTrip:
    series: Series
    exported: Path  # the XLIFF of ep01 as exported
    edited: Path
    cues_before: list[dict]
    import_output: str


@pytest.fixture(scope="module")
def round_trip(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> RoundTrip:
    xliff2 = pytest.importorskip("translate.storage.xliff2")
    series = _series(ffmpeg, tmp_path_factory.mktemp("review") / "series")
    cues_before = series.cues("ep01")
    out = series.folder / "out"
    done = localize("review", "export", series.job, "--work", series.work, "--episodes", "ep01", "-o", out)
    assert done.code == 0, done.stderr
    exported = out / "job.ep01.en.xlf"
    store = xliff2.Xliff2File.parsestring(exported.read_bytes())
    for unit in store.units:  # translate-toolkit sees one unit per cue segment: a sentence here is one cue
        if unit.source in EDITS:
            unit.target = EDITS[unit.source]
    edited = series.folder / "edited.xlf"
    edited.write_bytes(bytes(store))
    done = localize("review", "import", series.job, edited, "--work", series.work)
    assert done.code == 0, done.stderr
    series.run()
    return RoundTrip(series, exported, edited, cues_before, done.stdout)


def test_the_draft_offers_the_forbidden_rendering_and_the_export_flags_it(round_trip):
    text = round_trip.exported.read_text(encoding="utf-8")
    assert FORBIDDEN in text
    assert "term_forbidden" in text and "吃软饭 → lives off his wife" in text
    assert 'srcLang="zh-Hans"' in text and 'trgLang="en"' in text


def test_only_the_edited_sentences_cues_change(round_trip):
    series = round_trip.series
    assert changed_lines(round_trip.cues_before, series.cues("ep01")) == set(EDITS.values())
    report = json.loads(series.artifact("ep01", "review.en", "review.json").read_text(encoding="utf-8"))
    assert report["changed"] == ["s5", "s6", "s7"] and report["stale"] == []
    assert "3 sentence(s) approved, 3 edited" in round_trip.import_output


def test_post_editing_is_billed_once_per_import(round_trip):
    series = round_trip.series
    entries = [e for e in series.ledger() if e["item"].startswith(POST_EDIT_ITEM)]
    assert len(entries) == 1
    (entry,) = entries
    assert (entry["episode"], entry["language"], entry["stage"], entry["unit_price"]) == ("ep01", "en", "review.en",
                                                                                          "0.10")
    assert "3 lines" in entry["note"] and "target words/characters edited" in entry["note"]
    assert float(entry["quantity"]) > 0
    series.run()  # nothing changed: the review is cached
    done = localize("run", series.job, "--work", series.work, "--force", "review")
    assert done.code == 0, done.stderr  # a forced re-run spends compute, but bills nobody's edits again
    assert [e for e in series.ledger() if e["item"].startswith(POST_EDIT_ITEM)] == entries
    assert localize("costs", "verify", series.job, "--work", series.work).code == 0


def test_the_memory_holds_the_approvals_and_the_next_episode_matches_them(round_trip):
    series = round_trip.series
    memory = read_tmx(series.artifact("ep01", "review.en", "memory.tmx"), source_lang="zh-Hans").units
    assert {(u.source, u.target) for u in memory} == set(EDITS.items())
    drafted = {line["source"]: line for line in series.draft("ep02")}
    for source, target in EDITS.items():
        assert drafted[source]["target"] == target
        assert drafted[source]["origin"] in ("tm 100", "tm 101")
    exported = series.folder / "memory.all.tmx"
    done = localize("tm", "export", "--job", series.job, "-o", exported)
    assert done.code == 0, done.stderr
    pairs = {(u.source, u.target) for u in read_tmx(exported, source_lang="zh-Hans").units}
    assert set(EDITS.items()) <= pairs and (next(iter(EDITS)), FORBIDDEN) in pairs  # the job's TMX, then approvals


def test_importing_the_same_file_again_changes_nothing(round_trip):
    series = round_trip.series
    before = series.approvals("ep01").read_bytes()
    done = localize("review", "import", series.job, round_trip.edited, "--work", series.work)
    assert done.code == 0, done.stderr
    assert "nothing changed" in done.stdout
    assert series.approvals("ep01").read_bytes() == before


def _bad_file(round_trip: RoundTrip, name: str, change) -> Path:
    path = round_trip.series.folder / name
    path.write_text(change(round_trip.exported.read_text(encoding="utf-8")), encoding="utf-8")
    return path


XXE = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
       '<xliff xmlns="urn:oasis:names:tc:xliff:document:2.0" version="2.1"><file id="ep01">&e;</file></xliff>')
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
          '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><xliff>&c;</xliff>')


@pytest.mark.parametrize("name, change, said", [
    ("fingerprint.xlf", lambda t: t.replace("job/ep01/en/", "job/ep01/en/0"), "no fingerprint"),
    ("other-draft.xlf", lambda t: re.sub("job/ep01/en/[0-9a-f]{64}", "job/ep01/en/" + "0" * 64, t),
     "the draft changed"),
    ("removed.xlf", lambda t: t[:t.index('<unit id="s2">')] + t[t.index('<unit id="s3">'):], "unit s2: missing"),
    ("markup.xlf", lambda t: t.replace("<target>I'm the chairman", '<target><ph id="1"/>I\'m the chairman'),
     "unit s6 segment c6: the target holds inline markup"),
    ("xxe.xlf", lambda t: XXE, "refused: the file declares a DTD"),
    ("laughs.xlf", lambda t: LAUGHS, "refused: the file declares a DTD"),
    ("notes.txt", lambda t: "just some notes\n", "neither XLIFF nor XLSX"),
])
def test_a_bad_import_is_refused_by_unit_and_changes_nothing(round_trip, name, change, said):
    series = round_trip.series
    before = series.approvals("ep01").read_bytes()
    done = localize("review", "import", series.job, _bad_file(round_trip, name, change), "--work", series.work)
    assert done.code == 2, done.stdout + done.stderr
    assert said in done.stderr
    assert "Traceback" not in done.stderr
    assert series.approvals("ep01").read_bytes() == before


def test_the_spreadsheet_round_trip_does_the_same(round_trip):
    openpyxl = pytest.importorskip("openpyxl")
    series = round_trip.series
    cues_before = series.cues("ep02")
    out = series.folder / "xlsx"
    done = localize("review", "export", series.job, "--work", series.work, "--episodes", "ep02", "--format", "xlsx",
                    "-o", out)
    assert done.code == 0, done.stderr
    book = openpyxl.load_workbook(out / "job.ep02.en.xlsx")
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    source, target, status = (header.index(name) for name in ("source", "target", "status"))
    edits = {"为了我老婆，我什么都能忍。": "For my wife, I'd put up with anything.",
             "别废话，这是五百万。": "Enough talk. Here's five million yuan.",
             "拿了钱，马上离开我女儿！": "Take the money and leave my daughter!"}
    for row in sheet.iter_rows(min_row=2):
        if row[source].value in edits:
            row[target].value = edits[row[source].value]
            row[status].value = "final"
    book.save(out / "edited.xlsx")
    done = localize("review", "import", series.job, out / "edited.xlsx", "--work", series.work)
    assert done.code == 0, done.stderr
    series.run()
    assert changed_lines(cues_before, series.cues("ep02")) == set(edits.values())
    entries = [e for e in series.ledger() if e["item"].startswith(POST_EDIT_ITEM) and e["episode"] == "ep02"]
    assert len(entries) == 1 and "3 lines" in entries[0]["note"]
    memory = read_tmx(series.artifact("ep02", "review.en", "memory.tmx"), source_lang="zh-Hans").units
    assert {(u.source, u.target) for u in memory} == set(edits.items())


def _edited_export(round_trip: RoundTrip, name: str, edits: dict[str, str], fingerprint: str | None = None) -> Path:
    """The ep01 export with the targets of some units replaced (and its draft hash, when given)."""
    text = round_trip.exported.read_text(encoding="utf-8")
    for unit, target in edits.items():
        start = text.index("<target>", text.index(f'<unit id="{unit}">'))
        text = text[:start] + f"<target>{target}" + text[text.index("</target>", start):]
    if fingerprint:
        text = re.sub("job/ep01/en/[0-9a-f]{64}", f"job/ep01/en/{fingerprint}", text)
    path = round_trip.series.folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_partial_takes_the_valid_units_and_rebase_a_file_for_another_draft(round_trip):
    series = round_trip.series
    rounds = len(json.loads(series.approvals("ep01").read_text(encoding="utf-8"))["imports"])
    edits = {"s1": "For my wife, I'll take it.", "s2": "Enough. Here's 妈 money."}
    mixed = _edited_export(round_trip, "mixed.xlf", edits)
    done = localize("review", "import", series.job, mixed, "--work", series.work)
    assert done.code == 2 and "unit s2: untranslated" in done.stderr, done.stderr
    done = localize("review", "import", series.job, mixed, "--work", series.work, "--partial")
    assert done.code == 0, done.stderr
    imports = json.loads(series.approvals("ep01").read_text(encoding="utf-8"))["imports"]
    assert len(imports) == rounds + 1
    assert ("s1", "For my wife, I'll take it.") in [(u["unit"], u["target"]) for u in imports[-1]["units"]]
    assert "s2" not in [u["unit"] for u in imports[-1]["units"]]

    fixed = {"s5": EDITS["你不就是个吃软饭的废物吗？"]}  # the export's forbidden rendering refuses any file keeping it
    other = _edited_export(round_trip, "other.xlf", {"s3": "Take it and go."} | fixed, fingerprint="0" * 64)
    done = localize("review", "import", series.job, other, "--work", series.work)
    assert done.code == 2 and "--rebase" in done.stderr
    done = localize("review", "import", series.job, other, "--work", series.work, "--rebase")
    assert done.code == 0, done.stderr
    latest = json.loads(series.approvals("ep01").read_text(encoding="utf-8"))["imports"][-1]
    assert ("s3", "Take it and go.") in [(u["unit"], u["target"]) for u in latest["units"]]
