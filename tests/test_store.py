"""The work store: atomic writes, hash memo, the run lock against a second real process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from localize.store import WorkStore, atomic_write_text, sha256_file
from tests.conftest import localize, write_job


def test_atomic_write_leaves_no_temp_files(tmp_path):
    target = tmp_path / "a" / "b.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["b.txt"]


def test_file_hash_memo_notices_changes(tmp_path):
    store = WorkStore(tmp_path / "work")
    file = tmp_path / "f.bin"
    file.write_bytes(b"a" * 1000)
    first = store.file_hash(file)
    assert first == sha256_file(file)
    file.write_bytes(b"b" * 1000)
    os.utime(file, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    assert store.file_hash(file) == sha256_file(file) != first
    store.close()


def test_staging_is_published_atomically_and_cleaned(tmp_path):
    store = WorkStore(tmp_path / "work")
    staging = store.new_staging("ep01", "ingest")
    (staging / "probe.json").write_text("{}")
    store.publish(staging, "ep01", "ingest")
    assert sorted(p.name for p in (tmp_path / "work" / "ep01" / "ingest").iterdir()) == ["probe.json"]


def test_second_run_on_a_locked_work_dir_is_refused(tmp_path, tone_video):
    work = tmp_path / "work"
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from localize.store import WorkStore\n"
         "with WorkStore(Path(sys.argv[1])).lock('localize run other.yaml'):\n"
         "    print('locked', flush=True); time.sleep(60)", str(work)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        job = write_job(tmp_path / "job.yaml", [tone_video])
        result = localize("run", job, "--work", work)
        assert result.code == 2
        assert f"pid {holder.pid}" in result.stderr and "localize run other.yaml" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()
    # The kernel released the lock with the killed process: the next run proceeds.
    assert localize("run", job, "--work", work).code == 0


def test_work_path_that_is_a_file(tmp_path, tone_video):
    job = write_job(tmp_path / "job.yaml", [tone_video])
    afile = tmp_path / "afile"
    afile.write_text("x")
    result = localize("run", job, "--work", afile)
    assert result.code == 2 and "is a file" in result.stderr
    assert afile.read_text() == "x" and not Path(tmp_path / "work").exists()
