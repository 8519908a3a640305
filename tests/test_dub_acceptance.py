"""The dubbing issue's acceptance, on the shipped job ``jobs/sample-dub.yaml``: ``localize run`` delivers
``vertical-app`` with English burned in and an English dub spoken by two distinct voices for the scene's two
characters, and every dub check holds when measured again here: each line inside its window, no tempo over 1.25×,
the delivered dub track on the loudness target, and Whisper hearing at most 10 % of the words wrong."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from localize.package.audio import DUB, ORIGINAL
from localize.package.loudness import measure
from localize.package.qc import describe_streams
from tests.conftest import localize

pytestmark = [pytest.mark.tts, pytest.mark.slow, pytest.mark.speakers]
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Delivered:
    episode: Path  # the episode's folder in the work store

    def read(self, stage: str, name: str) -> dict:
        return json.loads((self.episode / stage / name).read_text(encoding="utf-8"))

    @property
    def release(self) -> Path:
        return self.episode / "package.vertical-app" / "release"


@pytest.fixture(scope="module")
def delivered(tmp_path_factory: pytest.TempPathFactory) -> Delivered:
    """The shipped job run as a user would, from a copy of the repository's jobs/, samples/ and voices/ folders
    (the job's paths are relative to it)."""
    root = tmp_path_factory.mktemp("sample-dub")
    for folder in ("jobs", "samples", "voices", "glossaries"):
        shutil.copytree(ROOT / folder, root / folder, ignore=shutil.ignore_patterns("*.py"))
    done = localize("run", root / "jobs" / "sample-dub.yaml", "--work", root / "work")
    assert done.code == 0, done.stderr
    return Delivered(root / "work" / "ep01")


def test_the_package_carries_the_dub_first_and_the_original_second(delivered):
    manifest = json.loads((delivered.release / "manifest.json").read_text(encoding="utf-8"))
    assert [(track["language"], track["kind"]) for track in manifest["audio"]] == [("en", DUB), ("zh-Hans", ORIGINAL)]
    assert manifest["burn"]["band"] == [1600, 1760]  # English burned in over the blurred Chinese band
    (video,) = delivered.release.glob("*.mp4")
    audio = [s for s in describe_streams(video) if s["type"] == "audio"]
    assert [(s["language"], s["default"]) for s in audio] == [("eng", True), ("chi", False)]
    assert not [s for s in describe_streams(video) if s["type"] == "subtitle"]
    assert localize("qc", "package", delivered.release).code == 0


def test_two_characters_are_dubbed_in_two_distinct_voices_line_by_line(delivered):
    voices = json.loads((delivered.release / "manifest.json").read_text(encoding="utf-8"))["audio"][0]["voices"]
    assert set(voices) == {"林凡", "王秀兰"} and len(set(voices.values())) == 2
    lines = delivered.read("tts.en", "speech.json")["lines"]
    assert [line["voice"] for line in lines] == [voices[line["speaker"]] for line in lines]
    said_by = {line["text"]: line["speaker"] for line in lines}
    assert (said_by["Happy birthday, Mom."], said_by["I'm the chairman of Tianlong Group."]) == ("林凡", "林凡")
    assert said_by["Save it. Here's five million yuan."] == "王秀兰"


def test_every_line_starts_on_its_cue_ends_before_the_next_and_is_never_sped_past_the_cap(delivered):
    cues = delivered.read("fit.en", "cues.en.json")["cues"]
    placed = delivered.read("fit.dub.en", "qc.json")["lines"]
    for line in placed:
        first, last = cues[line["cues"][0] - 1], line["cues"][-1]
        assert abs(line["start_ms"] - first["start_ms"]) <= 100
        assert last == len(cues) or line["end_ms"] <= cues[last]["start_ms"]
        assert 1.0 <= line["tempo"] <= 1.25 and "overrun" not in line["flags"]


def test_the_delivered_dub_is_on_the_loudness_target_and_understood(delivered, ffmpeg):
    (video,) = delivered.release.glob("*.mp4")
    dub = measure(video, ffmpeg, stream=0)
    assert abs(dub.integrated_lufs - -14) <= 1 and dub.true_peak_dbtp <= -1
    heard = delivered.read("listen.en", "qc.json")
    assert heard["passed"] and heard["wer"] <= 0.10
    assert len(heard["lines"]) == len(delivered.read("tts.en", "speech.json")["lines"])

