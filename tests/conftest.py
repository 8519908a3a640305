"""Shared fixtures: real media made with ffmpeg at test time, the real Whisper base model, a sandboxed
model cache, and a helper that runs the real ``localize`` command in a subprocess."""

from __future__ import annotations

import compileall
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pysubs2
import pytest

from localize import __file__ as PACKAGE_INIT
from localize.cpus import ENV, engine_threads
from localize.formats import read_track
from localize.media import find_ffmpeg

pytest_plugins = ["tests.chat_server"]  # the `server` fixture: a local OpenAI-compatible endpoint

REPO = Path(__file__).resolve().parent.parent
SAMPLE_VIDEO = REPO / "samples" / "ep01.mp4"
SAMPLE_ZH = REPO / "samples" / "ep01.zh.srt"
# pytest-xdist hands out whole files, by default those with the most tests first; but the files with few tests are
# mostly the long end-to-end ones, so one of them ran alone at the end while the other worker had nothing left
# (the dub acceptance: 4 tests on one shipped-job run, about 110 CPU-seconds; then the transcribe tests). So the
# dub acceptance goes first, then the files whose tests run models (marked slow, tts or speakers), then the rest;
# most tests first within each group. Cheap files are left to fill in at the end.
FIRST = "test_dub_acceptance.py"
MODEL_MARKS = ("slow", "tts", "speakers")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):  # pytest-xdist: its order is made here instead
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """``FIRST``, the files that run models, the rest (see above); each file's tests stay together, in order."""
    per_file: dict[str, int] = {}
    models: set[str] = set()
    for item in items:
        per_file[item.path.name] = per_file.get(item.path.name, 0) + 1
        if any(item.get_closest_marker(mark) for mark in MODEL_MARKS):
            models.add(item.path.name)
    items.sort(key=lambda item: (item.path.name != FIRST, item.path.name not in models, -per_file[item.path.name],
                                 item.path.name))


@pytest.fixture(scope="session", autouse=True)
def compiled_package() -> None:
    """The suite starts the ``localize`` command hundreds of times. Where PYTHONDONTWRITEBYTECODE is set (as on
    our CI machines) every start would compile the whole package again, about 0.2 s each: compile it once."""
    compileall.compile_dir(Path(PACKAGE_INIT).parent, quiet=2)


@pytest.fixture(scope="session", autouse=True)
def cpu_share() -> None:
    """pytest-xdist runs one test process per core, side by side: like the workers of ``localize run --jobs N``,
    each (and every ``localize`` it starts) gets its share of the CPUs for its models, not all of them
    (``localize.cpus``: on two cores a model on both threads took 20-50 % more CPU time for its speed-up)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1 and ENV not in os.environ:
        os.environ[ENV] = str(engine_threads(workers))


@pytest.fixture(scope="session", autouse=True)
def offline_model_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test runs offline with its own model cache, so nothing depends on the developer's machine."""
    home = Path(os.environ.get("LOCALIZE_TEST_HOME") or tmp_path_factory.mktemp("localize-home"))
    os.environ["LOCALIZE_HOME"] = str(home)
    os.environ["HF_HUB_OFFLINE"] = "1"
    return home


@pytest.fixture(scope="session")
def ffmpeg() -> str:
    return find_ffmpeg()


def make_media(ffmpeg: str, target: Path, *args: str) -> Path:
    subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-y", *args, str(target)], check=True)
    return target


SHARED_MEDIA = "LOCALIZE_TEST_MEDIA"  # the folder `sample_media` keeps its files in (this file is imported twice:
# as pytest's conftest and as tests.conftest, so a module global would not reach every caller)


@pytest.fixture(scope="session", autouse=True)
def shared_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where media made from the shipped samples is kept for the whole suite run: the session's base temp folder,
    which pytest-xdist's workers have in common (each works in a sub-folder of it)."""
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "sample-media"
    folder.mkdir(exist_ok=True)
    os.environ[SHARED_MEDIA] = str(folder)
    return folder


def sample_media(ffmpeg: str, target: Path, *args: str) -> Path:
    """``make_media`` for a command that reads only the shipped samples: made once per suite run, under a lock
    (the workers run side by side), then copied to ``target``. Slicing the sample costs about 2.4 CPU-seconds per
    12 s, mostly decoding its 1080×1920 picture, and many tests want the same slices."""
    key = hashlib.sha256("\0".join((ffmpeg, *args)).encode()).hexdigest()[:16]
    made = Path(os.environ[SHARED_MEDIA]) / f"{key}{target.suffix}"
    with open(made.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            part = made.with_name(f"part-{made.name}")
            make_media(ffmpeg, part, *args)
            part.replace(made)
    shutil.copyfile(made, target)
    return target


def cut_sample(ffmpeg: str, target: Path, start_s: float, duration_s: float) -> Path:
    """A shorter real episode: a slice of the sample, re-encoded small so it starts on a keyframe (superfast: H.264
    High, as the platforms take it, which ultrafast's Baseline is not)."""
    return sample_media(ffmpeg, target, "-ss", str(start_s), "-t", str(duration_s), "-i", str(SAMPLE_VIDEO),
                        "-vf", "scale=270:480", "-c:v", "libx264", "-preset", "superfast", "-c:a", "aac")


@pytest.fixture
def tone_video(ffmpeg: str, tmp_path: Path) -> Path:
    """Three seconds of a small test pattern with a sine tone: a valid episode with no speech."""
    return make_media(ffmpeg, tmp_path / "tone.mp4", "-f", "lavfi", "-i", "testsrc=size=108x192:rate=25",
                      "-f", "lavfi", "-i", "sine=frequency=440", "-t", "3", "-shortest", "-c:v", "libx264",
                      "-preset", "ultrafast", "-c:a", "aac")


def subtitle_text(path: Path) -> str:
    """All the words of a subtitle file (or of the cues JSON that stages pass), without numbers and timings."""
    if path.suffix == ".json":
        return "".join(cue.text for cue in read_track(path, "").cues)
    return "".join(event.plaintext for event in pysubs2.load(str(path)))


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def localize(*args: str | Path, cwd: Path | None = None, timeout: float = 600) -> Result:
    """Run the real CLI in a subprocess, exactly as a user or CI would."""
    done = subprocess.run([sys.executable, "-m", "localize", *map(str, args)], check=False, capture_output=True,
                          text=True, cwd=cwd, timeout=timeout, env=os.environ.copy())
    return Result(done.returncode, done.stdout, done.stderr)


def as_at_a_terminal() -> None:
    """For a child that a test interrupts: Ctrl-C's default action, even when the suite itself runs in a
    background job (which starts with SIGINT ignored, and a child would inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def write_job(path: Path, videos: list[Path], *, extra: str = "", asr: str = "") -> Path:
    episodes = "\n".join(f"  - {{id: ep{i + 1:02d}, video: {v}}}" for i, v in enumerate(videos))
    path.write_text(
        "series:\n  title: Test Series\n  original_title: 测试\n"
        "source_language: zh-Hans\n"
        f"episodes:\n{episodes}\n"
        f"asr:\n  model: base\n  beam_size: 5\n{asr}"
        f"{extra}",
        encoding="utf-8",
    )
    return path


# --- Cheaper copies of the sample, made once per session ---------------------------------------------------------

SAMPLES = REPO / "samples"
# The clip ends at 15.2 s, in the gap between lines 5 (ends 15.06) and 6 (starts 15.81) of the sample: it holds
# lines 1-5 whole. 15.2 s is a multiple of 100 ms, as package QC needs (loudnorm pads the sound to whole 100 ms:
# picture and sound must still end within a frame), and the end of a group of B-frames in the sample's stream, so
# its first 380 packets in decoding order are exactly the frames shown before 15.2 s.
CLIP_END_S = 15.2
CLIP_FRAMES = 380  # 15.2 s at 25 fps


@dataclass(frozen=True)
class SampleClip:
    """The start of the sample at full size, its frames bit-identical to samples/ep01.mp4's, with the lines of
    the sample's subtitle files that lie wholly inside it. Files are named as the sample's (``ep01.*``)."""

    video: Path
    zh: Path
    en: Path


def slice_srt(source: Path, target: Path, end_s: float) -> Path:
    """The cues of an SRT file that end by ``end_s``, each block copied as it is (number, times and text)."""
    blocks = source.read_text(encoding="utf-8").strip().split("\n\n")

    def end(block: str) -> float:
        stamp = block.splitlines()[1].split(" --> ")[1].strip()
        hours, minutes, seconds = stamp.replace(",", ".").split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)

    kept = [block for block in blocks if end(block) <= end_s]
    assert kept and kept == blocks[:len(kept)], f"{source}: no whole cues before {end_s} s"
    target.write_text("\n\n".join(kept) + "\n", encoding="utf-8")
    return target


@pytest.fixture(scope="session")
def sample_clip(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> SampleClip:
    """The sample's first 15.2 s: the picture stream-copied from its first keyframe (every frame bit-identical to
    the sample's; ``-frames:v``, as stream copy alone cuts on decoding time and would keep two frames of the next
    group), the sound re-encoded so that it ends exactly at 15.2 s too."""
    folder = tmp_path_factory.mktemp("sample-clip")
    video = sample_media(ffmpeg, folder / "ep01.mp4", "-i", str(SAMPLE_VIDEO), "-map", "0:v", "-map", "0:a",
                         "-c:v", "copy", "-c:a", "aac", "-t", str(CLIP_END_S), "-frames:v", str(CLIP_FRAMES))
    return SampleClip(video, slice_srt(SAMPLE_ZH, folder / "ep01.zh.srt", CLIP_END_S),
                      slice_srt(SAMPLES / "ep01.en.srt", folder / "ep01.en.srt", CLIP_END_S))


@pytest.fixture(scope="session")
def small_sample(ffmpeg: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole sample (same 47.08 s, 25 fps and audio stream) at 270x480: for runs on imported subtitles, where
    the picture only feeds shot detection, which scans frames at 180 px wide anyway (same cuts: 11.96, 27.28 and
    36.96 s). Named ``ep01.mp4`` like the sample."""
    folder = tmp_path_factory.mktemp("small-sample")
    fast_decode = ["-skip_loop_filter", "all", "-flags2", "+fast"]  # decoding the full-size picture is the cost
    return sample_media(ffmpeg, folder / "ep01.mp4", *fast_decode, "-i", str(SAMPLE_VIDEO), "-map", "0:v", "-map",
                        "0:a", "-vf", "scale=270:480:flags=fast_bilinear", "-c:v", "libx264", "-preset", "ultrafast",
                        "-c:a", "copy")
