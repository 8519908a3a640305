"""Segmentation + QC speed: how long the timing rules take over a whole series of transcripts.

Target (issue 3): segmenting and QC-checking 100 episodes' transcripts in under 2 s in total. The
transcripts are real: the sample episode (and the extra recordings in samples/, when present) transcribed
once by the pipeline's own ASR (not timed), then segmented and checked 100 times over, as a 100-episode
series would be. Prints a table and writes ``benchmarks/results/segment_qc.json``.

Run: ``python benchmarks/segment_qc.py [--episodes 100]`` (needs ``pip install 'localize[models]'``).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from localize.asr.whisper import AsrOptions, WhisperEngine
from localize.media import probe
from localize.model import Transcript
from localize.subtitles.profiles import load_profile
from localize.subtitles.qc import Speech, check_track
from localize.subtitles.segment import source_cues

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "segment_qc.json"
TARGET_SECONDS = 2.0


def transcripts() -> list[tuple[str, Transcript, int]]:
    """(name, transcript, duration) of every Mandarin recording shipped in samples/."""
    files = [ROOT / "samples" / "ep01.mp4", *sorted((ROOT / "samples").glob("rec*.m4a"))]
    engine = WhisperEngine.load("base")
    found = []
    for path in files:
        transcript = engine.transcribe(path, AsrOptions(language="zh-Hans"))
        found.append((path.name, transcript, probe(path).duration_ms))
    return found


def segment_and_check(transcript: Transcript, duration_ms: int) -> int:
    profile = load_profile("vertical", transcript.language, 25)
    timed = source_cues(transcript, profile, (), duration_ms)
    cues = [t.cue for t in timed]
    check_track(cues, profile, (), [Speech(t.speech_start_ms, t.speech_end_ms) for t in timed])
    return len(cues)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    corpus = transcripts()
    series = [corpus[i % len(corpus)] for i in range(args.episodes)]
    rounds = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        cues = sum(segment_and_check(t, d) for _, t, d in series)
        rounds.append(time.perf_counter() - started)
    median = statistics.median(rounds)
    words = sum(len(s.words) for _, t, _ in series for s in t.segments)
    print(f"{'episodes':>8}  {'words':>6}  {'cues':>5}  {'median s':>8}  {'min s':>6}  {'per episode ms':>14}  target")
    verdict = "PASS" if median < TARGET_SECONDS else "FAIL"
    print(f"{args.episodes:>8}  {words:>6}  {cues:>5}  {median:>8.3f}  {min(rounds):>6.3f}  "
          f"{median / args.episodes * 1000:>14.2f}  < {TARGET_SECONDS} s: {verdict}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "python": platform.python_version(), "episodes": args.episodes, "transcripts": [n for n, _, _ in corpus],
        "words": words, "cues": cues, "rounds_s": [round(r, 4) for r in rounds], "median_s": round(median, 4),
        "target_s": TARGET_SECONDS, "passed": median < TARGET_SECONDS}, indent=2) + "\n")
    print(f"results: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
