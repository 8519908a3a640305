"""Shared fixtures: real media made with ffmpeg at test time, the real Whisper base model, a sandboxed
model cache, and a helper that runs the real ``localize`` command in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pysubs2
import pytest

from localize.formats import read_track
from localize.media import find_ffmpeg

pytest_plugins = ["tests.chat_server"]  # the `server` fixture: a local OpenAI-compatible endpoint

REPO = Path(__file__).resolve().parent.parent
SAMPLE_VIDEO = REPO / "samples" / "ep01.mp4"
SAMPLE_ZH = REPO / "samples" / "ep01.zh.srt"


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


def cut_sample(ffmpeg: str, target: Path, start_s: float, duration_s: float) -> Path:
    """A shorter real episode: a slice of the sample, re-encoded so it starts on a keyframe."""
    return make_media(ffmpeg, target, "-ss", str(start_s), "-t", str(duration_s), "-i", str(SAMPLE_VIDEO),
                      "-vf", "scale=270:480", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac")


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
