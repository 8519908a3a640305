"""Release packages on the real sample episode: soft subtitles, manifest, package QC, bad input.

Packages are built from the sample's first 15.2 s at full size (``sample_clip``: stream-copied, every frame
bit-identical to the sample's, with the Chinese lines wholly inside it): the same picture, sound and burned-in
subtitles as the whole episode, a third of the encoding."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from localize.media import find_ffmpeg
from localize.model import Cue, Track
from localize.package.audio import BITRATE
from localize.package.band import load_ocr
from localize.package.burn import family_for, filtergraph, fonts_dir, render_ass
from localize.package.loudness import measure, normalize_filter
from localize.package.profiles import load_delivery_profile
from localize.package.qc import check_loudness, describe_streams
from localize.subtitles.profiles import screen
from tests.conftest import SAMPLE_VIDEO, SampleClip, localize, make_media

# Short English lines that pass youtube-shorts QC (the sample's own English needs more than `subs fix`).
EN_SRT = """1
00:00:01,040 --> 00:00:02,760
Happy birthday, Mom.

2
00:00:03,400 --> 00:00:05,760
You useless son-in-law!

3
00:00:06,320 --> 00:00:09,120
Three years. Nothing.
"""


@pytest.fixture(scope="module")
def subs(tmp_path_factory: pytest.TempPathFactory, sample_clip: SampleClip) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("subs")
    en = folder / "en.srt"
    en.write_text(EN_SRT, encoding="utf-8")
    zh = folder / "zh.srt"
    fixed = localize("subs", "fix", sample_clip.zh, "-o", zh, "--lang", "zh", "--profile", "youtube-shorts",
                     "--video", sample_clip.video)
    assert fixed.code == 0, fixed.stdout + fixed.stderr
    return en, zh


def package(video: Path, out: Path, en: Path, zh: Path, *extra: str):
    return localize("package", video, "--subs", f"en={en}", "--subs", f"zh={zh}", "--profile",
                    "youtube-shorts", "-o", out, "--series-title", "Test Series", "--episode", "1",
                    "--licence", "NRTA-0001", *extra)


def test_youtube_shorts_package_passes_qc_and_is_tagged(tmp_path: Path, subs: tuple[Path, Path],
                                                        sample_clip: SampleClip) -> None:
    out = tmp_path / "release"
    done = package(sample_clip.video, out, *subs)
    assert done.code == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Test-Series_001_en.mp4", "manifest.json"]
    checked = localize("qc", "package", out, "--profile", "youtube-shorts", "--json")
    assert checked.code == 0, checked.stdout
    assert json.loads(checked.stdout)["passed"] is True
    streams = [s for s in describe_streams(out / "Test-Series_001_en.mp4") if s["type"] == "subtitle"]
    assert [(s["codec"], s["language"], s["default"]) for s in streams] == [
        ("mov_text", "eng", True), ("mov_text", "chi", False)]


def test_one_byte_edit_fails_package_qc(tmp_path: Path, subs: tuple[Path, Path], sample_clip: SampleClip) -> None:
    out = tmp_path / "release"
    assert package(sample_clip.video, out, *subs).code == 0
    video = out / "Test-Series_001_en.mp4"
    data = bytearray(video.read_bytes())
    data[len(data) // 2] ^= 0xFF
    video.write_bytes(bytes(data))
    checked = localize("qc", "package", out, "--profile", "youtube-shorts", "--json")
    assert checked.code == 1
    assert "sha256" in {f["check"] for f in json.loads(checked.stdout)["failures"]}  # whatever else it broke


def test_package_is_normalised_and_quieter_audio_fails_the_loudness_check(tmp_path: Path, subs: tuple[Path, Path],
                                                                         sample_clip: SampleClip) -> None:
    out = tmp_path / "release"
    assert package(sample_clip.video, out, *subs).code == 0
    video = out / "Test-Series_001_en.mp4"
    profile = load_delivery_profile("youtube-shorts")
    assert check_loudness(video, profile) == []
    quiet = tmp_path / "quiet.mp4"
    subprocess.run([find_ffmpeg(None), "-nostdin", "-loglevel", "error", "-i", str(video), "-map", "0:v", "-map",
                    "0:a", "-c:v", "copy", "-af", "volume=-20dB", "-c:a", "aac", str(quiet)], check=True)
    failures = check_loudness(quiet, profile)
    assert [(f.file, f.check, f.expected) for f in failures] == [("quiet.mp4", "loudness", "-14.0 ± 1 LU")]
    assert float(failures[0].measured.split()[0]) < -30


def test_a_sound_that_must_be_limited_keeps_its_encoded_peaks_clear_of_the_limit(tmp_path: Path, ffmpeg: str) -> None:
    """Bursts of loud pink noise need loudnorm's limiter to reach -14 LUFS. Its output sat right at its -1.5 dBTP
    target, where AAC's overshoot broke a -1 limit on a real dub mix; the brickwall after it keeps the encoded
    peaks 0.8 dB or more under the limit (-1.6 dBTP without it here) and the loudness on target."""
    bursts = make_media(ffmpeg, tmp_path / "bursts.wav", "-f", "lavfi", "-i",
                        "anoisesrc=color=pink:amplitude=0.5:seed=7:d=12,volume='if(lt(mod(t,0.4),0.2),1,0.05)':eval=frame",
                        "-ac", "2", "-c:a", "pcm_s16le")
    profile = load_delivery_profile("youtube-shorts")
    sound = normalize_filter(bursts, profile.target_lufs, profile.true_peak_dbtp, ffmpeg, profile.sample_rate)
    assert "loudnorm" in sound  # the case under test: a plain gain would not reach the target under the limit
    encoded = make_media(ffmpeg, tmp_path / "bursts.m4a", "-i", str(bursts), "-af", sound, "-c:a", "aac", "-b:a",
                         BITRATE, "-ar", str(profile.sample_rate))
    delivered = measure(encoded, ffmpeg)
    assert delivered.true_peak_dbtp <= profile.true_peak_dbtp - 0.8, delivered
    assert abs(delivered.integrated_lufs - profile.target_lufs) <= 0.7, delivered


def test_same_inputs_give_the_same_manifest_apart_from_created(tmp_path: Path, subs: tuple[Path, Path],
                                                                sample_clip: SampleClip) -> None:
    manifests = []
    for name in ("first", "second"):
        assert package(sample_clip.video, tmp_path / name, *subs).code == 0
        manifest = json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))
        assert manifest.pop("created")
        manifests.append(manifest)
    assert manifests[0] == manifests[1]
    assert manifests[0]["metadata"]["comment"] == "NRTA-0001"


def test_streaming_writes_sidecars_and_passes_qc(tmp_path: Path, subs: tuple[Path, Path],
                                                 sample_clip: SampleClip) -> None:
    out = tmp_path / "release"
    done = localize("package", sample_clip.video, "--subs", f"zh={subs[1]}", "--profile", "streaming", "-o", out)
    assert done.code == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["ep01_001_zh.mp4", "ep01_001_zh.srt", "ep01_001_zh.ttml",
                                                     "manifest.json"]
    assert localize("qc", "package", out, "--profile", "streaming").code == 0


@pytest.mark.parametrize(("args", "message"), [
    (("--subs", "en={en}", "--profile", "youtube-short"), "did you mean 'youtube-shorts'"),
    (("--subs", "en=missing.srt", "--profile", "youtube-shorts"), "subtitle file not found"),
    (("--subs", "en", "--profile", "youtube-shorts"), "no subtitle file for 'en'"),
    (("--subs", "en={en}", "--profile", "vertical-app", "--mask-band", "1760:1600"), "need 0 <= top < bottom"),
    (("--subs", "en={en}", "--subs", "zh={zh}", "--profile", "vertical-app"), "burns one language in"),
])
def test_bad_input_exits_2_with_one_line_and_no_package(tmp_path: Path, subs: tuple[Path, Path],
                                                        args: tuple[str, ...], message: str) -> None:
    out = tmp_path / "release"
    done = localize("package", SAMPLE_VIDEO, *(a.format(en=subs[0], zh=subs[1]) for a in args), "-o", out)
    assert done.code == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_subtitle_qc_failure_exits_1_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "release"
    done = localize("package", SAMPLE_VIDEO, "--subs", f"en={SAMPLE_VIDEO.with_name('ep01.en.srt')}",
                    "--profile", "youtube-shorts", "-o", out)
    assert done.code == 1
    assert "subtitle QC failed for en" in done.stderr
    assert list(tmp_path.iterdir()) == []


# --- vertical-app: burned-in English over the blurred band of the original Chinese subtitles (y≈1637-1693),
# the band found by the profile's default, mask band auto (OCR), on the clip: its 12 sampled frames show 5 of the
# sample's lines, on 9 frames ---
BAND = (1600, 1760)  # a band comfortably around the original subtitles, for the OCR check after masking
TEXT_ROWS = (1637, 1693)
GRAB_S = 4.5  # "You useless son-in-law!" is on screen, and the Chinese line under it in the source


def frame_at(video: Path, seconds: float) -> np.ndarray:
    """One decoded RGB frame as a (height, width, 3) array."""
    raw = subprocess.run([find_ffmpeg(), "-v", "error", "-ss", str(seconds), "-i", str(video), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(1920, 1080, 3)


def detail(frame: np.ndarray, top: int, bottom: int) -> float:
    """High-frequency energy of a strip: mean absolute difference between horizontal neighbours."""
    strip = frame[top:bottom].astype(np.int16)
    return float(np.abs(np.diff(strip, axis=1)).mean())


@pytest.fixture(scope="module")
def burned(tmp_path_factory: pytest.TempPathFactory, subs: tuple[Path, Path], sample_clip: SampleClip) -> Path:
    out = tmp_path_factory.mktemp("burned") / "release"
    done = localize("package", sample_clip.video, "--subs", f"en={subs[0]}", "--profile", "vertical-app", "-o", out,
                    "--series-title", "Test Series")
    assert done.code == 0, done.stderr
    return out / "Test-Series_001_en.mp4"


def test_vertical_app_is_burned_in_reencoded_and_passes_qc(burned: Path) -> None:
    assert sorted(p.name for p in burned.parent.iterdir()) == ["Test-Series_001_en.mp4", "manifest.json"]
    checked = localize("qc", "package", burned.parent, "--profile", "vertical-app", "--json")
    assert checked.code == 0, checked.stdout
    streams = describe_streams(burned)
    assert [s["type"] for s in streams] == ["video", "audio"]
    assert (streams[0]["codec"], streams[0]["profile"], streams[0]["width"], streams[0]["height"]) == (
        "h264", "High", 1080, 1920)
    top, bottom = masked_band(burned)
    assert top <= TEXT_ROWS[0] and bottom >= TEXT_ROWS[1] and bottom - top <= 160


def masked_band(burned: Path) -> tuple[int, int]:
    manifest = json.loads((burned.parent / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["burn"]["mask"], manifest["burn"]["preset"]) == ("blur", "veryfast")
    top, bottom = manifest["burn"]["band"]
    return top, bottom


def test_burned_caption_sits_in_the_safe_area_above_the_band(burned: Path, sample_clip: SampleClip) -> None:
    before, after = frame_at(sample_clip.video, GRAB_S), frame_at(burned, GRAB_S)
    lower = slice(1200, 1920)  # the caption's half of the frame; white picture detail above may shift in re-encode
    new_white = (after[lower].min(axis=2) > 235) & (before[lower].min(axis=2) <= 235)
    rows, cols = np.nonzero(new_white)
    assert len(rows) > 500  # a whole caption, not noise
    assert rows.max() + 1200 < masked_band(burned)[0]
    assert cols.min() >= 180 and cols.max() <= 900


def test_original_subtitle_band_is_blurred_and_the_rest_untouched(burned: Path, sample_clip: SampleClip) -> None:
    before, after = frame_at(sample_clip.video, GRAB_S), frame_at(burned, GRAB_S)
    band = masked_band(burned)
    assert detail(after, *band) * 5 < detail(before, *band)
    outside = np.abs(after[300:1200].astype(np.int16) - before[300:1200].astype(np.int16)).mean()
    assert outside < 3  # only the re-encode's loss above the caption


def test_ocr_finds_no_chinese_in_the_band_after_masking(burned: Path, sample_clip: SampleClip) -> None:
    pytest.importorskip("rapidocr_onnxruntime")
    ocr = load_ocr()  # as `band: auto` reads frames: the strip at its own size (RapidOCR's default grew it 4.6x)

    def chinese(frame: np.ndarray) -> str:
        found = ocr(np.ascontiguousarray(frame[BAND[0]:BAND[1], :, ::-1]))  # BGR, as OpenCV reads
        return "".join(ch for _, text, _ in found for ch in text if "\u4e00" <= ch <= "\u9fff")

    assert chinese(frame_at(sample_clip.video, GRAB_S))
    assert chinese(frame_at(burned, GRAB_S)) == ""


def test_script_without_a_shipped_font_exits_2_and_leaves_nothing(tmp_path: Path) -> None:
    ja = tmp_path / "ja.srt"
    ja.write_text("1\n00:00:01,040 --> 00:00:02,760\nお誕生日おめでとう\n", encoding="utf-8")
    out = tmp_path / "release"
    done = localize("package", SAMPLE_VIDEO, "--subs", f"ja={ja}", "--profile", "vertical-app", "-o", out)
    assert done.code == 2
    assert "Noto Sans CJK" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ja.srt"]


def test_box_mask_fills_the_band_before_the_subtitles() -> None:
    graph = filtergraph("box", BAND)
    assert graph.startswith("[0:v]drawbox=x=0:y=1600:w=iw:h=160:") and graph.endswith("fontsdir=fonts[v]")


@pytest.mark.parametrize(("lang", "line", "family"), [
    ("vi", "Chúc mừng sinh nhật mẹ.", "Noto Sans"),
    ("th", "สุขสันต์วันเกิดนะแม่", "Noto Sans Thai"),
    ("ar", "عيد ميلاد سعيد يا أمي", "Noto Sans Arabic"),
])
def test_each_shipped_script_gets_its_font_in_the_ass_style(lang: str, line: str, family: str) -> None:
    track = Track(lang, (Cue(1000, 2500, line),))
    assert family_for(track) == family
    text = render_ass(track, screen("vertical"), BAND[0], 24)
    assert f"Style: Default,{family}," in text and (fonts_dir() / "OFL.txt").is_file()


@pytest.mark.parametrize("codec", [("-c:v", "mpeg4"), ("-c:v", "libx264", "-preset", "ultrafast")],
                         ids=["mpeg4", "h264-baseline"])  # ultrafast writes Constrained Baseline, not High
def test_a_source_in_another_codec_or_profile_is_reencoded_for_a_soft_profile(tmp_path: Path, ffmpeg: str,
                                                                               codec: tuple[str, ...]) -> None:
    # A flat picture: what is tested is the codec, and the re-encode (x264 medium) of a detailed one only costs time.
    video = make_media(ffmpeg, tmp_path / "source.mp4", "-f", "lavfi", "-i", "color=c=gray:size=1080x1920:rate=25",
                       "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4", *codec, "-c:a", "aac")
    srt = tmp_path / "en.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\nHappy birthday, Mom.\n", encoding="utf-8")
    out = tmp_path / "release"
    done = localize("package", video, "--subs", f"en={srt}", "--profile", "youtube-shorts", "-o", out)
    assert done.code == 0, done.stderr
    streams = describe_streams(out / "source_001_en.mp4")
    assert [(s["type"], s["codec"]) for s in streams] == [("video", "h264"), ("audio", "aac"), ("subtitle", "mov_text")]
    assert streams[0]["profile"] == "High"
    assert localize("qc", "package", out, "--profile", "youtube-shorts").code == 0


def test_a_smaller_source_is_scaled_to_the_profile_frame_and_another_shape_is_refused(tmp_path: Path,
                                                                                      ffmpeg: str) -> None:
    srt = tmp_path / "en.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\nHappy birthday, Mom.\n", encoding="utf-8")
    for name, size in (("small", "540x960"), ("wide", "1920x1080")):  # flat pictures: only their size matters here
        make_media(ffmpeg, tmp_path / f"{name}.mp4", "-f", "lavfi", "-i", f"color=c=gray:size={size}:rate=25", "-f",
                   "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4", "-c:v", "libx264", "-preset",
                   "ultrafast", "-c:a", "aac")
    out = tmp_path / "small-release"
    done = localize("package", tmp_path / "small.mp4", "--subs", f"en={srt}", "--profile", "tiktok", "-o", out)
    assert done.code == 0, done.stderr
    video = next(s for s in describe_streams(out / "small_001_en.mp4") if s["type"] == "video")
    assert (video["codec"], video["width"], video["height"]) == ("h264", 1080, 1920)
    assert localize("qc", "package", out, "--profile", "tiktok").code == 0

    done = localize("package", tmp_path / "wide.mp4", "--subs", f"en={srt}", "--profile", "tiktok", "-o",
                    tmp_path / "wide-release")
    assert done.code == 2 and "is 1920x1080 but 'tiktok' delivers 1080x1920" in done.stderr
    assert not (tmp_path / "wide-release").exists()


def test_a_smaller_clean_source_is_burned_in_and_scaled_to_the_profile_frame(tmp_path: Path, ffmpeg: str) -> None:
    video = make_media(ffmpeg, tmp_path / "small.mp4", "-f", "lavfi", "-i", "color=c=gray:size=540x960:rate=25",
                       "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4", "-c:v", "libx264",
                       "-preset", "ultrafast", "-c:a", "aac")
    srt = tmp_path / "en.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\nHappy birthday, Mom.\n", encoding="utf-8")
    out = tmp_path / "release"
    done = localize("package", video, "--subs", f"en={srt}", "--profile", "vertical-app", "--mask-band", "none",
                    "-o", out)
    assert done.code == 0, done.stderr
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["burn"]["band"] is None
    mp4 = out / "small_001_en.mp4"
    stream = next(s for s in describe_streams(mp4) if s["type"] == "video")
    assert (stream["width"], stream["height"]) == (1080, 1920)
    frame = frame_at(mp4, 2.0)
    assert (frame[1000:1600].min(axis=2) > 235).sum() > 500  # the white caption, drawn before the upscale
    assert localize("qc", "package", out, "--profile", "vertical-app").code == 0


def test_original_subtitles_at_the_top_leave_our_captions_at_the_bottom() -> None:
    track = Track("en", (Cue(1000, 2500, "Happy birthday, Mom."),))
    at_bottom, at_top, none = (render_ass(track, screen("vertical"), top, 24) for top in (1300, 200, None))
    assert at_top == none != at_bottom


def test_qc_package_without_a_manifest_or_profile_is_a_usage_error(tmp_path: Path) -> None:
    done = localize("qc", "package", tmp_path)
    assert done.code == 2 and f"no manifest.json in {tmp_path}" in done.stderr and "--profile" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
