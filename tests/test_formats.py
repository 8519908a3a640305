"""Subtitle formats: the encodings, line endings and markup real files arrive in; line-numbered errors for
broken ones; SRT, WebVTT, ASS, TTML/IMSC and JSON written for the screen and read back."""

from __future__ import annotations

import codecs
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pysubs2
import pytest

from localize.errors import BadInput
from localize.formats import import_transcript, output_format, parse_track, read_track, render_track
from localize.formats.cuelines import format_clock, parse_clock
from localize.model import Cue, Track
from localize.subtitles.profiles import load_profile, screen
from localize.subtitles.segment import source_cues
from tests.conftest import REPO, SAMPLE_ZH, localize, write_job

SRT = SAMPLE_ZH.read_text(encoding="utf-8")
SAMPLE_EN = REPO / "samples" / "ep01.en.srt"
TT = "{http://www.w3.org/ns/ttml}"
TTS = "{http://www.w3.org/ns/ttml#styling}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# --- Reading what real files contain -------------------------------------------------------------------------

@pytest.mark.parametrize("encoding, prefix", [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-16-le", b""), ("utf-16-be", b""), ("gb18030", b""),
], ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "utf-16-le-no-bom", "utf-16-be-no-bom", "gb18030"])
def test_every_encoding_reads_the_same_text(tmp_path, encoding, prefix):
    path = tmp_path / "ep.srt"
    path.write_bytes(prefix + SRT.replace("\n", "\r\n").encode(encoding))
    transcript = import_transcript(path, "zh-Hans", 60_000)
    reference = import_transcript(SAMPLE_ZH, "zh-Hans", 60_000)
    assert transcript.segments == reference.segments
    assert len(transcript.segments) >= 12 and transcript.origin == "subtitles"
    assert read_track(path, "zh-Hans") == read_track(SAMPLE_ZH, "zh-Hans")


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr-only"])
def test_crlf_and_cr_only_files_read_like_lf(tmp_path, newline):
    path = _write(tmp_path, "ep.srt", SRT.replace("\n", newline))
    assert read_track(path, "zh-Hans") == read_track(SAMPLE_ZH, "zh-Hans")


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


def test_missing_and_wrong_numbers_odd_blank_lines_spaces_and_dots(tmp_path):
    path = _write(tmp_path, "messy.srt",
                  "\n\n7\n\n00:00:01,000   -->   00:00:02,500\n  Hello   there  \n\n\n"  # wrong number, blanks around
                  "00:00:03.000 --> 00:00:04.000 X1:10 X2:20 Y1:5 Y2:9\nno number, dots\n\n"  # no number, coordinates
                  "1\n00:00:05,000 --> 00:00:06,000\nfirst line\n\nafter a blank\n"  # blank line inside the text
                  "4\n00:00:07,000 --> 00:00:08,000\nno blank line before my number\n")
    assert read_track(path, "en").cues == (
        Cue(1000, 2500, "Hello there"),
        Cue(3000, 4000, "no number, dots"),
        Cue(5000, 6000, "first line\nafter a blank"),
        Cue(7000, 8000, "no blank line before my number"),
    )


def test_entities_and_tags_in_srt_and_vtt(tmp_path):
    body = ("00:00:01.000 --> 00:00:02.000\n<b>Tom</b> &amp; <font color=\"#ffff00\">Jerry</font>\n\n"
            "00:00:03.000 --> 00:00:04.000\n{\\an8}<i>a&nbsp;&lt;b&gt;</i> <c.yellow>c</c>\n\n"
            "00:00:05.000 --> 00:00:06.000\n<v Lin Fan>妈，<00:00:05.500>生日快乐。</v>\n")
    expected = (Cue(1000, 2000, "Tom & Jerry"), Cue(3000, 4000, "a <b> c"),
                Cue(5000, 6000, "妈，生日快乐。", "Lin Fan"))
    assert read_track(_write(tmp_path, "tags.srt", body), "en").cues == expected
    assert read_track(_write(tmp_path, "tags.vtt", "WEBVTT\n\n" + body), "en").cues == expected


def test_vtt_without_hours_with_style_note_region_identifiers_and_settings(tmp_path):
    path = _write(tmp_path, "ep.vtt",
                  "WEBVTT - ep01\nKind: captions\nLanguage: zh-Hans\n\n"
                  "STYLE\n::cue { color: yellow }\n\n"
                  "REGION\nid:top width:40% lines:3\n\n"
                  "NOTE made by hand\nover two lines\n\n"
                  "intro\n00:01.040 --> 00:02.760 line:80% align:center\n妈，祝你生日快乐。\n\n"
                  "NOTE\n\n"
                  "2\n01:00:03.410 --> 01:00:05.750\n<v.loud 岳母>你这个上门女婿，\n真是没用！\n")
    track = read_track(path, "")
    assert track.language == "zh-Hans"
    assert track.cues == (Cue(1040, 2760, "妈，祝你生日快乐。"),
                          Cue(3_603_410, 3_605_750, "你这个上门女婿，\n真是没用！", "岳母"))


def test_ssa_v4_legacy_dfxp_and_a_vtt_header_without_its_blank_line(tmp_path):
    ssa = _write(tmp_path, "old.ssa", "[Script Info]\nScriptType: v4.00\n\n[V4 Styles]\nFormat: Name, Fontname\n"
                 "Style: Default,Arial\n\n[Events]\n"
                 "Format: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
                 "Dialogue: Marked=0,0:00:01.00,0:00:02.50,Default,林凡,0000,0000,0000,,妈，{\\i1}生日\\N快乐\n"
                 "Dialogue: Marked=0,0:00:03.00,0:00:04.00,Default,,0000,0000,0000,,{\\p1}m 0 0 l 9 9{\\p0}\n")
    assert read_track(ssa, "zh").cues == (Cue(1000, 2500, "妈，生日\n快乐", "林凡"),)  # drawings are not dialogue
    dfxp = _write(tmp_path, "old.dfxp", '<tt xmlns="http://www.w3.org/2006/10/ttaf1" xml:lang="en"><body><div>'
                  '<p begin="1.5s" end="2s">old<br/>DFXP</p></div></body></tt>')
    assert read_track(dfxp, "") == Track("en", (Cue(1500, 2000, "old\nDFXP"),))
    vtt = _write(tmp_path, "tight.vtt", "WEBVTT\n00:01.000 --> 00:02.000\nno blank line after the header\n")
    assert read_track(vtt, "en").cues == (Cue(1000, 2000, "no blank line after the header"),)


def test_format_is_detected_from_content_when_the_extension_says_nothing(tmp_path):
    reference = read_track(SAMPLE_ZH, "zh-Hans")
    for fmt in ("srt", "vtt", "ass", "ttml", "json"):
        path = _write(tmp_path, f"ep-{fmt}.txt", render_track(reference, fmt))
        assert [c.text for c in read_track(path, "zh-Hans").cues] == [c.text for c in reference.cues]


def test_garbage_and_empty_files_are_bad_input(tmp_path):
    garbage = tmp_path / "x.srt"
    garbage.write_bytes(bytes(range(256)) * 4)
    empty = tmp_path / "empty.srt"
    empty.write_text("\n\n")
    no_cues = _write(tmp_path, "no-cues.vtt", "WEBVTT\n\nNOTE nothing here\n")
    for path in (garbage, empty, no_cues):
        with pytest.raises(BadInput):
            read_track(path, "zh-Hans")


# --- Broken files: the message names the file and the line ---------------------------------------------------

def _sample_lines() -> list[str]:
    return SRT.split("\n")


def _broken_cases() -> dict[str, tuple[str, str, str]]:
    """name -> (file name, content, the exact start of the message)."""
    bad_time = _sample_lines()
    bad_time[13] = "00:00:0x,190 --> 00:00:11,440"
    lost_timing = _sample_lines()
    del lost_timing[9]  # cue 3's timing line
    backwards = _sample_lines()
    backwards[5] = "00:00:05,750 --> 00:00:03,410"
    vtt_arrow = "WEBVTT\n\nNOTE a note\n\n00:01.000 --> 00:02.000\nfine\n\n00:03.000 -> 00:04.000\nbroken\n"
    vtt_time = "WEBVTT\n\nNOTE a note\n\n00:01.000 --> 00:02.000\nfine\n\n00:05.000 --> 00:0b.000\nbad\n"
    return {
        "srt bad timestamp": ("ep.srt", "\n".join(bad_time),
                              "ep.srt line 14: bad timestamp '00:00:0x,190'; expected HH:MM:SS,mmm --> HH:MM:SS,mmm"),
        "srt lost timing line": ("ep.srt", "\n".join(lost_timing),
                                 "ep.srt line 10: expected a timing line (HH:MM:SS,mmm --> HH:MM:SS,mmm) after cue "
                                 "number 3, found '三年了，你在我家吃白饭！'"),
        "srt ends before start": ("ep.srt", "\n".join(backwards),
                                  "ep.srt line 6: the cue ends (00:00:03,410) before it starts (00:00:05,750)"),
        "vtt without header": ("ep.vtt", SRT, "ep.vtt line 1: a WebVTT file must start with 'WEBVTT', found '1'"),
        "vtt mistyped arrow": ("ep.vtt", vtt_arrow,
                               "ep.vtt line 8: '00:03.000 -> 00:04.000' looks like a timing line but lacks '-->'"),
        "vtt bad timestamp": ("ep.vtt", vtt_time,
                              "ep.vtt line 8: bad timestamp '00:0b.000'; expected HH:MM:SS.mmm --> HH:MM:SS.mmm"),
        "ttml not well-formed": ("ep.ttml", '<?xml version="1.0"?>\n<tt xmlns="http://www.w3.org/ns/ttml">\n'
                                 "<body><div>\n<p begin='1s' end='2s'>a</div></body></tt>\n",
                                 "ep.ttml line 4: not well-formed XML"),
        "json not valid": ("ep.json", '{"language": "en",\n "cues": [\n  {"start_ms": 1,}\n]}\n',
                           "ep.json line 3: not valid JSON"),
    }


@pytest.mark.parametrize("case", list(_broken_cases()))
def test_broken_files_name_the_file_and_line(tmp_path, case):
    name, content, message = _broken_cases()[case]
    with pytest.raises(BadInput) as error:
        read_track(_write(tmp_path, name, content), "zh-Hans")
    assert str(error.value).startswith(message), str(error.value)


def test_broken_subtitles_in_a_job_exit_2_with_one_line(tmp_path, tone_video):
    name, content, message = _broken_cases()["srt bad timestamp"]
    _write(tmp_path, name, content)
    job = write_job(tmp_path / "job.yaml", [tone_video])
    job.write_text(job.read_text().replace(f"video: {tone_video}}}", f"video: {tone_video}, subtitles: ep.srt}}"))
    result = localize("run", job, "--work", tmp_path / "work")
    assert result.code == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.stderr
    assert not (tmp_path / "work").exists()


# --- Overlapping cues ----------------------------------------------------------------------------------------

OVERLAPPING = ("00:00:04,000 --> 00:00:05,000\nlater\n\n"
               "00:00:01,000 --> 00:00:03,000\n你好！\n\n"
               "00:00:02,000 --> 00:00:03,500\n谁？\n\n"
               "00:00:03,500 --> 00:00:04,000\ntouching is not overlapping\n")


def test_overlapping_cues_merge_into_dialogue_by_default():
    track = parse_track(OVERLAPPING, "srt", "zh-Hans")
    assert track.cues == (Cue(1000, 3500, "-你好！\n-谁？"), Cue(3500, 4000, "touching is not overlapping"),
                          Cue(4000, 5000, "later"))


def test_overlapping_cues_stack_when_asked_and_output_is_sorted():
    track = parse_track(OVERLAPPING, "srt", "zh-Hans", overlaps="stack")
    assert track.cues == (Cue(1000, 3000, "你好！"), Cue(2000, 3500, "谁？"),
                          Cue(3500, 4000, "touching is not overlapping"), Cue(4000, 5000, "later"))
    with pytest.raises(BadInput, match="'merge' or 'stack'"):
        parse_track(OVERLAPPING, "srt", "zh-Hans", overlaps="pile")


# --- Round trips ---------------------------------------------------------------------------------------------

# Every format keeps milliseconds except ASS, which stores centiseconds.
TOLERANCE_MS = {"ass": 10, "vtt": 0, "ttml": 0, "srt": 0, "json": 0}


@pytest.mark.parametrize("sample, language", [(SAMPLE_ZH, "zh-Hans"), (SAMPLE_EN, "en")], ids=["zh", "en"])
def test_round_trip_srt_ass_vtt_ttml_srt(sample, language):
    original = read_track(sample, language)
    previous = original
    for fmt in ("ass", "vtt", "ttml", "srt"):
        again = parse_track(render_track(previous, fmt), fmt, language)
        assert [c.text for c in again.cues] == [c.text for c in original.cues], fmt
        tolerance = TOLERANCE_MS[fmt]
        assert all(abs(a.start_ms - b.start_ms) <= tolerance and abs(a.end_ms - b.end_ms) <= tolerance
                   for a, b in zip(again.cues, previous.cues, strict=True)), fmt
        previous = again
    assert all(abs(a.start_ms - b.start_ms) <= 10 and abs(a.end_ms - b.end_ms) <= 10
               for a, b in zip(previous.cues, original.cues, strict=True))


def test_millisecond_times_survive_every_format_but_ass_which_rounds_to_centiseconds():
    track = Track("en", (Cue(1041, 2768, "odd milliseconds", "Lin Fan"), Cue(3005, 3999, "Tom & <Jerry>\nline 2")))
    for fmt, tolerance in TOLERANCE_MS.items():
        again = parse_track(render_track(track, fmt, screen("vertical")), fmt, "en")
        assert [c.text for c in again.cues] == [c.text for c in track.cues], fmt
        assert [c.speaker for c in again.cues] == (["", ""] if fmt == "srt" else ["Lin Fan", ""]), fmt
        offsets = [abs(a.start_ms - b.start_ms) for a, b in zip(again.cues, track.cues, strict=True)]
        offsets += [abs(a.end_ms - b.end_ms) for a, b in zip(again.cues, track.cues, strict=True)]
        assert max(offsets) <= tolerance, fmt
        if fmt == "ass":
            assert max(offsets) > 0  # the tolerance is needed, not slack


def test_json_keeps_language_and_speakers():
    track = Track("pt-BR", (Cue(0, 900, "Oi!\nTudo bem?", "Lin Fan"),))
    assert parse_track(render_track(track, "json"), "json", "") == track


def test_rendered_srt_reads_back(tmp_path):
    profile = load_profile("vertical", "zh-Hans")
    cues = [t.cue for t in source_cues(import_transcript(SAMPLE_ZH, "zh-Hans", 60_000), profile)]
    path = tmp_path / "round.srt"
    path.write_text(render_track(Track("zh-Hans", tuple(cues)), "srt"), encoding="utf-8")
    again = [t.cue for t in source_cues(import_transcript(path, "zh-Hans", 60_000), profile)]
    assert again == cues
    assert render_track(Track("zh-Hans", tuple(cues)), "vtt").startswith("WEBVTT")


def test_long_imported_subtitle_is_split_under_seven_seconds(tmp_path):
    path = tmp_path / "long.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:12,000\n三年了，你吃我家的，住我家的。我女儿嫁给你，真是倒了大霉！\n",
                    encoding="utf-8")
    profile = load_profile("vertical", "zh-Hans")
    cues = [t.cue for t in source_cues(import_transcript(path, "zh-Hans", 12_000), profile, media_end_ms=12_000)]
    assert len(cues) >= 2
    assert all(c.duration_ms <= 7000 for c in cues)
    assert "".join(c.text.replace("\n", "") for c in cues) == \
        "三年了，你吃我家的，住我家的。我女儿嫁给你，真是倒了大霉！"
    assert cues[0].start_ms == 0 and cues[-1].end_ms == 12_000


# --- Written for the screen ----------------------------------------------------------------------------------

def _percent_box(origin: str, extent: str, width: int, height: int) -> tuple[int, int, int, int]:
    (left, top), (w, h) = ([float(v.rstrip("%")) for v in pair.split()] for pair in (origin, extent))
    return (round(left * width / 100), round(top * height / 100), round((left + w) * width / 100),
            round((top + h) * height / 100))


def test_ttml_is_imsc_text_with_one_region_on_the_safe_box():
    vertical = screen("vertical")
    track = Track("zh-Hans", (Cue(1040, 2760, "妈，\n祝你生日快乐。", "岳母"), Cue(3410, 5750, "A & B <C>")))
    root = ElementTree.fromstring(render_track(track, "ttml"))
    assert root.tag == f"{TT}tt" and root.get(XML_LANG) == "zh-Hans"
    assert root.get("{http://www.w3.org/ns/ttml#parameter}contentProfiles") == \
        "http://www.w3.org/ns/ttml/profile/imsc1.1/text"
    assert root.get("{http://www.w3.org/ns/ttml#parameter}frameRate") is None
    assert root.get(f"{TTS}extent") is None and "px" not in render_track(track, "ttml")
    regions = root.findall(f"{TT}head/{TT}layout/{TT}region")
    assert len(regions) == 1 and regions[0].get(f"{TTS}displayAlign") == "after"
    box = _percent_box(regions[0].get(f"{TTS}origin"), regions[0].get(f"{TTS}extent"), 1080, 1920)
    assert box == (vertical.safe_left, vertical.safe_top, vertical.safe_right, vertical.safe_bottom)
    style = root.find(f"{TT}head/{TT}styling/{TT}style")
    assert style.get(f"{TTS}textAlign") == "center" and style.get(f"{TTS}fontFamily") and style.get(f"{TTS}color")
    paragraphs = root.findall(f"{TT}body/{TT}div/{TT}p")
    assert [(p.get("begin"), p.get("end"), p.get("region")) for p in paragraphs] == [
        ("00:00:01.040", "00:00:02.760", regions[0].get("{http://www.w3.org/XML/1998/namespace}id")),
        ("00:00:03.410", "00:00:05.750", regions[0].get("{http://www.w3.org/XML/1998/namespace}id"))]
    assert paragraphs[0].text == "妈，" and paragraphs[0][0].tag == f"{TT}br"
    assert paragraphs[1].text == "A & B <C>"


def test_ttml_reader_takes_every_time_expression_nested_spans_and_the_root_language():
    document = """<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
    xmlns:tts="http://www.w3.org/ns/ttml#styling" xml:lang="ja" ttp:frameRate="30"
    ttp:frameRateMultiplier="1000 1001" ttp:tickRate="10000000">
  <body>
    <div begin="10s">
      <p begin="00:00:01:12" end="00:00:02.000">frames &amp;
        <span tts:color="yellow">spans <span>nested</span></span><br/>  second   line</p>
      <p begin="12.5s" dur="500ms">offsets</p>
      <p begin="60f" end="30000000t">frames and ticks</p>
    </div>
  </body>
</tt>"""
    track = parse_track(document, "ttml", "")
    assert track.language == "ja"
    frame_ms = 1001 / 30  # 29.97 frames per second
    assert track.cues == (
        Cue(10_000 + 1000 + round(12 * frame_ms), 12_000, "frames & spans nested\nsecond line"),
        Cue(10_000 + round(60 * frame_ms), 13_000, "frames and ticks"),
        Cue(22_500, 23_000, "offsets"),
    )
    assert parse_track(document, "ttml", "en").language == "en"


def test_ass_is_laid_out_for_the_vertical_screen_and_ffmpeg_reads_it(tmp_path, ffmpeg):
    vertical = screen("vertical")
    track = Track("zh-Hans", (Cue(1040, 2760, "妈，\n祝你生日快乐。", "岳母"), Cue(3410, 5750, "谁？", "林凡"),
                              Cue(6000, 7000, "旁白")))
    path = _write(tmp_path, "out.ass", render_track(track, "ass", styles={"林凡": "&H0000FFFF"}))
    subs = pysubs2.load(str(path))
    assert (subs.info["PlayResX"], subs.info["PlayResY"]) == ("1080", "1920")
    assert subs.info["WrapStyle"] == "2" and subs.info["ScaledBorderAndShadow"] == "yes"
    default = subs.styles["Default"]
    assert (default.marginl, default.marginr, default.marginv) == (vertical.safe_left, 1080 - vertical.safe_right,
                                                                   1920 - vertical.safe_bottom)
    assert default.fontname == "Noto Sans" and default.bold and default.fontsize == vertical.font_size_px
    assert default.alignment == pysubs2.Alignment.BOTTOM_CENTER and default.shadow == 0 and default.outline >= 2
    assert default.primarycolor == pysubs2.Color(255, 255, 255)
    assert set(subs.styles) == {"Default", "岳母", "林凡"}
    assert subs.styles["林凡"].primarycolor == pysubs2.Color(255, 255, 0)  # &H00BBGGRR: yellow
    assert [(e.style, e.name) for e in subs] == [("岳母", "岳母"), ("林凡", "林凡"), ("Default", "")]
    assert parse_track(path.read_text(encoding="utf-8"), "ass", "zh-Hans").cues == track.cues
    subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(path), str(tmp_path / "back.srt")], check=True)
    assert [c.text for c in read_track(tmp_path / "back.srt", "zh-Hans").cues] == [c.text for c in track.cues]
    with pytest.raises(BadInput, match="&H00BBGGRR"):
        render_track(track, "ass", styles={"林凡": "yellow"})


def test_vtt_places_cues_in_the_safe_box_and_ffmpeg_reads_it(tmp_path, ffmpeg):
    track = read_track(SAMPLE_EN, "en")
    text = render_track(track, "vtt", screen("vertical"))
    timing_lines = [line for line in text.split("\n") if "-->" in line]
    # Box bottom at 1500/1920 of the height, centred at 540/1080, 720/1080 wide.
    assert timing_lines[0] == "00:00:01.040 --> 00:00:02.760 line:78.13%,end position:50% align:center size:66.67%"
    assert len(timing_lines) == len(track.cues)
    path = _write(tmp_path, "out.vtt", text)
    assert read_track(path, "en") == track
    subprocess.run([ffmpeg, "-nostdin", "-v", "error", "-y", "-i", str(path), str(tmp_path / "back.srt")], check=True)
    assert read_track(tmp_path / "back.srt", "en") == track
    assert "line:" not in render_track(track, "vtt")  # no screen, no placement


def test_output_format_from_the_extension():
    assert [output_format(Path(f"ep01.en{ext}")) for ext in (".srt", ".VTT", ".ass", ".ttml", ".json")] == \
        ["srt", "vtt", "ass", "ttml", "json"]
    with pytest.raises(BadInput, match=r"\.srt, \.vtt, \.ass, \.ttml or \.json"):
        output_format(Path("ep01.txt"))


@pytest.mark.parametrize("token, expected", [
    ("01:02:03,456", 3_723_456), ("01:02:03.456", 3_723_456), ("1:02:03,456", 3_723_456), ("02:03,4", 123_400),
    ("00:60:00,000", None), ("00:00:60,000", None), ("00:0a:00,000", None), ("00-00-00,000", None)])
def test_clock_tokens_common_and_unusual(token, expected):
    assert parse_clock(token) == expected
    if expected is not None:
        assert parse_clock(format_clock(expected, ",")) == expected == parse_clock(format_clock(expected, "."))
