"""Condensation (translation.condense): lines still over the reading speed after fit go to the llm engine for a
shorter rendering, which replaces the line only when it keeps its terms and numbers and fits. The engine is a real
local HTTP server (tests/chat_server.py); the episode a real clip of the sample with a script written for these
lines, and a translation memory that makes each draft known and too long to read in its time."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

import pytest

from localize.costs.auto import LLM_ITEM
from localize.glossary.characters import Character
from localize.subtitles.profiles import language_rules
from localize.translate.condense import Budget, refusal, speaker_label, worth_sending
from localize.translate.draft import Draft, DraftLine
from localize.translate.llm import CondenseItem, LlmEngine, LlmSettings
from localize.translate.qa import LineTerm
from tests.chat_server import ChatServer
from tests.conftest import cut_sample, localize

# (in, out, source line, the memory's translation: far too long for its time, what the stand-in answers)
LINES = [
    ("00:00:01,040", "00:00:02,760", "林凡，这是五百万，拿了钱马上离开我女儿！",
     "Lin Fan, here is five million yuan, so take the money and leave my daughter this very minute!",
     "Lin Fan, take the 5 million and go!"),
    ("00:00:03,410", "00:00:05,750", "天龙集团董事长的位置，你这辈子都别想坐！",
     "You will never in your whole life sit in the chairman's seat of the Tianlong Group, not ever!",
     "You'll never be chairman!"),  # drops the company's name
    ("00:00:06,310", "00:00:08,630", "给你一百万，立刻签字离婚！",
     "I am giving you one million yuan right here and now, so sign the divorce papers immediately!",
     "Sign the divorce papers now!"),  # drops the amount
    ("00:00:09,190", "00:00:11,440", "好。", "Fine.", "never asked"),
]
GLOSSARY = """source_language: zh-Hans
scope: series
terms:
  - source: 天龙集团
    kind: brand
    targets: {en: {approved: [Tianlong Group]}}
    note: "The hero's company: its name stays on screen."
"""
CHARACTERS = "characters:\n  - {name: 林凡, gender: male, renderings: {en: Lin Fan}}\n"
EN = language_rules("en")


def _tmx() -> str:
    units = "".join(f'    <tu><tuv xml:lang="zh-Hans"><seg>{zh}</seg></tuv><tuv xml:lang="en"><seg>{en}</seg></tuv>'
                    "</tu>\n" for _, _, zh, en, _ in LINES)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n  <header creationtool="test" '
            'creationtoolversion="1" segtype="sentence" o-tmf="test" adminlang="en" srclang="zh-Hans" '
            f'datatype="plaintext"/>\n  <body>\n{units}  </body>\n</tmx>\n')


def _job(folder: Path, clip: Path, url: str, condense: str = "true", engines: str = "[tm, llm]") -> Path:
    """The clip with the script above, the memory, a glossary and a character sheet; the draft is all TM (every
    line matches exactly), so whatever reaches the endpoint was sent to be condensed."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ep01.mp4").write_bytes(clip.read_bytes())
    script = "".join(f"{n}\n{start} --> {end}\n{zh}\n\n" for n, (start, end, zh, _, _) in enumerate(LINES, 1))
    (folder / "ep01.zh.srt").write_text(script, encoding="utf-8")
    (folder / "memory.tmx").write_text(_tmx(), encoding="utf-8")
    (folder / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    (folder / "characters.yaml").write_text(CHARACTERS, encoding="utf-8")
    job = folder / "job.yaml"
    job.write_text("series: {title: Condense Test}\nsource_language: zh-Hans\ntargets: [en]\n"
                   "episodes: [{id: ep01, video: ep01.mp4, subtitles: ep01.zh.srt}]\n"
                   "glossaries: [glossary.yaml]\ncharacters: characters.yaml\n"
                   f"translation:\n  engines: {engines}\n  tm: [memory.tmx]\n  condense: {condense}\n"
                   f"  llm: {{base_url: '{url}', model: test-model}}\n"
                   "costs:\n  rate_card: {compute_second: '0', llm_1k_tokens: '1.00'}\n", encoding="utf-8")
    return job


@dataclass(frozen=True)
class Run:
    job: Path
    work: Path
    server: ChatServer
    code: int

    def fit(self, name: str) -> dict:
        return json.loads((self.work / "ep01" / "fit.en" / name).read_text(encoding="utf-8"))

    def ledger(self) -> list[dict]:
        with sqlite3.connect(self.work / "state.sqlite") as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute("SELECT * FROM ledger ORDER BY id")]


@pytest.fixture(scope="module")
def clip(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return cut_sample(ffmpeg, tmp_path_factory.mktemp("clip") / "ep01.mp4", 0, 11.9)


@pytest.fixture(scope="module")
def chat() -> Iterator[ChatServer]:
    """One stand-in for the module's runs (the ``server`` fixture is per test), answering from LINES."""
    answers = {long: short for _, _, _, long, short in LINES}
    server = ChatServer(lambda text: answers[text])
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture(scope="module")
def condensed(clip: Path, chat: ChatServer, tmp_path_factory: pytest.TempPathFactory) -> Run:
    folder = tmp_path_factory.mktemp("condensed")
    job = _job(folder, clip, chat.url)
    done = localize("run", job, "--work", folder / "work")
    assert "Traceback" not in done.stderr, done.stderr
    return Run(job, folder / "work", chat, done.code)


def _cues_of(run: Run, line: int) -> list[tuple[int, dict]]:
    """(1-based cue number, cue) of every cue showing a draft line (0-based), from the cues' source indexes."""
    return [(n, cue) for n, cue in enumerate(run.fit("cues.en.json")["cues"], 1) if cue["sources"] == [line]]


def test_a_too_long_line_comes_back_shorter_and_passes_qc(condensed):
    (request,) = condensed.server.received  # the three long lines in one batch; "Fine." fits and is not sent
    payload = json.loads(request["messages"][1]["content"])
    assert [item["source"] for item in payload["items"]] == [zh for _, _, zh, _, _ in LINES[:3]]
    assert all(0 < item["max_characters"] < len(item["text"]) for item in payload["items"])
    assert {(t["source"], t["use"]) for t in payload["glossary"]} == {("林凡", "Lin Fan"),
                                                                      ("天龙集团", "Tianlong Group")}
    assert "max_characters" in request["messages"][0]["content"]

    (number, cue), = _cues_of(condensed, 0)
    assert cue["text"].replace("\n", " ") == "Lin Fan, take the 5 million and go!"
    qc = condensed.fit("qc.json")
    assert [v for v in qc["violations"] if v["cue"] == number] == []
    assert qc["condensed"][0] == {"line": 1, "before": LINES[0][3], "after": LINES[0][4], "refused": ""}


def test_an_answer_that_drops_a_term_or_a_number_is_refused_and_the_line_stays_flagged(condensed):
    qc = condensed.fit("qc.json")
    assert condensed.code == 1 and not qc["passed"]  # QC failed: the refused lines are still too fast to read
    refused = {entry["line"]: entry for entry in qc["condensed"][1:]}
    assert refused[2]["after"] == LINES[1][3] and "Tianlong Group" in refused[2]["refused"]
    assert refused[3]["after"] == LINES[2][3] and "1,000,000" in refused[3]["refused"]
    for line, lost in ((1, "Tianlong Group"), (2, "1,000,000")):
        cues = _cues_of(condensed, line)
        assert " ".join(cue["text"].replace("\n", " ") for _, cue in cues) == LINES[line][3]
        speed = [v for v in qc["violations"] if v["rule"] == "reading_speed" and v["cue"] in dict(cues)]
        assert speed, f"line {line + 1} is no longer flagged"
        for violation in speed:  # each flag says how long the line is, how long it may be, and why it stayed
            assert f"the line has {len(LINES[line][3])} characters" in violation["measured"]
            assert lost in violation["measured"] and "refused" in violation["measured"]
            assert "the line ≤ " in violation["limit"] and " characters in its " in violation["limit"]


def test_the_tokens_are_ledgered_once_and_a_rerun_costs_nothing(condensed):
    tokens = [e for e in condensed.ledger() if e["item"] == LLM_ITEM]
    # the stand-in bills 100 prompt tokens per request and 10 per answered line: 100 + 3 × 10 = 130
    assert [(e["stage"], e["language"], e["quantity"], e["unit"]) for e in tokens] == [("fit.en", "en", "130",
                                                                                        "tokens")]
    assert Decimal(tokens[0]["amount"]) == Decimal("0.13")  # 130 tokens at 1.00 per 1000
    before = len(condensed.server.received)
    again = localize("run", condensed.job, "--work", condensed.work, "--force", "fit")
    assert again.code == 1 and len(condensed.server.received) == before  # answered from the engine's cache
    assert [e for e in condensed.ledger() if e["item"] == LLM_ITEM] == tokens
    assert localize("costs", "verify", condensed.job, "--work", condensed.work).code == 0


def test_without_condense_fit_sends_nothing_and_flags_as_before(clip, server, tmp_path):
    job = _job(tmp_path, clip, server.url, condense="false")
    done = localize("run", job, "--work", tmp_path / "work")
    assert done.code == 1 and server.received == []
    qc = json.loads((tmp_path / "work" / "ep01" / "fit.en" / "qc.json").read_text(encoding="utf-8"))
    assert "condensed" not in qc
    assert {v["limit"] for v in qc["violations"] if v["rule"] == "reading_speed"} == {"≤ 20 cps"}


def test_condense_without_the_llm_engine_is_refused_before_anything_runs(clip, tmp_path):
    job = _job(tmp_path, clip, "http://127.0.0.1:9/v1", engines="[tm]")
    done = localize("run", job, "--work", tmp_path / "work")
    assert done.code == 2 and "Traceback" not in done.stderr
    assert "translation.condense" in done.stderr and "add llm to translation.engines" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not (tmp_path / "work").exists()


def test_condense_must_be_true_or_false(tmp_path):
    (tmp_path / "ep01.mp4").touch()
    job = tmp_path / "job.yaml"
    job.write_text("series: {title: T}\nsource_language: zh-Hans\ntargets: [en]\n"
                   "episodes: [{id: ep01, video: ep01.mp4}]\ntranslation: {condense: 'yes'}\n", encoding="utf-8")
    done = localize("job", "check", job)
    assert done.code == 2 and "translation.condense: must be true or false" in done.stderr, done.stderr


LINE = DraftLine("林凡，三天之内给我五百万！", "Lin Fan, bring me five million yuan within three days, 3 at most!",
                 "tm 101", 0, 2000)
NAME = LineTerm("林凡", ("Lin Fan",))


@pytest.mark.parametrize("answer, reason", [
    ("Lin Fan, 5 million in 3 days!", ""),
    ("Five million in 3 days!", "林凡 → 'Lin Fan' not in the translation"),
    ("Lin Fan, the money, 3 days!", "amount 5,000,000 not in the translation"),
    ("Lin Fan, 5 million, fast!", "the number 3 is gone"),
    ("Lin Fan, bring me the five million yuan in 3 days", "49 characters, over 40"),
], ids=["kept", "term-dropped", "amount-dropped", "number-dropped", "too-long"])
def test_an_answer_is_checked_for_terms_numbers_and_length(answer, reason):
    assert refusal(answer, LINE, [NAME], "en", Budget(40, 2000), EN) == reason


def test_a_missing_term_the_long_line_lacked_too_is_not_held_against_the_answer():
    line = DraftLine("林凡，快走！", "Hurry up and get out of here right now, go!", "llm", 0, 1000)
    assert refusal("Go, now!", line, [NAME], "en", Budget(20, 1000), EN) == ""


def test_only_translated_lines_longer_than_their_budget_are_sent():
    lines = [DraftLine("好。", "Fine.", "tm 101", 0, 500), LINE,
             replace(LINE, target=LINE.source, origin="untranslated"), replace(LINE, origin="llm")]
    budget = {index: Budget(10, 500) for index in range(4)}
    assert list(worth_sending(Draft("en", lines, {}), range(4), budget, EN)) == [1, 3]  # "Fine." fits; 2: no engine
    assert worth_sending(Draft("en", lines, {}), [1], {1: Budget(0, 0)}, EN) == {}  # no room at all


def test_the_request_carries_each_line_with_its_terms_speaker_and_budget(server):
    engine = LlmEngine(LlmSettings(base_url=server.url, model="test-model"))
    item = CondenseItem("7", LINE.target, LINE.source, 30, "Lin Fan, male", (("林凡", "Lin Fan", "the hero"),))
    server.translate = lambda text: "Lin Fan, 5 million in 3 days!"
    assert engine.condense([item], "en") == {"7": "Lin Fan, 5 million in 3 days!"}
    payload = json.loads(server.received[0]["messages"][1]["content"])
    assert payload["items"] == [{"id": "7", "text": LINE.target, "source": LINE.source, "max_characters": 30,
                                 "speaker": "Lin Fan, male"}]
    assert payload["glossary"] == [{"source": "林凡", "use": "Lin Fan", "note": "the hero"}]
    assert engine.usage.prompt_tokens + engine.usage.completion_tokens == 110


def test_a_line_never_answered_usably_is_left_out_rather_than_failing_the_run(server):
    server.script = ["bad_json", "bad_json"]  # one try and one retry, both useless
    engine = LlmEngine(LlmSettings(base_url=server.url, model="test-model"))
    assert engine.condense([CondenseItem("1", "a long line", "长句", 5)], "en") == {}
    assert len(engine.usage.failures) == 2


def test_the_speaker_is_named_as_the_sheet_renders_them():
    characters = (Character("林凡", "male", renderings=(("en", "Lin Fan"),)), Character("路人"))
    assert speaker_label("林凡", characters, "en-US") == "Lin Fan, male"
    assert speaker_label("路人", characters, "en") == "路人"  # no rendering, gender unknown
    assert speaker_label("SPEAKER_2", characters, "en") == "SPEAKER_2"
