"""Importing source subtitles in the encodings and formats real files arrive in."""

from __future__ import annotations

import codecs
import subprocess

import pytest

from localize.errors import BadInput
from localize.segment import source_cues
from localize.subtitles import import_transcript, read_subtitles, render_cues
from tests.conftest import SAMPLE_ZH

SRT = SAMPLE_ZH.read_text(encoding="utf-8")


@pytest.mark.parametrize("encoding, prefix", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-16-le", b""), ("gb18030", b""),
], ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le-no-bom", "gb18030"])
def test_every_encoding_reads_the_same_text(tmp_path, encoding, prefix):
    path = tmp_path / "ep.srt"
    path.write_bytes(prefix + SRT.replace("\n", "\r\n").encode(encoding))
    transcript = import_transcript(path, "zh-Hans", 60_000)
    reference = import_transcript(SAMPLE_ZH, "zh-Hans", 60_000)
    assert transcript.segments == reference.segments
    assert len(transcript.segments) >= 12 and transcript.origin == "subtitles"


def test_ass_and_vtt_converted_by_ffmpeg_read_the_same(tmp_path, ffmpeg):
    reference = import_transcript(SAMPLE_ZH, "zh-Hans", 60_000)
    for suffix in (".ass", ".vtt"):
        target = tmp_path / f"ep{suffix}"
        subprocess.run([ffmpeg, "-v", "error", "-y", "-i", str(SAMPLE_ZH), str(target)], check=True)
        imported = import_transcript(target, "zh-Hans", 60_000)
        assert [s.text for s in imported.segments] == [s.text for s in reference.segments]
        # ASS stores centiseconds: a time may move by up to 10 ms, never more.
        assert all(abs(a.start_ms - b.start_ms) <= 10 and abs(a.end_ms - b.end_ms) <= 10
                   for a, b in zip(imported.segments, reference.segments, strict=True))


def test_tags_and_multiline_text_become_plain_text(tmp_path):
    path = tmp_path / "ep.srt"
    path.write_text("1\n00:00:01,000 --> 00:00:03,000\n<i>林凡</i>，\n你回来了！\n\n"
                    "2\n00:00:04,000 --> 00:00:05,000\n{\\an8}Hello\nthere\n", encoding="utf-8")
    zh = import_transcript(path, "zh-Hans", 6000)
    assert zh.segments[0].text == "林凡，你回来了！"
    en = import_transcript(path, "en", 6000)
    assert en.segments[1].text == "Hello there"


def test_garbage_and_empty_files_are_bad_input(tmp_path):
    garbage = tmp_path / "x.srt"
    garbage.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty.srt"
    empty.write_text("\n\n")
    for path in (garbage, empty):
        with pytest.raises(BadInput):
            read_subtitles(path)


def test_long_imported_subtitle_is_split_under_seven_seconds(tmp_path):
    path = tmp_path / "long.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:12,000\n三年了，你吃我家的，住我家的。我女儿嫁给你，真是倒了大霉！\n",
                    encoding="utf-8")
    cues = source_cues(import_transcript(path, "zh-Hans", 12_000))
    assert len(cues) >= 2
    assert all(c.duration_ms <= 7000 for c in cues)
    assert "".join(c.text for c in cues) == "三年了，你吃我家的，住我家的。我女儿嫁给你，真是倒了大霉！"
    assert cues[0].start_ms == 0 and cues[-1].end_ms == 12_000


def test_rendered_srt_reads_back(tmp_path):
    cues = source_cues(import_transcript(SAMPLE_ZH, "zh-Hans", 60_000))
    path = tmp_path / "round.srt"
    path.write_text(render_cues(cues, "srt", "zh-Hans"), encoding="utf-8")
    again = source_cues(import_transcript(path, "zh-Hans", 60_000))
    assert again == cues
    assert render_cues(cues, "vtt", "zh-Hans").startswith("WEBVTT")
