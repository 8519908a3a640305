"""`kill -9` in the middle of a 3-episode run: the re-run completes, finished work is not redone, and no
partial file ever sits under a final name."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from localize.store import sha256_file
from tests.conftest import as_at_a_terminal, cut_sample, localize, write_job

pytestmark = pytest.mark.slow
CLIPS = ((0, 11.9), (12.1, 9.2), (24.2, 9.4))  # (start, length) in s: whole lines of the sample, cut in silences


def _recorded_outputs(work: Path) -> dict[str, str]:
    with sqlite3.connect(work / "state.sqlite") as db:
        rows = db.execute("SELECT outputs FROM stage_results").fetchall()
    return {o["path"]: o["sha256"] for (outputs,) in rows for o in json.loads(outputs).values()}


def _final_files(work: Path) -> list[Path]:
    """Files under episode folders with a final name (temp files and staging folders start with a dot)."""
    return [p for p in work.glob("ep*/*/*") if p.is_file() and not p.name.startswith(".")]


def test_kill_during_second_episode_then_resume(tmp_path, ffmpeg):
    videos = [cut_sample(ffmpeg, tmp_path / f"clip{i}.mp4", start, length)
              for i, (start, length) in enumerate(CLIPS)]
    job = write_job(tmp_path / "job.yaml", videos)
    work = tmp_path / "work"
    process = subprocess.Popen([sys.executable, "-m", "localize", "run", str(job), "--work", str(work)],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=os.environ.copy(),
                               preexec_fn=as_at_a_terminal)
    seen = []
    for line in process.stderr:
        seen.append(line.strip())
        if line.startswith("ep02 ingest:"):  # ep02's transcription is starting now
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert process.returncode == -signal.SIGKILL, seen
    assert "ep01 source_cues: done" in " ".join(seen)

    recorded = _recorded_outputs(work)
    for path in _final_files(work):  # whatever exists under a final name is complete and recorded
        relative = path.relative_to(work).as_posix()
        assert relative in recorded, f"unrecorded file {relative}"
        assert sha256_file(path) == recorded[relative]

    result = localize("run", job, "--work", work, "--json")
    assert result.code == 0, result.stderr
    statuses = {(e["id"], s["stage"]): s["status"] for e in json.loads(result.stdout)["episodes"] for s in e["stages"]}
    assert statuses[("ep01", "ingest")] == statuses[("ep01", "transcribe")] == "cached"
    assert statuses[("ep01", "source_cues")] == statuses[("ep02", "ingest")] == "cached"
    assert statuses[("ep03", "transcribe")] == "ran"
    assert all((work / f"ep0{i}" / "source_cues" / "cues.zh-Hans.json").is_file() for i in (1, 2, 3))
    assert not list(work.glob("ep*/*/.*"))  # staging folders of the killed run were cleaned
    assert {p.relative_to(work).as_posix() for p in _final_files(work)} == set(_recorded_outputs(work))


def test_ctrl_c_exits_130_and_the_next_run_resumes(tmp_path, ffmpeg):
    videos = [cut_sample(ffmpeg, tmp_path / f"clip{i}.mp4", start, length)
              for i, (start, length) in enumerate(CLIPS[:2])]
    job = write_job(tmp_path / "job.yaml", videos)
    work = tmp_path / "work"
    process = subprocess.Popen([sys.executable, "-m", "localize", "run", str(job), "--work", str(work)],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=os.environ.copy(),
                               preexec_fn=as_at_a_terminal)
    for line in process.stderr:
        if line.startswith("ep01 ingest:"):
            process.send_signal(signal.SIGINT)
            break
    rest = process.stderr.read()
    assert process.wait() == 130
    assert "interrupted" in rest and "Traceback" not in rest
    result = localize("run", job, "--work", work, "--json")
    assert result.code == 0, result.stderr
    statuses = {(e["id"], s["stage"]): s["status"] for e in json.loads(result.stdout)["episodes"] for s in e["stages"]}
    assert statuses[("ep01", "ingest")] == "cached" and statuses[("ep02", "source_cues")] == "ran"
