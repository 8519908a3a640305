"""Translation (draft and fit stages) on the sample: TM and LLM paths, glossary and character renderings enforced and
checked, a planted forbidden rendering failing the QC gate, and per-sentence caching of engine calls."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pysubs2
import pytest

from tests.conftest import REPO, localize, subtitle_text

SAMPLE = REPO / "samples"
REFERENCE = dict(zip((e.plaintext for e in pysubs2.load(str(SAMPLE / "ep01.zh.srt"))),
                     (e.plaintext.replace("\n", " ") for e in pysubs2.load(str(SAMPLE / "ep01.en.srt"))), strict=True))
# Terms of the sample's script and the approved renderings the glossary binds them to.
BOUND = {"上门女婿": "live-in son-in-law", "赘婿": "live-in son-in-law", "吃软饭": "lives off his wife",
         "有眼不识泰山": "had no idea who I was dealing with", "五百万": "five million", "老婆": "wife"}


def _job(folder: Path, engines: str, extra: str = "", tmx: Path | None = None, video: Path | None = None) -> Path:
    """A job on the sample's script, imported (no Whisper). ``video``: a copy of the sample to run on instead of it
    (``small_sample``: the picture only feeds shot detection)."""
    shutil.copy(video or SAMPLE / "ep01.mp4", folder / "ep01.mp4")
    for name in ("ep01.zh.srt", "characters.yaml"):
        shutil.copy(SAMPLE / name, folder / name)
    shutil.copy(REPO / "glossaries" / "zh-en.micro-drama.yaml", folder / "glossary.yaml")
    shutil.copy(tmx or SAMPLE / "ep01.en.tmx", folder / "memory.tmx")
    job = folder / "job.yaml"
    job.write_text("series: {title: The Son-in-Law Returns}\nsource_language: zh-Hans\ntargets: [en]\n"
                   "episodes: [{id: ep01, video: ep01.mp4, subtitles: ep01.zh.srt}]\n"
                   "characters: characters.yaml\nglossaries: [glossary.yaml]\n"
                   f"translation:\n  engines: {engines}\n  tm: [memory.tmx]\n{extra}", encoding="utf-8")
    return job


def _draft(folder: Path) -> list[dict]:
    return json.loads((folder / "work" / "job" / "ep01" / "draft.en" / "draft.json").read_text())["lines"]


def _assert_bound_terms_rendered(lines: list[dict]) -> None:
    seen = set()
    for line in lines:
        assert line["findings"] == [], line
        for term, rendering in BOUND.items():
            if term in line["source"]:
                seen.add(term)
                assert rendering.lower() in line["target"].lower(), (term, line)
    assert seen == set(BOUND)


def test_tm_path_renders_every_bound_term_and_passes_qc(tmp_path, small_sample):
    result = localize("run", _job(tmp_path, "[tm]", video=small_sample), "--json")
    assert result.code == 0, result.stderr
    lines = _draft(tmp_path)
    assert all(line["origin"].startswith("tm") for line in lines) and len(lines) == 15
    _assert_bound_terms_rendered(lines)
    cues = tmp_path / "work" / "job" / "ep01" / "fit.en" / "cues.en.json"
    assert "I had no idea who I was dealing with!" in subtitle_text(cues).replace("\n", " ")
    (qc,) = [q for p, q in json.loads(result.stdout)["episodes"][0]["qc"].items() if "fit.en" in p]
    assert qc["passed"] and qc["language"] == "en"


def test_llm_path_sends_only_present_terms_and_caches_per_sentence(tmp_path, server, small_sample):
    server.translate = lambda text: REFERENCE.get(text, "???")
    llm = f"  llm: {{base_url: '{server.url}', model: test-model, max_batch: 4}}\n"
    job = _job(tmp_path, "[llm]", llm, tmx=None, video=small_sample)
    result = localize("run", job, "--json")
    assert result.code == 0, result.stderr
    lines = _draft(tmp_path)
    assert {line["origin"] for line in lines} == {"llm"}
    _assert_bound_terms_rendered(lines)
    for request in server.received:
        payload = json.loads(request["messages"][1]["content"])
        text = "".join(item["text"] for item in payload["items"])
        assert all(term["source"] in text for term in payload["glossary"])  # only the terms present
    assert len(server.items_sent()) == 15

    # Edit one glossary entry: only the sentences containing that term go back to the engine.
    glossary = tmp_path / "glossary.yaml"
    text = glossary.read_text(encoding="utf-8")
    glossary.write_text(text.replace("approved: [wife, honey, babe]", "approved: [wife, my wife, honey, babe]"),
                        encoding="utf-8")
    sent_before = len(server.items_sent())
    again = localize("run", job, "--json")
    assert again.code == 0, again.stderr
    resent = server.items_sent()[sent_before:]
    assert resent and all("老婆" in line for line in resent)
    assert len(resent) == sum("老婆" in line for line in REFERENCE)


def test_a_forbidden_rendering_fails_the_qc_gate(tmp_path, small_sample):
    planted = tmp_path / "planted.tmx"
    text = (SAMPLE / "ep01.en.tmx").read_text(encoding="utf-8")
    planted.write_text(text.replace("I had no idea who I was dealing with!", "I failed to recognize Mount Tai!"),
                       encoding="utf-8")
    result = localize("run", _job(tmp_path, "[tm]", tmx=planted, video=small_sample))
    assert result.code == 1
    assert "QC failed" in result.stderr and "fit.en" in result.stderr
    qc = json.loads((tmp_path / "work" / "job" / "ep01" / "fit.en" / "qc.json").read_text())
    rules = {v["rule"] for v in qc["violations"]}
    assert "term_forbidden" in rules and "term_missing" not in rules
    assert any("Mount Tai" in v["measured"] for v in qc["violations"])
    # 有眼不识泰山 is an idiom (preferred): its approved rendering missing is a warning beside the error.
    assert [v["rule"] for v in qc["warnings"]] == ["term_preferred"]


@pytest.mark.parametrize("engines, phrase", [("[tm, argos]", "no Argos package for zh-en"),
                                             ("[llm]", "LOCALIZE_LLM_BASE_URL")])
def test_an_engine_that_cannot_run_fails_at_once_with_exit_3(tmp_path, monkeypatch, engines, phrase):
    monkeypatch.delenv("LOCALIZE_LLM_BASE_URL", raising=False)
    monkeypatch.setenv("LOCALIZE_HOME", str(tmp_path / "empty-home"))  # no Argos package installed there
    result = localize("run", _job(tmp_path, engines))
    assert result.code == 3 and phrase in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "work").exists()
