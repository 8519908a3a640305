"""Every user mistake from the foundation issue: exit 2 (3 for the model), one line naming the problem,
no traceback, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import localize, make_media, write_job


def _assert_clean_failure(result, code: int, *phrases: str) -> None:
    assert result.code == code, (result.code, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for phrase in phrases:
        assert phrase in lines[0]


@pytest.fixture
def silent_video(ffmpeg: str, tmp_path: Path) -> Path:
    return make_media(ffmpeg, tmp_path / "mute.mp4", "-f", "lavfi", "-i", "testsrc=size=108x192:rate=25", "-t", "2",
                      "-c:v", "libx264", "-preset", "ultrafast")


def _bad_episode_cases(tmp_path: Path, silent_video: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n")
    return {
        "zero-byte file": (empty, "empty (0 bytes)"),
        "text named .mp4": (text, "not a readable audio/video file"),
        "no audio stream": (silent_video, "has no audio stream"),
    }


@pytest.mark.parametrize("case", ["zero-byte file", "text named .mp4", "no audio stream"])
def test_bad_media_in_a_job(tmp_path, silent_video, case):
    video, phrase = _bad_episode_cases(tmp_path, silent_video)[case]
    job = write_job(tmp_path / "job.yaml", [video])
    _assert_clean_failure(localize("run", job), 2, phrase, video.name)
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize("case", ["zero-byte file", "text named .mp4", "no audio stream"])
def test_bad_media_to_transcribe(tmp_path, silent_video, case):
    video, phrase = _bad_episode_cases(tmp_path, silent_video)[case]
    out = tmp_path / "out.srt"
    _assert_clean_failure(localize("transcribe", video, "-o", out), 2, phrase)
    assert not out.exists()


def test_missing_video(tmp_path):
    out = tmp_path / "out.srt"
    _assert_clean_failure(localize("transcribe", tmp_path / "missing.mp4", "-o", out), 2, "not found", "missing.mp4")
    assert not out.exists()


def test_missing_video_in_job(tmp_path):
    job = write_job(tmp_path / "job.yaml", [tmp_path / "missing.mp4"])
    _assert_clean_failure(localize("run", job), 2, "episodes[0].video", "file not found")
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize("content, phrases", [
    ("series: {title: T\nsource_language: zh\n", ("malformed YAML", "line")),
    ("series: {title: T}\nsource_language: zh-Hans\nepisodes: [VIDEO]\nasr: {beam: 5}\n", ("asr.beam", "did you mean")),
    ("series: {title: T}\nsource_language: klingon\nepisodes: [VIDEO]\n", ("unknown language code 'klingon'",)),
    ("series: {title: T}\nsource_language: zh-Hans\nepisodes: {glob: 'none/*.mp4'}\n", ("matches no file",)),
], ids=["malformed YAML", "unknown key", "unknown language", "glob matches nothing"])
def test_bad_job_files(tmp_path, tone_video, content, phrases):
    job = tmp_path / "job.yaml"
    job.write_text(content.replace("VIDEO", str(tone_video)), encoding="utf-8")
    for command in (("run", job), ("job", "check", job), ("status", job)):
        _assert_clean_failure(localize(*command), 2, "job.yaml", *phrases)
    assert not (tmp_path / "work").exists()


def test_model_path_that_does_not_exist(tmp_path, tone_video):
    job = write_job(tmp_path / "job.yaml", [tone_video], asr="")
    job.write_text(job.read_text().replace("model: base", f"model: {tmp_path / 'no-such-model'}"))
    _assert_clean_failure(localize("run", job), 3, "model path does not exist")
    assert not (tmp_path / "work").exists()
    _assert_clean_failure(localize("transcribe", tone_video, "-o", tmp_path / "o.srt", "--model", "./nope/"), 3,
                          "model path does not exist")


def test_hub_model_offline_says_what_to_install(tmp_path, tone_video):
    _assert_clean_failure(localize("transcribe", tone_video, "-o", tmp_path / "o.srt", "--model", "small"), 3,
                          "HF_HUB_OFFLINE", "small")


def test_bad_usage(tmp_path, tone_video):
    job = write_job(tmp_path / "job.yaml", [tone_video])
    _assert_clean_failure(localize("run", job, "--force", "transcibe"), 2, "no such stage")
    _assert_clean_failure(localize("run", job, "--episodes", "4"), 2, "outside 1-1")
    _assert_clean_failure(localize("transcribe", tone_video, "-o", tmp_path / "out.txt"), 2,
                          ".srt, .vtt, .ass, .ttml or .json")
    _assert_clean_failure(localize("transcribe", tone_video, "-o", tmp_path / "o.srt", "--language", "zz"), 2,
                          "unknown language code")
    assert not (tmp_path / "work").exists()
