"""Every user mistake from the foundation issue: exit 2 (3 for the model), one line naming the problem,
no traceback, and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from localize.errors import BadInput
from localize.job import load_job
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


def _media(ffmpeg: str, folder: Path, case: str) -> Path:
    """The one small bad file a case needs, made at test time."""
    picture = ["-f", "lavfi", "-i", "testsrc=size=108x192:rate=25"]
    tone = ["-f", "lavfi", "-i", "sine=frequency=440"]
    h264_aac = ["-shortest", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"]
    if case == "audio-only episode for a delivery":
        return make_media(ffmpeg, folder / "audio.mp4", *tone, "-t", "2", "-c:a", "aac")
    if case == "0.5 s video":
        return make_media(ffmpeg, folder / "blink.mp4", *picture, *tone, "-t", "0.5", *h264_aac)
    if case == "16:9 source for a 9:16 profile":
        return make_media(ffmpeg, folder / "wide.mp4", "-f", "lavfi", "-i", "testsrc=size=192x108:rate=25", *tone,
                          "-t", "2", *h264_aac)
    video = make_media(ffmpeg, folder / "whole.mp4", *picture, *tone, "-t", "3", *h264_aac, "-movflags", "+faststart")
    if case == "truncated MP4":  # the index (moov) comes first and promises 3 s; the data stops before 2 s
        cut = folder / "cut.mp4"
        cut.write_bytes(video.read_bytes()[:video.stat().st_size * 6 // 10])
        return cut
    return video


XXE_TMX = ('<?xml version="1.0"?>\n<!DOCTYPE tmx [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           '<tmx version="1.4"><header srclang="zh-Hans"/><body><tu><tuv xml:lang="zh-Hans"><seg>&xxe;</seg></tuv>'
           '<tuv xml:lang="en"><seg>x</seg></tuv></tu></body></tmx>\n')
TO_SHORTS = "targets: [en]\ndelivery: [youtube-shorts]\n"
PREFLIGHT_CASES = {  # case: (what the job adds, what the one line says)
    "audio-only episode for a delivery": (TO_SHORTS, "audio.mp4 has no video stream; a release package needs the "
                                                     "episode's picture"),
    "0.5 s video": ("", "blink.mp4 lasts 0.50 s, less than the shortest subtitle the 'vertical' profile allows "
                        "(0.83 s), so nothing in it can be subtitled"),
    "16:9 source for a 9:16 profile": (TO_SHORTS, "wide.mp4 is 192x108 but 'youtube-shorts' delivers 1080x1920, "
                                                  "another shape"),
    "unknown subsidy policy": ("costs: {policy: city-03}\n", "job.yaml: costs.policy: no policy 'city-03'; known: "),
    "a target listed twice": ("targets: [en, EN]\n", "job.yaml: targets: 'en' is listed twice; list each language "
                                                     "once"),
    "TMX with a DTD (XXE)": ("targets: [en]\ntranslation: {tm: [memory.tmx]}\n",
                             "memory.tmx: refused: the file declares a DTD or entities"),
    "truncated MP4": ("", "media file is truncated: "),
}


@pytest.mark.parametrize("case", list(PREFLIGHT_CASES))
def test_job_check_refuses_every_job_run_refuses(tmp_path, ffmpeg, case):
    """``job check`` runs the preflight ``run`` runs: both refuse the job, with the same line, writing nothing."""
    extra, phrase = PREFLIGHT_CASES[case]
    video = _media(ffmpeg, tmp_path, case)
    (tmp_path / "memory.tmx").write_text(XXE_TMX, encoding="utf-8")
    job = write_job(tmp_path / "job.yaml", [video], extra=extra)
    checked, ran = localize("job", "check", job), localize("run", job)
    _assert_clean_failure(checked, 2, phrase)
    assert ran.stderr == checked.stderr
    _assert_clean_failure(ran, 2, phrase)
    assert not (tmp_path / "work").exists()


def test_truncated_mp4_names_the_file_and_the_cut(tmp_path, ffmpeg):
    cut = _media(ffmpeg, tmp_path, "truncated MP4")
    result = localize("transcribe", cut, "-o", tmp_path / "out.srt")
    _assert_clean_failure(result, 2)
    assert result.stderr == (f"error: media file is truncated: {cut} (its header declares 3.00 s, its data stops at "
                             "1.64 s); copy or download it again\n")
    assert not (tmp_path / "out.srt").exists()


def test_package_refuses_an_audio_only_input(tmp_path, ffmpeg):
    audio = _media(ffmpeg, tmp_path, "audio-only episode for a delivery")
    subtitles = tmp_path / "ep.en.srt"
    subtitles.write_text("1\n00:00:00,100 --> 00:00:01,500\nHello\n", encoding="utf-8")
    out = tmp_path / "release"
    result = localize("package", audio, "--subs", f"en={subtitles}", "--profile", "youtube-shorts", "-o", out)
    _assert_clean_failure(result, 2)
    assert result.stderr == (f"error: {audio} has no video stream; a release package needs the episode's picture: "
                             "give the episode's video file, not its audio\n")
    assert not out.exists()


@pytest.mark.parametrize("spec", [",", ""], ids=["only a comma", "empty"])
def test_episodes_that_name_nothing(tmp_path, tone_video, spec):
    job = write_job(tmp_path / "job.yaml", [tone_video])
    result = localize("run", job, "--episodes", spec)
    _assert_clean_failure(result, 2)
    assert result.stderr == (f"error: --episodes: '{spec}' names no episode; give positions or ids, e.g. 1-3,7 or "
                             "ep01,ep02\n")
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize("episodes, message", [
    ("[nowhere.mp4]", "episodes[0].video: file not found: nowhere.mp4 (looked at {dir}/nowhere.mp4); fix the path, "
                      "relative to the job file"),
    ("[{video: VIDEO, id: 'a b'}]", "episodes[0].id: episode id 'a b' may hold only letters, digits, '.', '_' and '-'"),
    ("{glob: 'none/*.mp4'}", "episodes.glob: the pattern 'none/*.mp4' matches no file (looked in {dir}); fix the "
                             "pattern"),
    ("[]", "episodes: the list is empty; list at least one video, or give {{glob: PATTERN}}"),
    ("7", "episodes: must be a list of videos or {{glob: PATTERN}}, got int"),
], ids=["missing video", "bad id", "glob matches nothing", "empty list", "a number"])
def test_episode_messages_say_file_and_key_once(tmp_path, tone_video, episodes, message):
    path = tmp_path / "job.yaml"
    path.write_text(f"series: {{title: T}}\nsource_language: zh-Hans\nepisodes: {episodes}\n"
                    .replace("VIDEO", str(tone_video)), encoding="utf-8")
    with pytest.raises(BadInput) as caught:
        load_job(path)
    assert str(caught.value) == f"{path}: " + message.format(dir=tmp_path)


def test_an_episode_without_speech_says_so(tmp_path, tone_video):
    """Three seconds of tone: transcription finds nothing to subtitle, and the package says that, not which
    internal file came out empty."""
    job = write_job(tmp_path / "job.yaml", [tone_video], extra=TO_SHORTS)
    result = localize("run", job)
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [f"error: ep01 package.youtube-shorts: no speech found in {tone_video}: there is nothing to "
                      "subtitle, so no package is made; check the episode's dialogue track"]
    assert not list((tmp_path / "work").rglob("release"))
