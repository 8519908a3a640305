"""`localize qc subs` and `localize subs fix` on real files, with a real video's frame rate and cut."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import localize, make_media

THIRTY_CHARACTERS = "We must go now,\nright this way!"  # 30 characters a viewer reads, in one second
PLANTED = f"""1
00:00:00,400 --> 00:00:00,800
Go!

2
00:00:01,600 --> 00:00:02,600
{THIRTY_CHARACTERS}

3
00:00:03,200 --> 00:00:04,500
One
Two
Three

4
00:00:04,540 --> 00:00:06,000
Right on the cut.

5
00:00:07,000 --> 00:00:08,500
Fine.
"""
EXPECTED = {(1, "duration_min"), (2, "reading_speed"), (3, "lines_max"), (3, "gap_min"), (4, "shot_change")}


@pytest.fixture(scope="module")
def cut_video(tmp_path_factory) -> Path:
    """10 s at 25 fps: red for 6 s, then blue — one hard cut at 6.000 s."""
    from localize.media import find_ffmpeg

    target = tmp_path_factory.mktemp("video") / "cut.mp4"
    return make_media(find_ffmpeg(), target, "-f", "lavfi", "-i", "color=red:size=216x384:rate=25:duration=6",
                      "-f", "lavfi", "-i", "color=blue:size=216x384:rate=25:duration=4",
                      "-f", "lavfi", "-i", "sine=duration=10", "-filter_complex", "[0][1]concat=n=2:v=1:a=0[v]",
                      "-map", "[v]", "-map", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac")


def _qc(*args) -> tuple[int, dict]:
    result = localize("qc", "subs", *args, "--json")
    assert "Traceback" not in result.stderr
    return result.code, json.loads(result.stdout) if result.stdout else {}


def test_planted_violations_are_found_exactly(tmp_path, cut_video):
    srt = tmp_path / "planted.srt"
    srt.write_text(PLANTED, encoding="utf-8")
    assert len(THIRTY_CHARACTERS.replace("\n", "")) == 30
    code, report = _qc(srt, "--profile", "vertical", "--lang", "en", "--video", cut_video)
    assert code == 1
    assert {(v["cue"], v["rule"]) for v in report["violations"]} == EXPECTED
    assert report["fps"] == "25" and report["cues"] == 5 and not report["passed"]
    table = localize("qc", "subs", srt, "--lang", "en", "--video", cut_video)
    assert table.code == 1 and "shot_change" in table.stdout and "30.0 cps" in table.stdout


def test_fix_repairs_timing_and_lines_without_changing_a_word(tmp_path, cut_video):
    srt = tmp_path / "planted.srt"
    srt.write_text(PLANTED, encoding="utf-8")
    fixed = tmp_path / "fixed.vtt"
    result = localize("subs", "fix", srt, "-o", fixed, "--lang", "en", "--video", cut_video, "--json")
    assert result.code == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["passed"]
    code, report = _qc(fixed, "--lang", "en", "--video", cut_video)
    assert code == 0 and report["violations"] == []
    from localize.formats import read_track

    before = [c.text.split() for c in read_track(srt, "en").cues]
    after = read_track(fixed, "en").cues
    assert [c.text.split() for c in after] == before
    assert after[2].text == "One Two Three"  # three lines re-broken into one


def test_fix_reports_what_it_cannot_repair(tmp_path):
    srt = tmp_path / "boxed.srt"
    srt.write_text(f"1\n00:00:01,000 --> 00:00:02,000\n{THIRTY_CHARACTERS}\n\n"
                   "2\n00:00:02,080 --> 00:00:04,000\nNext line.\n", encoding="utf-8")
    result = localize("subs", "fix", srt, "-o", tmp_path / "out.srt", "--lang", "en", "--json")
    assert result.code == 1
    assert [(v["cue"], v["rule"]) for v in json.loads(result.stdout)["violations"]] == [(1, "reading_speed")]


def test_clean_file_passes(tmp_path):
    srt = tmp_path / "clean.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\nHello there.\n\n2\n00:00:04,000 --> 00:00:06,000\nBye.\n")
    code, report = _qc(srt, "--lang", "en")
    assert code == 0 and report["passed"] and report["cues_passing"] == 2


def test_bad_profile_and_broken_file_are_bad_input(tmp_path):
    srt = tmp_path / "clean.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\nHello there.\n")
    result = localize("qc", "subs", srt, "--lang", "en", "--profile", "verticle")
    assert result.code == 2 and "did you mean 'vertical'" in result.stderr and "Traceback" not in result.stderr
    broken = tmp_path / "broken.srt"
    broken.write_text("1\n00:00:01,000 --> 00:00:03,000\nHello\n\n2\n00:00:0x,000 --> 00:00:05,000\nBye\n")
    result = localize("qc", "subs", broken, "--lang", "en")
    assert result.code == 2 and "line 6" in result.stderr and "Traceback" not in result.stderr


def test_a_megabyte_line_is_echoed_short(tmp_path):
    """Issue 12: an error about a 1 MB line quoted the whole line; now one short line with the length."""
    huge = "x" * 1_000_000
    stray = tmp_path / "stray.srt"
    stray.write_text(f"{huge}\n1\n00:00:01,000 --> 00:00:03,000\nHello.\n", encoding="utf-8")
    bad_time = tmp_path / "bad_time.srt"
    bad_time.write_text(f"1\n00:00:01,000 --> 00:00:03,000\nHello.\n\n2\n{huge} --> 00:00:05,000\nBye.\n",
                        encoding="utf-8")
    for path, command in ((stray, ("qc", "subs")), (bad_time, ("subs", "fix", "-o", tmp_path / "out.srt"))):
        result = localize(*command, path, "--lang", "en")
        lines = result.stderr.strip().splitlines()
        assert result.code == 2 and len(lines) == 1 and len(lines[0]) < 300, lines[0][:300]
        assert "x" * 80 + "…' (1,000,000 characters)" in lines[0]


def test_a_huge_cue_is_checked_and_fixed_with_short_messages(tmp_path):
    """A valid cue of 100,000 characters: QC measures it (no quadratic line breaking), and says so briefly."""
    srt = tmp_path / "huge.srt"
    srt.write_text("1\n00:00:01,000 --> 00:00:03,000\n" + "我" * 100_000 + "\n", encoding="utf-8")
    result = localize("subs", "fix", srt, "-o", tmp_path / "out.srt", "--lang", "zh", "--json")
    assert result.code == 1 and "Traceback" not in result.stderr
    rules = {(v["rule"], v["measured"]) for v in json.loads(result.stdout)["violations"]}
    assert ("line_chars", "50000 characters") in rules
