"""The llm engine against a real local HTTP server that misbehaves the way real endpoints do:
bad JSON, a wrong number of rows, 429 rate limits and timeouts."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import replace
from types import SimpleNamespace

import pytest

from localize.errors import Unavailable
from localize.glossary.characters import load_characters
from localize.subtitles.sentences import Sentence
from localize.translate.draft import MtCache, MtRequest, draft_translation
from localize.translate.engines import LlmMt
from localize.translate.llm import LlmEngine, LlmItem, LlmSettings
from localize.translate.qa import LineTerm
from tests.chat_server import ChatServer
from tests.conftest import REPO

ITEMS = [LlmItem("1", "林凡，你这个没用的赘婿！", terms=(("赘婿", "live-in son-in-law", "not 'son-in-law who "
                                                                              "married in'"),),
                 characters=(("林凡", "Lin Fan", "male", ""),)),
         LlmItem("2", "妈，今天是您的生日。"),
         LlmItem("3", "少废话，这是五百万。", terms=(("五百万", "five million", "amount in 万"),)),
         LlmItem("4", "我真是有眼不识泰山！", terms=(("有眼不识泰山", "had no idea who I was dealing with", "idiom"),))]
EXPECTED = {item.id: f"<{item.text}>" for item in ITEMS}


def _engine(server: ChatServer, tmp_path=None, **overrides) -> LlmEngine:
    settings = LlmSettings(base_url=server.url, model="test-model", api_key="k", **overrides)
    return LlmEngine(settings, tmp_path / "cache.sqlite" if tmp_path else None)


def test_bad_json_then_wrong_count_then_the_batch_is_halved(server):
    server.script = ["bad_json", "wrong_count", "ok", "ok"]
    engine = _engine(server)
    assert engine.translate(ITEMS, "zh-Hans", "en") == EXPECTED
    assert server.batch_sizes() == [4, 4, 2, 2]
    assert len(engine.usage.failures) == 2 and engine.usage.completion_tokens == 40


def test_rate_limit_is_waited_out(server):
    server.script = ["429", "ok"]
    engine = _engine(server)
    assert engine.translate(ITEMS, "zh-Hans", "en") == EXPECTED
    assert engine.usage.requests == 2 and not engine.usage.failures


def test_timeout_is_retried(server):
    server.script = ["timeout", "ok"]
    engine = _engine(server, timeout_s=0.3)
    started = time.monotonic()
    assert engine.translate(ITEMS, "zh-Hans", "en") == EXPECTED
    assert time.monotonic() - started < 5 and engine.usage.failures == ["4 lines: no answer within 0.3 s"]


def test_only_terms_and_characters_present_in_the_batch_are_sent(server):
    engine = _engine(server, max_batch=2)
    engine.translate(ITEMS, "zh-Hans", "en", synopsis="A live-in son-in-law is secretly a chairman.")
    first, second = (json.loads(r["messages"][1]["content"]) for r in server.received)
    assert [t["source"] for t in first["glossary"]] == ["赘婿"] and first["characters"][0]["render_as"] == "Lin Fan"
    assert sorted(t["source"] for t in second["glossary"]) == ["五百万", "有眼不识泰山"] and second["characters"] == []
    assert first["synopsis"].startswith("A live-in") and server.received[0]["temperature"] == 0


def test_answers_are_cached_so_a_rerun_costs_nothing(server, tmp_path):
    assert _engine(server, tmp_path).translate(ITEMS, "zh-Hans", "en") == EXPECTED
    again = _engine(server, tmp_path)
    assert again.translate(ITEMS, "zh-Hans", "en") == EXPECTED
    assert len(server.received) == 1 and again.usage.requests == 0 and again.usage.cached == 1


def test_a_line_that_never_gets_an_answer_is_unavailable(server):
    server.script = ["bad_json"] * 10
    with pytest.raises(Unavailable, match="no usable translation for line 1"):
        _engine(server).translate(ITEMS[:1], "zh-Hans", "en")


def test_unreachable_endpoint_is_unavailable():
    engine = LlmEngine(LlmSettings(base_url="http://127.0.0.1:9/v1", model="m", timeout_s=2))
    with pytest.raises(Unavailable, match="cannot reach"):
        engine.translate(ITEMS[:1], "zh-Hans", "en")


def test_settings_need_an_endpoint(monkeypatch):
    monkeypatch.delenv("LOCALIZE_LLM_BASE_URL", raising=False)
    with pytest.raises(Unavailable, match="LOCALIZE_LLM_BASE_URL"):
        LlmSettings.from_env()


def test_the_draft_tells_the_engine_who_speaks_to_whom(server):
    """The speakers stage's speaker and the sheet's forms of address reach the engine, with both characters'
    genders, though neither is named in the line."""
    characters = load_characters(REPO / "samples" / "characters.yaml")
    sentences = [Sentence((0,), "女婿，你给我滚出去！", 0, 2000), Sentence((1,), "我会回来的。", 2100, 4000)]
    engine = LlmMt(_engine(server), "zh-Hans", "en", "")
    draft_translation(sentences, "zh-Hans", "en", glossaries=[], characters=characters, memory=None,
                      tm_threshold=75, engine=engine, cache=None, speakers=["王秀兰", ""])
    sent = json.loads(server.received[0]["messages"][1]["content"])
    first, second = sent["items"]
    assert (first["speaker"], first["spoken_to"]) == ("王秀兰", "林凡")
    assert "speaker" not in second and "spoken_to" not in second
    assert {(c["name"], c["gender"]) for c in sent["characters"]} == {("王秀兰", "female"), ("林凡", "male")}


def test_a_request_without_speakers_keeps_the_cache_key_it_always_had():
    """Jobs that recognise no speakers must not pay for their cached translations again."""
    request = MtRequest("妈，生日快乐。", (LineTerm("妈", ("Mom",)),), (), before="", after="下一句。")
    given = {"text": "妈，生日快乐。", "characters": [], "before": "", "after": "下一句。",
             "terms": [{"source": "妈", "approved": ["Mom"], "forbidden": [], "note": "", "checked": True}]}
    before_speakers = hashlib.sha256(json.dumps(["llm:m:1", "zh-Hans", "en", given], ensure_ascii=False,
                                                sort_keys=True).encode()).hexdigest()
    engine = SimpleNamespace(identity="llm:m:1")
    assert MtCache.key(engine, "zh-Hans", "en", request) == before_speakers
    assert MtCache.key(engine, "zh-Hans", "en", replace(request, speaker="王秀兰")) != before_speakers
