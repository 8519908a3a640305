"""Release packages on the real sample episode: soft subtitles, manifest, package QC, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localize.package_qc import describe_streams
from tests.conftest import SAMPLE_VIDEO, SAMPLE_ZH, localize

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
def subs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("subs")
    en = folder / "en.srt"
    en.write_text(EN_SRT, encoding="utf-8")
    zh = folder / "zh.srt"
    fixed = localize("subs", "fix", SAMPLE_ZH, "-o", zh, "--lang", "zh", "--profile", "youtube-shorts",
                     "--video", SAMPLE_VIDEO)
    assert fixed.code == 0, fixed.stdout + fixed.stderr
    return en, zh


def package(out: Path, en: Path, zh: Path, *extra: str):
    return localize("package", SAMPLE_VIDEO, "--subs", f"en={en}", "--subs", f"zh={zh}", "--profile",
                    "youtube-shorts", "-o", out, "--series-title", "Test Series", "--episode", "1",
                    "--licence", "NRTA-0001", *extra)


def test_youtube_shorts_package_passes_qc_and_is_tagged(tmp_path: Path, subs: tuple[Path, Path]) -> None:
    out = tmp_path / "release"
    done = package(out, *subs)
    assert done.code == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["Test-Series_001_en.mp4", "manifest.json"]
    checked = localize("qc", "package", out, "--profile", "youtube-shorts", "--json")
    assert checked.code == 0, checked.stdout
    assert json.loads(checked.stdout)["passed"] is True
    streams = [s for s in describe_streams(out / "Test-Series_001_en.mp4") if s["type"] == "subtitle"]
    assert [(s["codec"], s["language"], s["default"]) for s in streams] == [
        ("mov_text", "eng", True), ("mov_text", "chi", False)]


def test_one_byte_edit_fails_package_qc(tmp_path: Path, subs: tuple[Path, Path]) -> None:
    out = tmp_path / "release"
    assert package(out, *subs).code == 0
    video = out / "Test-Series_001_en.mp4"
    data = bytearray(video.read_bytes())
    data[len(data) // 2] ^= 0xFF
    video.write_bytes(bytes(data))
    checked = localize("qc", "package", out, "--profile", "youtube-shorts", "--json")
    assert checked.code == 1
    assert {f["check"] for f in json.loads(checked.stdout)["failures"]} == {"sha256"}


def test_same_inputs_give_the_same_manifest_apart_from_created(tmp_path: Path, subs: tuple[Path, Path]) -> None:
    manifests = []
    for name in ("first", "second"):
        assert package(tmp_path / name, *subs).code == 0
        manifest = json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))
        assert manifest.pop("created")
        manifests.append(manifest)
    assert manifests[0] == manifests[1]
    assert manifests[0]["metadata"]["comment"] == "NRTA-0001"


def test_streaming_writes_sidecars_and_passes_qc(tmp_path: Path, subs: tuple[Path, Path]) -> None:
    out = tmp_path / "release"
    done = localize("package", SAMPLE_VIDEO, "--subs", f"zh={subs[1]}", "--profile", "streaming", "-o", out)
    assert done.code == 0, done.stderr
    assert sorted(p.name for p in out.iterdir()) == ["ep01_001_zh.mp4", "ep01_001_zh.srt", "ep01_001_zh.ttml",
                                                     "manifest.json"]
    assert localize("qc", "package", out, "--profile", "streaming").code == 0


@pytest.mark.parametrize(("args", "message"), [
    (("--subs", "en={en}", "--profile", "youtube-short"), "did you mean 'youtube-shorts'"),
    (("--subs", "en=missing.srt", "--profile", "youtube-shorts"), "subtitle file not found"),
    (("--subs", "en", "--profile", "youtube-shorts"), "no subtitle file for 'en'"),
    (("--subs", "en={en}", "--profile", "vertical-app"), "burn-in arrives in a later version"),
])
def test_bad_input_exits_2_with_one_line_and_no_package(tmp_path: Path, subs: tuple[Path, Path],
                                                        args: tuple[str, ...], message: str) -> None:
    out = tmp_path / "release"
    done = localize("package", SAMPLE_VIDEO, *(a.format(en=subs[0]) for a in args), "-o", out)
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
