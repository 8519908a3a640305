"""Finding the band of the original burned-in Chinese subtitles with the bundled OCR, on real frames."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from localize.package.band import TextBox, band_from_boxes
from localize.package.burn import fonts_dir
from tests.conftest import REPO, SAMPLE_VIDEO, SampleClip, localize, make_media

SAMPLES = REPO / "samples"
# Where samples/ep01.mp4's Chinese subtitles are drawn (make_sample.py: 60 px text whose glyphs span ≈1637-1693).
TEXT_ROWS = (1637, 1693)


def _subtitle(time_ms: int, top: int = 1636, bottom: int = 1696) -> TextBox:
    """A line of subtitles: its text differs from one sampled frame to the next, as dialogue does."""
    return TextBox(time_ms, top, bottom, 190, 860, f"第{time_ms}句台词", 0.98)


def test_the_band_is_the_rows_most_frames_agree_on_and_a_sign_in_one_shot_is_left_out() -> None:
    boxes = [_subtitle(t) for t in range(0, 9000, 1000)] + [TextBox(4000, 300, 360, 100, 400, "天龙集团", 0.95)]
    band, reason = band_from_boxes(boxes, 12, 1920)
    assert band == (1636 - 15, 1696 + 15)  # a quarter of the 60-px line above and below
    assert "9 of 12" in reason


def test_a_watermark_on_every_frame_loses_to_the_changing_subtitles() -> None:
    lines = ["妈，祝你生日快乐。", "我女儿嫁给你，真是瞎了眼！", "为了我老婆，我什么都能忍。", "别废话，这是五百万。",
             "五百万？你知道我是谁吗？", "你不就是个吃软饭的废物吗？", "天龙集团的董事长，就是我。"]
    subtitles = [TextBox(t * 1000, 1636, 1696, 190, 860, line, 0.98) for t, line in enumerate(lines)]
    watermark = [TextBox(t * 1000, 60, 110, 800, 1040, "红果短剧" if t % 5 else "红果短刷", 0.9) for t in range(12)]
    band, reason = band_from_boxes(subtitles + watermark, 12, 1920)
    assert band == (1621, 1711) and "fixed text elsewhere ignored (1 place)" in reason
    band, reason = band_from_boxes(watermark, 12, 1920)
    assert band is None and "rows 60-110 reads the same in every frame" in reason


def test_two_line_subtitles_make_one_band() -> None:
    boxes = [_subtitle(t, 1560, 1616) for t in (0, 1000, 2000)] + [_subtitle(t) for t in (0, 1000, 2000, 3000)]
    band, _ = band_from_boxes(boxes, 4, 1920)
    assert band is not None and band[0] < 1560 and band[1] > 1696


def test_text_on_too_few_frames_is_scenery_not_a_band() -> None:
    assert band_from_boxes([], 12, 1920) == (None, "no Chinese text in 12 sampled frames")
    band, reason = band_from_boxes([_subtitle(3000), _subtitle(5000, 300, 360)], 12, 1920)
    assert band is None and "scenery" in reason


def test_ocr_finds_the_sample_subtitle_band() -> None:
    done = localize("band", SAMPLE_VIDEO, "--json")
    assert done.code == 0, done.stderr
    found = json.loads(done.stdout)
    top, bottom = found["band"]
    assert 1580 <= top <= TEXT_ROWS[0] and TEXT_ROWS[1] <= bottom <= 1760
    assert len(found["times_ms"]) == 12 and len({box["time_ms"] for box in found["boxes"]}) >= 6
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in box["text"]) for box in found["boxes"])


def test_a_video_with_only_latin_text_has_no_band(ffmpeg: str, tmp_path: Path) -> None:
    font = fonts_dir() / "NotoSans-Bold.ttf"
    video = make_media(ffmpeg, tmp_path / "latin.mp4", "-f", "lavfi", "-i", "color=c=gray:size=540x960:rate=25",
                       "-f", "lavfi", "-i", "sine=frequency=300", "-t", "3", "-vf",
                       f"drawtext=fontfile={font}:text='HAPPY BIRTHDAY MOM':fontsize=40:x=60:y=820:fontcolor=white",
                       "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac")
    done = localize("band", video, "--samples", "4")
    assert done.code == 0, done.stderr
    assert done.stdout.startswith("none") and "no Chinese text in 4 sampled frames" in done.stdout


def test_a_fixed_chinese_overlay_on_every_frame_is_not_taken_for_the_subtitles(ffmpeg: str, tmp_path: Path) -> None:
    """The sample with one of its own subtitle lines pasted at the top of every frame, as a platform watermark
    or a 纯属虚构 disclaimer would be: the band is still the changing subtitles at the bottom."""
    stamp = make_media(ffmpeg, tmp_path / "stamp.png", "-ss", "4.5", "-i", str(SAMPLE_VIDEO), "-frames:v", "1",
                       "-vf", "crop=1080:80:0:1625")
    video = make_media(ffmpeg, tmp_path / "stamped.mp4", "-t", "20", "-i", str(SAMPLE_VIDEO), "-i", str(stamp),
                       "-filter_complex", "[0:v][1:v]overlay=0:120", "-c:v", "libx264", "-preset", "ultrafast",
                       "-g", "25", "-c:a", "copy")  # a keyframe a second, like the sample: cheap seeks
    done = localize("band", video, "--json")
    assert done.code == 0, done.stderr
    found = json.loads(done.stdout)
    assert any(box["top"] < 300 for box in found["boxes"])  # the overlay was read...
    top, bottom = found["band"]  # ...and left out
    assert 1580 <= top <= TEXT_ROWS[0] and TEXT_ROWS[1] <= bottom <= 1760
    assert "fixed text elsewhere ignored" in found["reason"]


def _job(folder: Path, delivery: str, targets: str | None = "[en]", clip: SampleClip | None = None) -> Path:
    """The sample episode (or the clip of its start, with the lines inside it) with its Chinese script imported
    (no Whisper) and English from the sample TMX."""
    video, script = (clip.video, clip.zh) if clip else (SAMPLES / "ep01.mp4", SAMPLES / "ep01.zh.srt")
    shutil.copy(video, folder / "ep01.mp4")
    shutil.copy(script, folder / "ep01.zh.srt")
    shutil.copy(SAMPLES / "ep01.en.tmx", folder / "ep01.en.tmx")
    job = folder / "job.yaml"
    lines = ["series: {title: The Son-in-Law Returns, licence: NRTA-0001}", "source_language: zh-Hans",
             "episodes: [{id: ep01, video: ep01.mp4, subtitles: ep01.zh.srt}]",
             "translation: {engines: [tm], tm: [ep01.en.tmx]}", f"delivery: {delivery}"]
    if targets:
        lines.append(f"targets: {targets}")
    job.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return job


def _ran(summary: dict) -> dict[str, str]:
    return {stage["stage"]: stage["status"] for stage in summary["episodes"][0]["stages"]}


def test_a_job_with_band_auto_finds_the_band_masks_it_and_reruns_only_the_package(tmp_path: Path,
                                                                                   sample_clip: SampleClip) -> None:
    """On the sample's first 15.2 s at full size: the band search samples 12 frames of it, 9 showing 5 lines."""
    job, work = _job(tmp_path, "[vertical-app]", clip=sample_clip), tmp_path / "work"
    done = localize("run", job, "--work", work, "--json")
    assert done.code == 0, done.stderr
    assert _ran(json.loads(done.stdout))["band"] == "ran"
    found = json.loads((work / "ep01" / "band" / "band.json").read_text(encoding="utf-8"))
    top, bottom = found["band"]
    assert 1580 <= top <= TEXT_ROWS[0] and TEXT_ROWS[1] <= bottom <= 1760
    release = work / "ep01" / "package.vertical-app" / "release"
    manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["burn"] == {"mask": "blur", "band": [top, bottom], "preset": "veryfast"}
    assert localize("qc", "package", release, "--profile", "vertical-app").code == 0

    job.write_text(job.read_text().replace("[vertical-app]", "[{vertical-app: {video: {crf: 24}}}]"))
    again = localize("run", job, "--work", work, "--json")
    assert again.code == 0, again.stderr
    assert _ran(json.loads(again.stdout)) == {"ingest": "cached", "shots": "cached", "import": "cached",
                                              "source_cues": "cached", "draft.en": "cached", "fit.en": "cached",
                                              "band": "cached", "package.vertical-app": "ran"}


@pytest.mark.parametrize(("delivery", "targets", "message"), [
    ("[vertical-ap]", "[en]", "did you mean 'vertical-app'"),
    ("[{vertical-app: {mask: {bnd: auto}}}]", "[en]", "delivery.vertical-app.mask.bnd: unknown key; did you mean"),
    ("[{vertical-app: {mask: {band: [1700, 1600]}}}]", "[en]", "need 0 <= top < bottom"),
    ("[youtube-shorts, youtube-shorts]", "[en]", "listed twice"),
    ("[youtube-shorts]", None, "targets is empty"),
    ("[vertical-app]", "[ja]", "burn-in needs Noto Sans CJK JP"),
])
def test_bad_delivery_in_a_job_exits_2_before_anything_is_written(tmp_path: Path, delivery: str, targets: str | None,
                                                                   message: str) -> None:
    job = _job(tmp_path, delivery, targets)
    done = localize("run", job, "--work", tmp_path / "work")
    assert done.code == 2, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "work").exists()


def test_band_auto_without_the_ocr_extra_exits_3_with_the_install_line(tmp_path: Path) -> None:
    job = _job(tmp_path, "[vertical-app]")
    # The OCR package made unimportable, as on a machine where the extra was never installed.
    hide = "import sys; sys.modules['rapidocr_onnxruntime'] = None; from localize.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", hide, "run", str(job), "--work", str(tmp_path / "work")],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 3, done.stderr
    assert "pip install 'localize[ocr]'" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "work").exists()
