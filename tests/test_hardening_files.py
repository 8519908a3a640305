"""What the disk and the process table look like around a run: delivered files follow the umask, a killed run
leaves no ffmpeg encoding behind, a read-only store is still read (and a run refused in one line), and a full
disk is one line with nothing lost. Real runs, real SQLite; read-only mounts and a small full disk are made in a
private mount namespace where the tests run as root (where chmod stops nothing)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shlex
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from localize import children
from localize.store import WorkStore, connect_read_only, storage_refused
from tests.conftest import Result, localize
from tests.small_jobs import SHORTS, imported_job

ROOT = os.geteuid() == 0


def _localize_under(mask: int, *args: str | Path) -> Result:
    """The real CLI in a child process whose umask is ``mask``."""
    done = subprocess.run([sys.executable, "-m", "localize", *map(str, args)], check=False, capture_output=True,
                          text=True, env=os.environ.copy(), preexec_fn=lambda: os.umask(mask), timeout=300)
    return Result(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def small_run(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """One episode run to its release package under umask 022: (job, work dir)."""
    folder = tmp_path_factory.mktemp("small-run")
    job = imported_job(ffmpeg, folder, 1, SHORTS)
    done = _localize_under(0o022, "run", job, "--work", folder / "work")
    assert done.code == 0, done.stderr
    return job, folder / "work"


def _modes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in sorted(folder.rglob("*"))}


def test_delivered_files_follow_the_umask(small_run, tmp_path):
    job, work = small_run
    release = work / "ep01" / "package.youtube-shorts" / "release"
    assert set(_modes(release).values()) == {0o644}  # the MP4 and the manifest alike
    artifacts = {n: m for n, m in _modes(work).items() if (work / n).is_file()}
    assert set(artifacts.values()) == {0o644}, artifacts  # cues, drafts, reports, the store: nothing 0600
    for mask, expected in ((0o022, 0o644), (0o077, 0o600)):  # the umask decides, not a fixed mode
        out = tmp_path / f"srt-{mask:o}"
        exported = _localize_under(mask, "export", job, "--work", work, "-o", out)
        assert exported.code == 0, exported.stderr
        assert _modes(out) == {"ep01.zh-Hans.srt": expected, "ep01.en.srt": expected}


# --- kill -9 during a burn-in --------------------------------------------------------------------------------------

def _processes() -> dict[int, tuple[int, str, int]]:
    """pid -> (parent pid, command name, start time) of every process now."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                head, _, tail = (entry / "stat").read_text().rpartition(")")
            except OSError:  # ended while we looked
                continue
            fields = tail.split()
            if fields[0] != "Z":  # a zombie runs nothing
                found[int(entry.name)] = (int(fields[1]), head.partition("(")[2], int(fields[19]))
    return found


def _argv(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:  # ended while we looked
        return []


def _descendants(root: int, processes: dict[int, tuple[int, str, int]]) -> set[int]:
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, (parent, _, _) in processes.items() if parent in frontier} - found
        found |= frontier
    return found


def _wait_for(condition: Callable[[], object], seconds: float, step: float = 0.02) -> object:
    deadline = time.monotonic() + seconds
    while not (value := condition()) and time.monotonic() < deadline:
        time.sleep(step)
    return value


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="children die with their parent on Linux only")
@pytest.mark.parametrize("jobs", [1, 2], ids=["serial", "pool"])
def test_kill_9_during_a_burn_in_leaves_no_ffmpeg_behind(ffmpeg, tmp_path, jobs):
    job = imported_job(ffmpeg, tmp_path, 1, "delivery: [{vertical-app: {mask: {band: [400, 460]}}}]\n")
    with (tmp_path / "stderr.txt").open("w") as log:
        run = subprocess.Popen([sys.executable, "-m", "localize", "run", str(job), "--work", str(tmp_path / "work"),
                                "--jobs", str(jobs)], stdout=subprocess.DEVNULL, stderr=log, env=os.environ.copy())

    def burning() -> dict[int, tuple[int, str, int]]:
        """The run's process tree once one of them is an ffmpeg burning subtitles in, else nothing."""
        now = _processes()
        tree = {pid: now[pid] for pid in _descendants(run.pid, now)}
        return tree if any(_argv(pid)[:1] == [ffmpeg] and "-filter_complex" in _argv(pid) for pid in tree) else {}

    try:
        tree = _wait_for(lambda: burning() or run.poll() is not None, 120)
        assert isinstance(tree, dict) and tree, f"no burn-in seen: {(tmp_path / 'stderr.txt').read_text()}"
        os.kill(run.pid, signal.SIGKILL)
        run.wait()
        killed_at = time.monotonic()

        def survivors() -> set[int]:
            now = _processes()
            return {pid for pid, (_, name, started) in tree.items() if now.get(pid, (0, "", -1))[1:] == (name, started)}

        left = _wait_for(lambda: not survivors(), 2)
        assert left, f"still running {time.monotonic() - killed_at:.1f} s after the kill: " \
                     f"{[tree[pid][1] for pid in survivors()]}"
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


# --- read-only stores and full disks --------------------------------------------------------------------------------

def _namespaces_work(tmp_path: Path) -> bool:
    """Whether we may mount in a private mount namespace (root with CAP_SYS_ADMIN and util-linux's unshare)."""
    if not ROOT or shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "mount", "-t", "tmpfs", "-o", "size=64k",
                            "tmpfs", str(tmp_path)], check=False, capture_output=True)  # over a folder we own
    return probe.returncode == 0


def _cli_line(out: Path, name: str, *args: str | Path) -> str:
    """A shell line running the real CLI, its stdout, stderr and exit code kept as ``out/name.*``."""
    command = shlex.join([sys.executable, "-m", "localize", *map(str, args)])
    return f"{command} >{out / name}.out 2>{out / name}.err; echo $? >{out / name}.code"


def _in_namespace(script: list[str]) -> None:
    """Run shell lines in a private mount namespace: its mounts are gone when it ends, whatever happens."""
    done = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c", "\n".join(script)],
                          check=False, capture_output=True, text=True, timeout=300, env=os.environ.copy())
    assert done.returncode == 0, done.stderr


def _result(out: Path, name: str) -> Result:
    return Result(int((out / f"{name}.code").read_text()), (out / f"{name}.out").read_text(),
                  (out / f"{name}.err").read_text())


def _one_line_error(result: Result, text: str) -> None:
    assert result.code == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ") and text in result.stderr, \
        result.stderr


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


READERS = {"status": ("status",), "status-json": ("status", "--json"), "verify": ("costs", "verify"),
           "report": ("costs", "report"), "export": ("export",)}


def test_a_read_only_store_is_read_and_a_run_is_refused_in_one_line(small_run, tmp_path):
    job, shared = small_run
    work, out = shutil.copytree(shared, tmp_path / "work"), tmp_path / "out"
    out.mkdir()
    before = _tree_digest(work)
    commands = {name: (*args, job, "--work", work, *(("-o", out / name) if name in ("report", "export") else ()))
                for name, args in READERS.items()}
    commands["run"] = ("run", job, "--work", work)
    if ROOT:
        if not _namespaces_work(tmp_path):
            pytest.skip("running as root, where chmod stops no write, and no mount namespace for a read-only mount")
        _in_namespace([f"mount --bind {work} {work} && mount -o remount,bind,ro {work} || exit 99",
                       *(_cli_line(out, name, *args) for name, args in commands.items())])
        results = {name: _result(out, name) for name in commands}
    else:
        for path in (work, *work.rglob("*")):
            path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
        try:
            results = {name: localize(*args) for name, args in commands.items()}
        finally:
            for path in (work, *work.rglob("*")):
                path.chmod(stat.S_IMODE(path.stat().st_mode) | 0o200)
    for name in READERS:
        assert results[name].code == 0 and "Traceback" not in results[name].stderr, (name, results[name].stderr)
    assert results["verify"].stdout.startswith("ledger intact: ")
    assert {p.name for p in (out / "export").iterdir()} == {"ep01.zh-Hans.srt", "ep01.en.srt"}
    _one_line_error(results["run"], "is read-only")
    assert _tree_digest(work) == before


def test_read_only_connection_reads_and_refuses_writes(small_run, tmp_path):
    """The read-only open itself, wherever the tests run (also as root, where only a mount could refuse)."""
    work = shutil.copytree(small_run[1], tmp_path / "work")
    db = connect_read_only(work / "state.sqlite")
    assert db.execute("SELECT count(*) FROM stage_results").fetchone()[0] == 7
    with pytest.raises(sqlite3.OperationalError) as refused:
        db.execute("DELETE FROM stage_results")
    assert "cannot be written" in storage_refused(refused.value)
    db.close()


def test_a_full_disk_is_one_line_and_loses_nothing(small_run, tmp_path):
    if not _namespaces_work(tmp_path):
        pytest.skip("a small full disk needs a tmpfs in a private mount namespace (root with CAP_SYS_ADMIN)")
    job, shared = small_run
    disk, out = tmp_path / "disk", tmp_path / "out"
    disk.mkdir()
    out.mkdir()
    work = disk / "work"
    entries = int(localize("costs", "verify", job, "--work", shared).stdout.split()[2])
    add = ("costs", "add", job, "--work", work, "--item", "配音演员", "--amount", "1200", "--currency", "CNY")
    _in_namespace([
        f"mount -t tmpfs -o size=4m tmpfs {disk} || exit 99", f"cp -a {shared} {work}",
        f"dd if=/dev/zero of={disk}/fill bs=4k 2>/dev/null || true",  # every byte taken
        _cli_line(out, "run", "run", job, "--work", work), _cli_line(out, "status", "status", job, "--work", work),
        _cli_line(out, "add-full", *add),
        # 40 KiB left: SQLite opens its WAL index, then the ledger row does not fit
        f"rm {disk}/fill; free=$(df -k {disk} | awk 'NR==2 {{print $4}}')",
        f"dd if=/dev/zero of={disk}/fill bs=1k count=$((free - 40)) 2>/dev/null",
        _cli_line(out, "add-nearly", *add),
        f"rm {disk}/fill", _cli_line(out, "verify", "costs", "verify", job, "--work", work),
        _cli_line(out, "rerun", "run", job, "--work", work, "--json"),
    ])
    for name in ("run", "status", "add-full", "add-nearly"):
        _one_line_error(_result(out, name), "the disk is full")
    assert "database or disk is full" in _result(out, "add-nearly").stderr  # SQLite's own full disk, not ENOSPC
    verified = _result(out, "verify")
    assert verified.code == 0 and f"ledger intact: {entries} entries" in verified.stdout, verified.stdout
    rerun = _result(out, "rerun")
    assert rerun.code == 0 and json.loads(rerun.stdout)["stages_run"] == 0, rerun.stderr


def test_sqlite_full_mid_transaction_rolls_it_all_back(tmp_path):
    """A full disk inside the runner's transaction: SQLite's own error reaches the user (not the failed ROLLBACK
    after it), and nothing of the transaction is in the store."""
    store = WorkStore(tmp_path / "work")
    store.record_failure("ep01", "ingest", "before")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(sqlite3.OperationalError) as full, store.transaction():
        store.db.execute("DELETE FROM failures")
        store.record_result("ep01", "ingest", "key", {"audio": {"path": "x" * 200_000, "sha256": ""}}, 1.0, {})
    assert "the disk is full" in storage_refused(full.value)
    assert store.failure("ep01", "ingest") == "before" and store.result("ep01", "ingest") is None
    store.close()


def test_storage_refused_knows_a_full_disk_from_a_bug(tmp_path):
    with pytest.raises(OSError) as full, open("/dev/full", "wb", buffering=0) as device:
        device.write(b"x")
    assert full.value.errno == errno.ENOSPC and "the disk is full" in storage_refused(full.value)
    with pytest.raises(OSError) as missing:
        (tmp_path / "nowhere" / "file").write_text("x")
    assert storage_refused(missing.value) is None


@pytest.mark.parametrize("text", [True, False])
def test_a_failed_child_is_reported_by_the_last_line_it_wrote_else_its_exit_status(ffmpeg, tmp_path, text):
    missing = tmp_path / "missing.mp4"
    failed = children.run([ffmpeg, "-hide_banner", "-i", str(missing), "-f", "null", "-"], text=text)
    assert failed.returncode != 0
    reason = children.failure_reason(failed)  # ffmpeg's last line: "Error opening input files: No such file…"
    assert reason.endswith("No such file or directory") and "\n" not in reason
    silent = children.run([sys.executable, "-c", "raise SystemExit(3)"], text=text)
    assert children.failure_reason(silent) == "exit 3"
    assert children.failure_reason(silent, "no frame decoded") == "no frame decoded"
