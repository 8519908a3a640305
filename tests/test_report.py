"""The series report: its rules as functions, then one real run of a three-episode series whose first episode
fails translation QC, read as series.json (against the shipped schema), as `status --json` and as the page
headless Chromium renders."""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
import subprocess
from decimal import Decimal

import jsonschema
import pytest
from PIL import Image
from rich.console import Console

from localize.costs import ledger
from localize.job import load_job
from localize.pipeline import EpisodeOutcome, StageOutcome
from localize.report import last_run, series
from localize.report.series_html import FAIL_COLOUR, render
from localize.report.status_table import status_table
from localize.store import WorkStore
from tests.conftest import localize
from tests.small_jobs import COSTS
from tests.test_batch import failing_series

CHROMIUM = shutil.which("chromium")
SUBTITLE_QC = {"passed": False, "violations": [
    {"cue": 5, "rule": "reading_speed", "measured": "62.5 cps", "limit": "≤ 20 cps",
     "description": "too many characters per second"},
    {"cue": 6, "rule": "untranslated", "measured": "Chinese left", "limit": "none"},
    {"cue": 7, "rule": "reading_speed", "measured": "25.0 cps", "limit": "≤ 20 cps"}]}
PACKAGE_QC = {"passed": False, "profile": "tiktok", "failures": [
    {"file": "ep01_001.mp4", "check": "loudness", "measured": "-20.3 LUFS", "expected": "-14 ± 1 LUFS"}]}


def _validate(report: dict) -> None:
    jsonschema.Draft202012Validator(series.schema()).validate(report)


# --- the rules -----------------------------------------------------------------------------------------------
def test_qc_verdicts_count_violations_by_rule_and_list_each_with_its_cue():
    summary = series.qc_summary(SUBTITLE_QC, "ep01/fit.en/qc.json", "localize qc show x")
    assert summary == {"passed": False, "violations": 3, "by_rule": {"reading_speed": 2, "untranslated": 1},
                       "report": "ep01/fit.en/qc.json", "command": "localize qc show x"}
    first, second, _ = series.qc_failures(SUBTITLE_QC, "localize qc show x")
    assert first == {"kind": "qc", "rule": "reading_speed", "cue": 5, "command": "localize qc show x",
                     "message": "too many characters per second: 62.5 cps (limit ≤ 20 cps)"}
    assert second["message"] == "Chinese left (limit none)"
    (package,) = series.qc_failures(PACKAGE_QC, "cmd")
    assert package["rule"] == "loudness" and package["cue"] is None
    assert package["message"] == "ep01_001.mp4: -20.3 LUFS (limit -14 ± 1 LUFS)"
    assert series.qc_failures({"passed": True, "violations": []}, "cmd") == []


def test_a_blocked_stage_stays_blocked_until_it_is_made_again():
    assert series.stage_state("pending", "fit.en failed QC") == "blocked"
    assert series.stage_state("stale", "fit.en failed QC") == "blocked"
    assert series.stage_state("failed", "draft.en failed") == "blocked"  # the last run came after that failure
    assert series.stage_state("done", "fit.en failed QC") == "done"
    assert series.stage_state("pending", None) == "pending"


def test_an_episode_is_as_bad_as_its_worst_stage():
    def stage(state, passed=None):
        return {"state": state, "qc": None if passed is None else {"passed": passed}}
    assert series.episode_state([stage("done"), stage("done", True)]) == "done"
    assert series.episode_state([stage("done"), stage("pending")]) == "pending"
    assert series.episode_state([stage("stale"), stage("pending")]) == "stale"
    assert series.episode_state([stage("done", False), stage("pending")]) == "failed"
    assert series.episode_state([stage("blocked"), stage("stale")]) == "failed"


def test_the_last_run_record_keeps_the_episodes_a_run_did_not_cover(tmp_path):
    first = EpisodeOutcome("ep01", [StageOutcome("ingest", "ran", 0.1, {})],
                           blocked=[{"stage": "package.tiktok", "reason": "fit.en failed QC"}])
    last_run.record(tmp_path, [first, EpisodeOutcome("ep02", [StageOutcome("ingest", "ran", 0.1, {})])], "t1")
    last_run.record(tmp_path, [EpisodeOutcome("ep02", [StageOutcome("ingest", "cached", 0.0, {})])], "t2")
    assert last_run.load(tmp_path) == {
        "ep01": {"finished": "t1", "cache_hits": {"ingest": False}, "blocked": {"package.tiktok": "fit.en failed QC"}},
        "ep02": {"finished": "t2", "cache_hits": {"ingest": True}, "blocked": {}}}
    (tmp_path / last_run.FILE).write_text("{not json", encoding="utf-8")
    assert last_run.load(tmp_path) == {}


# --- one real run ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def failing_run(ffmpeg, tmp_path_factory):
    """(job, work dir, series.json after the first run, after a second, cached run); rate card priced."""
    folder = tmp_path_factory.mktemp("series")
    job = failing_series(ffmpeg, folder)
    job.write_text(job.read_text(encoding="utf-8") + COSTS, encoding="utf-8")
    work = folder / "work"
    reports = []
    for _ in range(2):
        done = localize("run", job, "--work", work, "--json")
        assert done.code == 1, done.stderr
        assert json.loads(done.stdout)["report"] == str(work / "report" / "series.html")
        reports.append(json.loads((work / "report" / "series.json").read_text(encoding="utf-8")))
    return job, work, reports[0], reports[1]


def _stages(report: dict, episode: str) -> dict[str, dict]:
    (found,) = [e for e in report["episodes"] if e["id"] == episode]
    return {stage["stage"]: stage for stage in found["stages"]}


def test_series_json_and_status_json_are_the_same_data_and_follow_the_shipped_schema(failing_run):
    job, work, first, second = failing_run
    jsonschema.Draft202012Validator.check_schema(series.schema())
    _validate(first)
    _validate(second)
    status = localize("status", job, "--work", work, "--json")
    assert status.code == 0, status.stderr
    shown = json.loads(status.stdout)
    assert shown | {"generated": ""} == second | {"generated": ""}
    assert (work / "report" / "series.html").is_file()


def test_each_stage_says_its_state_cache_hit_time_qc_and_cost(failing_run):
    job, work, first, second = failing_run
    assert first["stages"] == ["ingest", "shots", "import", "source_cues", "draft.en", "fit.en",
                               "package.youtube-shorts"]
    package = _stages(first, "ep02")["package.youtube-shorts"]
    assert package["state"] == "done" and package["cache_hit"] is False and package["ms"] > 0
    assert (package["step"], package["language"], package["profile"]) == ("package", None, "youtube-shorts")
    assert package["qc"] == {"passed": True, "violations": 0, "by_rule": {},
                             "report": "ep02/package.youtube-shorts/qc.json",
                             "command": f"localize qc show {work / 'ep02' / 'package.youtube-shorts' / 'qc.json'}"}
    fit = _stages(second, "ep02")["fit.en"]
    assert (fit["step"], fit["language"], fit["profile"], fit["cache_hit"]) == ("fit", "en", None, True)
    assert {s["cache_hit"] for e in second["episodes"] for s in e["stages"] if s["state"] == "done"} == {True}

    store = WorkStore(work)
    entries = ledger.entries(store.db)
    store.close()
    assert Decimal(second["totals"]["cost"]) == sum(Decimal(e["amount_cny"]) for e in entries) > 0
    for episode in second["episodes"]:
        assert Decimal(episode["cost"]) == sum(Decimal(s["cost"]) for s in episode["stages"])
        assert episode["ms"] == sum(s["ms"] or 0 for s in episode["stages"])
    assert second["totals"]["cost"] == first["totals"]["cost"], "a cached run costs nothing"


def test_the_failing_episode_shows_its_rule_its_cue_and_the_command_that_shows_it(failing_run):
    job, work, _, report = failing_run
    assert [e["state"] for e in report["episodes"]] == ["failed", "done", "done"]
    assert report["totals"]["failed_episodes"] == ["ep01"]
    stages = _stages(report, "ep01")
    assert stages["fit.en"]["qc"]["by_rule"]["untranslated"] == 1
    package = stages["package.youtube-shorts"]
    assert package["state"] == "blocked" and "fit.en failed QC" in package["detail"]
    assert report["totals"]["stages"] == {"blocked": 1, "done": 20}
    report_file = work / "ep01" / "fit.en" / "qc.json"
    (untranslated,) = [f for f in report["failures"] if f["rule"] == "untranslated"]
    assert untranslated == {"episode": "ep01", "stage": "fit.en", "kind": "qc", "rule": "untranslated", "cue": 6,
                            "message": untranslated["message"], "command": f"localize qc show {report_file}"}
    assert "这句话记忆库里没有" in untranslated["message"]
    assert {f["episode"] for f in report["failures"]} == {"ep01"}
    shown = localize(*untranslated["command"].split()[1:])
    assert shown.code == 1 and "untranslated" in shown.stdout


def test_a_stage_that_failed_names_its_error_and_what_it_blocked(failing_run, tmp_path):
    job, work, _, _ = failing_run
    copy = tmp_path / "work"
    shutil.copytree(work, copy)
    with sqlite3.connect(copy / "state.sqlite") as db:
        db.execute("DELETE FROM stage_results WHERE episode = 'ep03' AND stage = 'draft.en'")
    store = WorkStore(copy)
    store.record_failure("ep03", "draft.en", "the LLM at http://localhost:11434/v1 did not answer")
    store.close()
    report = series.build(load_job(job), copy, "2025-01-01T00:00:00Z")
    _validate(report)
    stages = _stages(report, "ep03")
    assert stages["draft.en"]["state"] == "failed" and "did not answer" in stages["draft.en"]["detail"]
    assert stages["draft.en"]["ms"] is None
    assert stages["fit.en"]["state"] == "pending"
    (error,) = [f for f in report["failures"] if f["episode"] == "ep03"]
    assert error == {"episode": "ep03", "stage": "draft.en", "kind": "error", "rule": None, "cue": None,
                     "message": "the LLM at http://localhost:11434/v1 did not answer",
                     "command": f"localize status {job} --work {copy}"}
    assert report["totals"]["failed_episodes"] == ["ep01", "ep03"]


def test_the_page_escapes_what_users_wrote(failing_run):
    _, _, _, report = failing_run
    hostile = copy.deepcopy(report)
    hostile["failures"][0]["message"] = "<script>alert(1)</script>"
    hostile["episodes"][1]["id"] = 'ep"02<b>'
    page = render(hostile)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'id="row-ep&quot;02&lt;b&gt;"' in page


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (apt-get install chromium; .ci/run installs it)")
def test_series_html_renders_in_headless_chromium_with_the_failing_row_marked(failing_run, tmp_path):
    _, work, _, _ = failing_run
    page = (work / "report" / "series.html").as_uri()
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-dev-shm-usage", "--window-size=1280,900", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([CHROMIUM, *flags, "--dump-dom", page], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert '<tr id="row-ep01" class="episode failed">' in dom
    assert '<tr id="row-ep02" class="episode">' in dom and '<tr id="row-ep03" class="episode">' in dom
    assert "untranslated" in dom and f"localize qc show {work / 'ep01' / 'fit.en' / 'qc.json'}" in dom
    shot = tmp_path / "series.png"
    subprocess.run([CHROMIUM, *flags, f"--screenshot={shot}", page], capture_output=True, timeout=120, check=True)
    with Image.open(shot) as image:
        assert image.format == "PNG" and image.size == (1280, 900)
        colours = {colour: count for count, colour in image.convert("RGB").getcolors(1280 * 900)}
    red = tuple(int(FAIL_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
    assert colours.get(red, 0) > 5000, "the failing cells are painted in the failure colour"


def test_the_status_table_keeps_stage_names_apart_on_an_80_column_terminal():
    stages = ["ingest", "shots", "transcribe", "source_cues", "draft.en", "fit.en", "package.youtube-shorts",
              "package.vertical-app"]
    report = {"stages": stages, "episodes": [{"id": "ep01", "stages": [
        {"stage": stage, "state": "done"} for stage in stages]}]}
    console = Console(width=80, record=True, force_terminal=False)
    console.print(status_table(report, "sample: 1 episodes"))
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80 and "…" not in text
    lines = text.splitlines()
    assert "youtube" in text and "vertical" in text  # the two package columns differ where their names differ
    assert any("package" in line and line.count("package") == 2 for line in lines)
