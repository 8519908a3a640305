"""Small real episodes for runner tests: slices of the sample with their lines of its Chinese script imported,
so no Whisper model runs, and the sample's translation memory for TM-only English."""

from __future__ import annotations

from pathlib import Path

import pysubs2

from tests.conftest import SAMPLE_ZH, cut_sample

SAMPLES = SAMPLE_ZH.parent
CLIPS = ((0, 11.9), (12.1, 9.2), (24.2, 9.4))  # (start, length) in s: whole lines of the sample, cut in silences
# The clips are 270x480 H.264 High: delivered at their own frame, packaging stream-copies the picture, as it does
# for a real 1080x1920 episode (these tests are about the runner; tests/test_package.py covers re-encoding).
SHORTS = "delivery: [{youtube-shorts: {frame: null}}]\n"
COSTS = "costs:\n  rate_card: {compute_second: '0.01', translation_unit: '0.15'}\n"


def episode(ffmpeg: str, folder: Path, number: int) -> tuple[Path, Path]:
    """A slice of the sample and the lines of its Chinese script that fall inside it, re-timed to the slice."""
    start, length = CLIPS[number - 1]
    video = cut_sample(ffmpeg, folder / f"ep{number:02d}.mp4", start, length)
    script = pysubs2.load(str(SAMPLE_ZH))
    script.events = [e for e in script.events if start * 1000 <= e.start and e.end <= (start + length) * 1000]
    script.shift(s=-start)
    subtitles = folder / f"ep{number:02d}.zh.srt"
    script.save(str(subtitles))
    return video, subtitles


def imported_job(ffmpeg: str, folder: Path, episodes: int = 1, extra: str = "") -> Path:
    made = [episode(ffmpeg, folder, n) for n in range(1, episodes + 1)]
    listed = "".join(f"  - {{id: ep{n:02d}, video: {video.name}, subtitles: {subtitles.name}}}\n"
                     for n, (video, subtitles) in enumerate(made, 1))
    (folder / "memory.tmx").write_bytes((SAMPLES / "ep01.en.tmx").read_bytes())
    job = folder / "job.yaml"
    job.write_text("series: {title: Core Test}\nsource_language: zh-Hans\ntargets: [en]\n"
                   f"episodes:\n{listed}translation: {{engines: [tm], tm: [memory.tmx], tm_threshold: 75}}\n{extra}",
                   encoding="utf-8")
    return job
