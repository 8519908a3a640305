"""`localize transcribe` with the real Whisper base model on slices of the sample (the whole sample is compared
with a job's source cues in test_pipeline.py)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.conftest import SAMPLE_VIDEO, cut_sample, localize

pytestmark = pytest.mark.slow


def test_several_inputs_into_a_folder_as_json(tmp_path, ffmpeg):
    first = cut_sample(ffmpeg, tmp_path / "a.mp4", 0, 10)
    second = cut_sample(ffmpeg, tmp_path / "b.mp4", 10, 10)
    out = tmp_path / "subs"
    result = localize("transcribe", first, second, "-o", out, "--language", "zh-Hans", "--format", "json")
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "b.json"]
    data = json.loads((out / "a.json").read_text(encoding="utf-8"))
    assert data["language"] == "zh-Hans" and data["cues"]
    assert all(c["end_ms"] <= 10_500 for c in data["cues"])


def _has_loop(text: str) -> bool:
    """A phrase of 2+ characters said three or more times in a row."""
    return re.search(r"(.{2,}?)\1\1", re.sub(r"[\W_]+", "", text)) is not None


def test_reversed_speech_without_vad_leaves_no_hallucinated_loop(tmp_path, ffmpeg):
    """Played backwards, speech makes bare Whisper loop (one syllable 75 times over 19 s here); the guard
    removes it."""
    babble = tmp_path / "babble.wav"
    subprocess.run([ffmpeg, "-v", "error", "-i", str(SAMPLE_VIDEO), "-t", "20", "-af", "areverse", "-ar", "16000",
                    "-ac", "1", str(babble)], check=True)
    out = tmp_path / "babble.json"
    result = localize("transcribe", babble, "-o", out, "--language", "zh", "--no-vad")
    assert result.code == 0, result.stderr
    cues = json.loads(out.read_text(encoding="utf-8"))["cues"]
    assert not [c["text"] for c in cues if _has_loop(c["text"])]
    assert not _has_loop("".join(c["text"] for c in cues))
    assert _has_loop("我认识你,我认识你,我认识你")  # the detector itself sees a loop
