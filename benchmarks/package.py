"""Packaging benchmark on samples/ep01.mp4: soft-subtitle mux speed and burn-in + masking overhead.

What it measures (wall time of child processes, as a user runs them, median of N rounds after one warm-up):

* soft: ``localize package ep01.mp4 --subs en=... --profile youtube-shorts`` (stream copy + mov_text + QC),
  reported as × real time (episode seconds / wall seconds; target >= 200×);
* burn: ``localize package ... --profile vertical-app`` (blur mask + libass + libx264 + QC) against
  bare: ``ffmpeg -i ep01.mp4 -c:v libx264 -preset P -crf C -c:a copy`` at the profile's preset and CRF,
  reported as the ratio burn / bare (target <= 1.1×).

The table goes to stdout and the record to ``benchmarks/results/package.json``; exit 0 whether or not the
targets are met. Run: ``python benchmarks/package.py [--rounds N]`` from the repository root.
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
from pathlib import Path

from localize.delivery import load_delivery_profile
from localize.media import find_ffmpeg, probe

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT / "samples" / "ep01.mp4"
RESULTS = ROOT / "benchmarks" / "results" / "package.json"
EN_SRT = ("1\n00:00:01,040 --> 00:00:02,760\nHappy birthday, Mom.\n\n2\n00:00:03,400 --> 00:00:05,760\n"
          "You useless son-in-law!\n\n3\n00:00:06,320 --> 00:00:09,120\nThree years. Nothing.\n")


def timed(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ffmpeg, profile = find_ffmpeg(), load_delivery_profile("vertical-app")
    seconds = probe(VIDEO).duration_ms / 1000
    localize = [sys.executable, "-m", "localize"]
    with tempfile.TemporaryDirectory() as work:
        srt = Path(work, "en.srt")
        srt.write_text(EN_SRT, encoding="utf-8")
        commands = {
            "soft": [*localize, "package", str(VIDEO), "--subs", f"en={srt}", "--profile", "youtube-shorts",
                     "-o", f"{work}/soft"],
            "burn": [*localize, "package", str(VIDEO), "--subs", f"en={srt}", "--profile", "vertical-app",
                     "-o", f"{work}/burn"],
            "bare": [ffmpeg, "-v", "error", "-y", "-i", str(VIDEO), "-c:v", "libx264", "-preset",
                     profile.video_preset, "-crf", str(profile.video_crf), "-c:a", "copy", f"{work}/bare.mp4"],
        }
        for command in commands.values():  # warm-up: page cache, imports
            timed(command)
        runs: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, command in commands.items():
                runs[name].append(timed(command))
    median = {name: statistics.median(times) for name, times in runs.items()}
    record = {
        "video": VIDEO.name, "seconds": seconds, "rounds": args.rounds, "cpus": os.cpu_count(),
        "preset": profile.video_preset, "crf": profile.video_crf, "runs_s": runs, "median_s": median,
        "soft_x_realtime": seconds / median["soft"], "burn_over_bare": median["burn"] / median["bare"],
        "targets": {"soft_x_realtime": ">= 200", "burn_over_bare": "<= 1.1"},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"{'measure':<34}{'median s':>10}  result")
    print(f"{'soft mux (youtube-shorts)':<34}{median['soft']:>10.2f}  {record['soft_x_realtime']:.0f}× real time")
    print(f"{'burn + blur mask (vertical-app)':<34}{median['burn']:>10.2f}")
    print(f"{'bare libx264 ' + profile.video_preset:<34}{median['bare']:>10.2f}  "
          f"burn/bare {record['burn_over_bare']:.2f}×")


if __name__ == "__main__":
    main()
