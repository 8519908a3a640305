"""Batch runs: a failing episode never stops the others, a track that failed QC is not delivered (unless the job
says so, flagged), --fail-fast stops at the first failure, and fixing the episode re-runs only its stages."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import localize
from tests.small_jobs import SHORTS, imported_job

UNKNOWN_LINE = "\n\n99\n00:00:10,000 --> 00:00:11,400\n这句话记忆库里没有。\n"  # no TM match: left in Chinese


def _summary(job: Path, work: Path, *args: str) -> tuple[int, dict, str]:
    done = localize("run", job, "--work", work, "--json", *args)
    return done.code, json.loads(done.stdout), done.stderr


def _statuses(summary: dict) -> dict[str, str]:
    return {f"{e['id']} {s['stage']}": s["status"] for e in summary["episodes"] for s in e["stages"]}


def failing_series(ffmpeg: str, folder: Path) -> Path:
    """Three episodes delivered to youtube-shorts; episode 1 has a line the memory cannot translate, so its English
    fails QC and its package is blocked (the series report's tests use it too)."""
    job = imported_job(ffmpeg, folder, episodes=3, extra=SHORTS)
    subtitles = folder / "ep01.zh.srt"
    subtitles.write_text(subtitles.read_text(encoding="utf-8").rstrip("\n") + UNKNOWN_LINE, encoding="utf-8")
    return job


def test_a_failing_episode_is_reported_and_blocked_while_the_others_are_delivered(ffmpeg, tmp_path):
    job, work = failing_series(ffmpeg, tmp_path), tmp_path / "work"
    code, summary, stderr = _summary(job, work)
    assert code == 1, stderr
    statuses = _statuses(summary)
    for episode in ("ep02", "ep03"):
        assert statuses[f"{episode} package.youtube-shorts"] == "ran"
        assert (work / episode / "package.youtube-shorts" / "release" / "manifest.json").is_file()
    assert "ep01 package.youtube-shorts" not in statuses and not (work / "ep01" / "package.youtube-shorts").exists()
    (blocked,) = summary["episodes"][0]["blocked"]
    assert blocked["stage"] == "package.youtube-shorts"
    assert "fit.en failed QC" in blocked["reason"] and "untranslated" in blocked["reason"]
    report = work / "ep01" / "fit.en" / "qc.json"
    assert f"localize qc show {report}" in blocked["reason"]
    shown = localize("qc", "show", report)
    assert shown.code == 1 and "untranslated" in shown.stdout

    # Delivered anyway when the job says so: the manifest carries the flags.
    job.write_text(job.read_text() + "qc: {deliver_flagged: true}\n", encoding="utf-8")
    code, summary, _ = _summary(job, work)
    assert code == 1 and _statuses(summary)["ep01 package.youtube-shorts"] == "ran"
    assert _statuses(summary)["ep02 package.youtube-shorts"] == "cached"
    manifest = json.loads((work / "ep01" / "package.youtube-shorts" / "release" / "manifest.json").read_text())
    (from_fit, *from_package) = manifest["qc_flags"]["en"]
    violations = json.loads(report.read_text(encoding="utf-8"))["violations"]
    assert from_fit == {"check": "fit.en", "violations": len(violations),
                        "rules": sorted({v["rule"] for v in violations})}
    assert "untranslated" in from_fit["rules"]
    assert all(f["check"] == "subtitles on youtube-shorts" and f["violations"] for f in from_package)

    # Fixing episode 1 re-runs only episode 1's stages that its subtitles feed.
    subtitles = tmp_path / "ep01.zh.srt"
    subtitles.write_text(subtitles.read_text(encoding="utf-8").replace(UNKNOWN_LINE.rstrip("\n"), ""),
                         encoding="utf-8")
    code, summary, stderr = _summary(job, work)
    assert code == 0, stderr
    ran = {name for name, status in _statuses(summary).items() if status == "ran"}
    assert ran == {"ep01 import", "ep01 source_cues", "ep01 draft.en", "ep01 fit.en", "ep01 package.youtube-shorts"}
    manifest = json.loads((work / "ep01" / "package.youtube-shorts" / "release" / "manifest.json").read_text())
    assert "qc_flags" not in manifest


def test_fail_fast_leaves_the_other_episodes_pending(ffmpeg, tmp_path):
    job, work = failing_series(ffmpeg, tmp_path), tmp_path / "work"
    code, summary, _ = _summary(job, work, "--fail-fast")
    assert code == 1
    assert not any(e["stages"] for e in summary["episodes"][1:])
    status = localize("status", job, "--work", work, "--json")
    states = {(e["id"], s["stage"]): s["state"] for e in json.loads(status.stdout)["episodes"] for s in e["stages"]}
    assert {state for (episode, _), state in states.items() if episode != "ep01"} == {"pending"}
