"""The runner's promises, on small real episodes with imported subtitles (no Whisper): a kill at any point
between publishing a stage and committing its records loses and doubles nothing; the translation memory is
exactly the job's TMX files; a subtitle-profile change re-fits without re-drafting; --jobs 2 delivers the same
bytes as --jobs 1."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pysubs2
import pytest

from localize import cpus
from localize.errors import BadInput
from localize.executors import pool_size
from localize.pipeline import FAULT_ENV, FAULT_POINTS
from localize.stages.graph import GraphError, check_needs
from localize.stages.registry import Stage, StageCall
from tests.conftest import as_at_a_terminal, localize
from tests.small_jobs import COSTS, SHORTS, imported_job


def _run(job: Path, work: Path, *args: str, code: int = 0) -> dict:
    done = localize("run", job, "--work", work, "--json", *args)
    assert done.code == code, done.stderr
    return json.loads(done.stdout)


def _statuses(summary: dict) -> dict[str, str]:
    return {f"{e['id']} {s['stage']}": s["status"] for e in summary["episodes"] for s in e["stages"]}


def _ledger(work: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(work / "state.sqlite") as db:
        return db.execute("SELECT episode, stage, item FROM ledger ORDER BY id").fetchall()


@pytest.fixture
def small_job(ffmpeg, tmp_path) -> Path:
    return imported_job(ffmpeg, tmp_path, extra=COSTS)


@pytest.mark.parametrize("point", FAULT_POINTS)
def test_a_kill_between_publishing_and_committing_loses_and_doubles_nothing(small_job, tmp_path, point):
    stage = "draft.en"  # its entries: compute, and TM-weighted translation (the largest claimable cost)
    work = tmp_path / "work"
    killed = subprocess.run([sys.executable, "-m", "localize", "run", str(small_job), "--work", str(work)],
                            env=os.environ | {FAULT_ENV: f"{point}:{stage}"}, capture_output=True, text=True,
                            check=False, timeout=300)
    assert killed.returncode == -9, killed.stderr
    resumed = _statuses(_run(small_job, work))
    assert resumed[f"ep01 {stage}"] == ("cached" if point == "committed" else "ran")

    entries = _ledger(work)
    with sqlite3.connect(work / "state.sqlite") as db:
        stages = {name for (name,) in db.execute("SELECT stage FROM stage_results")}
    computes = [s for _, s, item in entries if item.startswith("compute: ")]
    assert sorted(computes) == sorted(stages)  # every stage's compute exactly once: none lost, none twice
    assert [s for _, s, item in entries if item == "translation (TM-weighted)"] == ["draft.en"]
    verified = localize("costs", "verify", small_job, "--work", work)
    assert verified.code == 0, verified.stdout + verified.stderr


def test_the_memory_is_exactly_the_tmx_files_and_a_profile_change_refits_without_redrafting(small_job, tmp_path):
    work = tmp_path / "work"
    _run(small_job, work)
    draft = work / "ep01" / "draft.en" / "draft.json"
    assert all(line["origin"].startswith("tm") for line in json.loads(draft.read_text())["lines"])

    memory = tmp_path / "memory.tmx"
    units = re.split(r"(?=<tu[ >])", memory.read_text(encoding="utf-8"))
    removed = "三年了，你在我家吃白饭！"
    memory.write_text("".join(u for u in units if removed not in u), encoding="utf-8")
    again = _statuses(_run(small_job, work, code=1))  # a line left in Chinese fails QC
    assert again["ep01 draft.en"] == "ran" and again["ep01 source_cues"] == "cached"
    lines = {line["source"]: line["origin"] for line in json.loads(draft.read_text())["lines"]}
    assert lines[removed] == "untranslated"  # gone from the file, gone from every lookup
    fresh = tmp_path / "fresh"
    _run(small_job, fresh, code=1)
    assert draft.read_bytes() == (fresh / "ep01" / "draft.en" / "draft.json").read_bytes()

    small_job.write_text(small_job.read_text() + "subtitles: {profile: tiktok}\n", encoding="utf-8")
    refit = _statuses(_run(small_job, work, code=1))
    assert refit["ep01 draft.en"] == "cached" and refit["ep01 fit.en"] == "ran"
    assert refit["ep01 source_cues"] == "ran"  # the source cues are timed to the profile too


def _delivered(work: Path) -> dict[str, bytes]:
    """Every artifact under the work dir; manifests without their creation time."""
    files = {}
    for path in sorted(work.glob("ep*/**/*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        data = path.read_bytes()
        if path.name == "manifest.json":
            manifest = json.loads(data)
            manifest.pop("created")
            data = json.dumps(manifest, sort_keys=True).encode()
        files[path.relative_to(work).as_posix()] = data
    return files


def test_two_workers_deliver_the_same_bytes_as_one(ffmpeg, tmp_path):
    job = imported_job(ffmpeg, tmp_path, episodes=2, extra=SHORTS)
    one = _run(job, tmp_path / "one", "--jobs", "1")
    two = _run(job, tmp_path / "two", "--jobs", "2")
    assert set(_statuses(one).values()) == set(_statuses(two).values()) == {"ran"}
    first, second = _delivered(tmp_path / "one"), _delivered(tmp_path / "two")
    assert len(first) >= 2 * 9 and first == second

    done = localize("export", job, "--work", tmp_path / "one", "-o", tmp_path / "subs", "--lang", "en")
    assert done.code == 0, done.stderr
    exported = tmp_path / "subs" / "ep02.en.srt"
    assert sorted(p.name for p in (tmp_path / "subs").iterdir()) == ["ep01.en.srt", "ep02.en.srt"]
    cues = json.loads((tmp_path / "one" / "ep02" / "fit.en" / "cues.en.json").read_text(encoding="utf-8"))["cues"]
    assert [e.plaintext for e in pysubs2.load(str(exported))] == [cue["text"] for cue in cues]
    assert all(cue["sources"] for cue in cues)  # each English cue names the Chinese cues it renders


def test_the_graph_refuses_a_need_nobody_makes_and_an_artifact_made_twice() -> None:
    def write(call: StageCall) -> None:
        return None

    made = Stage("made", 1, needs=("video",), makes={"cues": "cues.json"}, action=write)
    orphan = Stage("orphan", 1, needs=("cues", "draft.xx"), makes={"x": "x.json"}, action=write)
    with pytest.raises(GraphError, match=r"stage orphan needs draft\.xx, which no earlier stage makes"):
        check_needs((made, orphan), {"video"})
    with pytest.raises(GraphError, match="stage again makes cues"):
        check_needs((made, Stage("again", 1, needs=(), makes={"cues": "c.json"}, action=write)), {"video"})
    check_needs((made, Stage("fine", 1, needs=("cues",), makes={"y": "y.json"}, action=write)), {"video"})


def test_the_memory_guard_starts_no_more_workers_than_memory_holds() -> None:
    gib = 1 << 30
    assert pool_size(4, gib, 10 * gib) == 4
    assert pool_size(4, gib, 2 * gib + 5) == 2
    assert pool_size(4, gib, gib // 2) == 1  # never fewer than one
    assert pool_size(3, gib, None) == 3  # no /proc/meminfo: trust the user


def test_each_worker_gets_its_share_of_the_cpus_or_what_localize_threads_says(monkeypatch) -> None:
    monkeypatch.delenv(cpus.ENV, raising=False)
    everything = cpus.usable_cpus()
    assert cpus.engine_threads() == everything
    assert cpus.engine_threads(everything) == 1 and cpus.engine_threads(everything * 4) == 1  # never none
    monkeypatch.setenv(cpus.ENV, "3")
    assert cpus.engine_threads() == cpus.engine_threads(2) == 3
    for wrong in ("0", "two", "-1", "1.5"):
        monkeypatch.setenv(cpus.ENV, wrong)
        with pytest.raises(BadInput, match=f"LOCALIZE_THREADS={re.escape(wrong)}: give a whole number"):
            cpus.engine_threads()


def test_ctrl_c_stops_the_worker_pool_at_once_and_the_next_run_resumes(ffmpeg, tmp_path):
    job = imported_job(ffmpeg, tmp_path, episodes=2)
    work = tmp_path / "work"
    process = subprocess.Popen([sys.executable, "-m", "localize", "run", str(job), "--work", str(work), "--jobs", "2"],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=os.environ.copy(),
                               preexec_fn=as_at_a_terminal)
    assert process.stderr is not None
    finished = ""
    for line in process.stderr:
        if " ingest: done" in line:
            finished = line.split(":")[0]  # "ep0N ingest": committed before Ctrl-C
            process.send_signal(signal.SIGINT)
            break
    rest = process.stderr.read()
    assert process.wait(timeout=60) == 130
    assert "interrupted" in rest and "Traceback" not in rest and "leaked" not in rest
    statuses = _statuses(_run(job, work, "--jobs", "2"))
    assert statuses[finished] == "cached" and "ran" in statuses.values()
