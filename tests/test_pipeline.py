"""`localize run`: stages, cache keys, status, forced and stale stages, imported subtitles."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import sqlite3
from decimal import Decimal

import opencc
import pytest

from localize.asr.metrics import character_error_rate
from localize.formats import read_track
from tests.conftest import REPO, SAMPLE_VIDEO, SAMPLE_ZH, cut_sample, localize, subtitle_text, write_job
from tests.small_jobs import imported_job


def _run(*args) -> dict:
    result = localize("run", *args, "--json")
    assert result.code == 0, result.stderr
    return json.loads(result.stdout)


def _statuses(summary: dict) -> dict[tuple[str, str], str]:
    return {(e["id"], s["stage"]): s["status"] for e in summary["episodes"] for s in e["stages"]}


def _status_table(job, work) -> dict[tuple[str, str], str]:
    result = localize("status", job, "--work", work, "--json")
    assert result.code == 0, result.stderr
    return {(e["id"], s["stage"]): s["state"] for e in json.loads(result.stdout)["episodes"] for s in e["stages"]}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    """The sample job run once into a fresh work dir: (work dir, the first run's summary)."""
    work = tmp_path_factory.mktemp("sample") / "work"
    return work, _run(REPO / "jobs" / "sample.yaml", "--work", work)


@pytest.mark.slow
def test_sample_job_runs_then_is_fully_cached(sample_run):
    work, first = sample_run
    assert set(_statuses(first).values()) == {"ran"}
    assert list(_statuses(first)) == [("ep01", "ingest"), ("ep01", "shots"), ("ep01", "transcribe"),
                                      ("ep01", "source_cues"), ("ep01", "draft.en"), ("ep01", "fit.en"),
                                      ("ep01", "package.youtube-shorts"), ("ep01", "package.vertical-app")]
    cues = work / "ep01" / "source_cues" / "cues.zh-Hans.json"
    probe = json.loads((work / "ep01" / "ingest" / "probe.json").read_text())
    assert (probe["width"], probe["height"]) == (1080, 1920) and 40_000 <= probe["duration_ms"] <= 60_000
    transcript = json.loads((work / "ep01" / "transcribe" / "transcript.json").read_text())
    assert transcript["engine"]["model"] == "base" and transcript["segments"][0]["words"]
    assert character_error_rate(subtitle_text(SAMPLE_ZH), subtitle_text(cues)) <= 0.08

    again = _run(REPO / "jobs" / "sample.yaml", "--work", work)
    assert set(_statuses(again).values()) == {"cached"}
    assert again["cache_hits"] == 8 and again["stages_run"] == 0
    english = json.loads((work / "ep01" / "fit.en" / "qc.json").read_text())
    assert english["passed"] and english["cues"] >= 15


@pytest.mark.slow
def test_one_shot_transcribe_gives_the_job_s_source_cues_within_the_cer_target(sample_run, tmp_path):
    work, _ = sample_run
    out = tmp_path / "ep01.json"
    result = localize("transcribe", SAMPLE_VIDEO, "-o", out, "--language", "zh-Hans", "--profile", "vertical")
    assert result.code == 0, result.stderr
    one_shot = read_track(out, "zh-Hans").cues
    in_the_job = read_track(work / "ep01" / "source_cues" / "cues.zh-Hans.json", "zh-Hans").cues
    assert [(c.start_ms, c.end_ms, c.text) for c in one_shot] == [(c.start_ms, c.end_ms, c.text) for c in in_the_job]
    hypothesis, reference = subtitle_text(out), subtitle_text(SAMPLE_ZH)
    cer = character_error_rate(reference, hypothesis)
    print(f"CER {cer:.2%}")
    assert cer <= 0.08
    assert opencc.OpenCC("t2s").convert(hypothesis) == hypothesis  # nothing left in Traditional script
    assert len(one_shot) >= 12 and all(0 < c.end_ms - c.start_ms <= 7000 for c in one_shot)
    assert all(a.end_ms <= b.start_ms for a, b in zip(one_shot, one_shot[1:], strict=False))


@pytest.mark.slow
def test_sample_run_leaves_a_ledger_entry_per_stage_and_reports_reconcile(sample_run, tmp_path):
    work, first = sample_run
    with sqlite3.connect(work / "state.sqlite") as db:
        entries = db.execute("SELECT stage, item, amount_cny FROM ledger").fetchall()
    ran = {stage for (_, stage), status in _statuses(first).items() if status == "ran"}
    assert {stage for stage, item, _ in entries if item.startswith("compute: ")} == ran
    job = REPO / "jobs" / "sample.yaml"
    assert localize("costs", "verify", job, "--work", work).code == 0
    assert localize("costs", "report", job, "--work", work, "-o", tmp_path / "report").code == 0
    rows = list(csv.reader((tmp_path / "report" / "costs_by_stage.csv").read_text(encoding="utf-8-sig").splitlines()))
    total = next(row for row in rows if row and "Total" in row[0])
    assert Decimal(total[-1]) == sum(Decimal(amount) for _, _, amount in entries) > 0
    assert any(item == "translation (TM-weighted)" for stage, item, _ in entries if stage == "draft.en")


@pytest.mark.slow
@pytest.mark.parametrize("profile", ["youtube-shorts", "vertical-app"])
def test_sample_run_delivers_english_packages_that_pass_qc_until_a_byte_changes(sample_run, tmp_path, profile):
    work, _ = sample_run
    release = work / "ep01" / f"package.{profile}" / "release"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["languages"] == ["en"] and manifest["metadata"]["comment"] == "SAMPLE-0000"
    checked = localize("qc", "package", release, "--json")  # the profile is the one the manifest names
    assert checked.code == 0 and json.loads(checked.stdout)["profile"] == profile, checked.stdout
    wrong = localize("qc", "package", release.parent)  # the stage folder, not the package inside it
    assert wrong.code == 2 and f"localize qc package {release}" in wrong.stderr, wrong.stderr
    edited = shutil.copytree(release, tmp_path / "edited")
    video = edited / "The-Son-in-Law-Returns_001_en.mp4"
    data = bytearray(video.read_bytes())
    data[len(data) // 2] ^= 0xFF
    video.write_bytes(bytes(data))
    checked = localize("qc", "package", edited, "--profile", profile, "--json")
    assert checked.code == 1
    assert "sha256" in {f["check"] for f in json.loads(checked.stdout)["failures"]}


@pytest.mark.slow
def test_a_deleted_delivery_file_is_rebuilt_by_the_next_run(sample_run):
    work, _ = sample_run
    video = work / "ep01" / "package.youtube-shorts" / "release" / "The-Son-in-Law-Returns_001_en.mp4"
    digest = hashlib.sha256(video.read_bytes()).hexdigest()
    video.unlink()
    summary = _run(REPO / "jobs" / "sample.yaml", "--work", work)
    assert {stage for stage, status in _statuses(summary).items() if status == "ran"} == {
        ("ep01", "package.youtube-shorts")}
    assert hashlib.sha256(video.read_bytes()).hexdigest() == digest  # bit-exact: the same package again


@pytest.mark.slow
def test_beam_change_reruns_transcription_and_what_follows_only(tmp_path, ffmpeg):
    video = cut_sample(ffmpeg, tmp_path / "clip.mp4", 0, 6.0)
    job = write_job(tmp_path / "job.yaml", [video])
    work = tmp_path / "work"
    _run(job, "--work", work)
    job.write_text(job.read_text().replace("beam_size: 5", "beam_size: 2"))
    assert _status_table(job, work) == {("ep01", "ingest"): "done", ("ep01", "shots"): "done",
                                        ("ep01", "transcribe"): "stale", ("ep01", "source_cues"): "done"}
    summary = _run(job, "--work", work)
    assert _statuses(summary) == {("ep01", "ingest"): "cached", ("ep01", "shots"): "cached",
                                  ("ep01", "transcribe"): "ran", ("ep01", "source_cues"): "ran"}
    assert set(_status_table(job, work).values()) == {"done"}


def test_forced_ingest_is_deterministic_so_nothing_downstream_reruns(tmp_path, ffmpeg):
    job = imported_job(ffmpeg, tmp_path)
    work = tmp_path / "work"
    _run(job, "--work", work)
    summary = _run(job, "--work", work, "--force", "ingest")
    assert _statuses(summary) == {("ep01", "ingest"): "ran", ("ep01", "shots"): "cached",
                                  ("ep01", "import"): "cached", ("ep01", "source_cues"): "cached",
                                  ("ep01", "draft.en"): "cached", ("ep01", "fit.en"): "cached"}


def test_deleted_or_edited_output_is_rebuilt(tmp_path, ffmpeg):
    job = imported_job(ffmpeg, tmp_path)
    work = tmp_path / "work"
    _run(job, "--work", work)
    cues = work / "ep01" / "source_cues" / "cues.zh-Hans.json"
    original = cues.read_text(encoding="utf-8")
    cues.write_text("edited by hand", encoding="utf-8")
    summary = _run(job, "--work", work)
    assert _statuses(summary)[("ep01", "source_cues")] == "ran"
    assert _statuses(summary)[("ep01", "draft.en")] == "cached"  # the same cues again: nothing after re-runs
    assert cues.read_text(encoding="utf-8") == original
    (work / "ep01" / "fit.en" / "cues.en.json").unlink()
    assert _statuses(_run(job, "--work", work))[("ep01", "fit.en")] == "ran"


def test_imported_subtitles_replace_asr(tmp_path, small_sample):
    video = tmp_path / "clip.mp4"
    shutil.copyfile(small_sample, video)
    subs = tmp_path / "clip.zh.srt"
    subs.write_bytes(SAMPLE_ZH.read_text(encoding="utf-8").encode("gb18030"))
    job = tmp_path / "job.yaml"
    job.write_text("series: {title: T}\nsource_language: zh-Hans\n"
                   f"episodes:\n  - {{video: {video}, subtitles: {subs}}}\n")
    work = tmp_path / "work"
    summary = _run(job, "--work", work)
    assert list(_statuses(summary)) == [("clip", "ingest"), ("clip", "shots"), ("clip", "import"),
                                        ("clip", "source_cues")]
    produced = work / "clip" / "source_cues" / "cues.zh-Hans.json"
    assert character_error_rate(subtitle_text(SAMPLE_ZH), subtitle_text(produced)) == 0

