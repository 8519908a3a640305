"""Subtitle QC and repair speed on a long track: ``localize qc subs`` and ``localize subs fix`` over 100 k cues.

Target (issue 12): QC of 100,000 cues in under 5 s on 2 cores (it took 33 s for 2,500 cues before, and did not
finish 100,000 in 10 minutes); ``subs fix`` is timed and reported beside it. The track is generated: the sample
episode's Chinese lines (some tripled, too long for a line) one after another for about 3.5 days, with every
kind of timing QC looks at (overlaps, flashes, gaps to chain, cues over 7 s) and a shot change every 2.5 s
(about 130,000 cuts), so every per-cue rule and every cut lookup runs. Each command is timed as the CLI runs it,
in-process and from a clean heap (what earlier rounds left is collected before the clock starts, as in a fresh
process): read the SRT, check or repair, build the report; the table of violations is left out (a terminal's
speed). ``subs fix`` re-breaks lines with the Chinese word segmenter on (issue 13): its line breaks inside a
word are counted afterwards, outside the timing, and must be 0. Prints a table and writes
``benchmarks/results/segment_qc.json``.

Run: ``python benchmarks/segment_qc.py [--cues 100000] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import platform
import random
import statistics
import tempfile
import time
from pathlib import Path

from localize.formats import read_track, render_track
from localize.formats.cuelines import format_clock
from localize.model import Cue, Track
from localize.subtitles.fix import fix_cues
from localize.subtitles.profiles import load_profile
from localize.subtitles.qc import check_track, report
from localize.words import word_spans

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "segment_qc.json"
TARGET_SECONDS = 5.0  # QC of 100 k cues on 2 cores
CUT_EVERY_MS = 2500


def sample_lines() -> list[str]:
    text = (ROOT / "samples" / "ep01.zh.srt").read_text(encoding="utf-8")
    return [line for line in text.split("\n") if line.strip() and not line[0].isdigit()]


def generated_srt(cues: int, seed: int = 12) -> tuple[str, int]:
    """An SRT file of ``cues`` cues and the time its last cue ends."""
    lines, rnd = sample_lines(), random.Random(seed)
    blocks, clock = [], 1000
    for number in range(1, cues + 1):
        duration = rnd.choice((400, 900, 1800, 2500, 8000))
        text = rnd.choice(lines) * (3 if rnd.random() < 0.1 else 1)
        blocks.append(f"{number}\n{format_clock(clock, ',')} --> {format_clock(clock + duration, ',')}\n{text}\n")
        clock += duration + rnd.choice((-100, 20, 40, 200, 600, 1500))
    return "\n".join(blocks), clock


def breaks_inside_words(cues: list[Cue], language: str) -> int:
    """Line breaks that fall inside a word of the segmenter's output (each cue's lines joined)."""
    inside = 0
    for cue in cues:
        lines = cue.text.split("\n")
        if len(lines) > 1:
            spans = word_spans("".join(lines), language)
            breaks = itertools.accumulate(len(line) for line in lines[:-1])
            inside += sum(1 for b in breaks if any(start < b < end for start, end in spans))
    return inside


def timed(action) -> tuple[float, object]:
    """Seconds of ``action`` from a clean heap, as a fresh ``localize`` process would start it: what earlier rounds
    left for the collector is collected first, outside the time (as ``timeit`` leaves collection out)."""
    gc.collect()
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cues", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    text, end_ms = generated_srt(args.cues)
    cuts = tuple(range(CUT_EVERY_MS, end_ms, CUT_EVERY_MS))
    profile = load_profile("vertical", "zh-Hans", 25)
    qc_rounds, fix_rounds = [], []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "long.zh.srt"
        path.write_text(text, encoding="utf-8")

        def qc() -> dict:
            cues = list(read_track(path, "zh-Hans").cues)
            return report(cues, check_track(cues, profile, cuts), profile)

        def fix() -> dict:
            fixed = fix_cues(list(read_track(path, "zh-Hans").cues), profile, cuts, end_ms)
            render_track(Track("zh-Hans", tuple(fixed)), "srt")
            return report(fixed, check_track(fixed, profile, cuts), profile) | {"fixed": fixed}

        for _ in range(args.rounds):
            qc_report = fix_report = {}  # the last round's reports are the ones kept
            seconds, qc_report = timed(qc)
            qc_rounds.append(seconds)
            seconds, fix_report = timed(fix)
            fix_rounds.append(seconds)
            inside = breaks_inside_words(fix_report.pop("fixed"), "zh-Hans")  # untimed; frees the track
    qc_median, fix_median = statistics.median(qc_rounds), statistics.median(fix_rounds)
    verdict = "PASS" if qc_median < TARGET_SECONDS else "FAIL"
    print(f"{'command':>8}  {'cues':>7}  {'cuts':>7}  {'violations':>10}  {'median s':>8}  {'min s':>6}  "
          f"{'per cue µs':>10}  target")
    for name, rounds, result, target in (("qc subs", qc_rounds, qc_report, f"< {TARGET_SECONDS:g} s: {verdict}"),
                                         ("subs fix", fix_rounds, fix_report, "(reported)")):
        median = statistics.median(rounds)
        print(f"{name:>8}  {result['cues']:>7}  {len(cuts):>7}  {len(result['violations']):>10}  {median:>8.3f}  "
              f"{min(rounds):>6.3f}  {median / result['cues'] * 1e6:>10.1f}  {target}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "python": platform.python_version(), "cues_generated": args.cues, "cues_read": qc_report["cues"],
        "cuts": len(cuts), "qc_violations": len(qc_report["violations"]),
        "fix_violations": len(fix_report["violations"]), "fix_breaks_inside_words": inside,
        "qc_rounds_s": [round(r, 4) for r in qc_rounds], "qc_median_s": round(qc_median, 4),
        "fix_rounds_s": [round(r, 4) for r in fix_rounds], "fix_median_s": round(fix_median, 4),
        "target_s": TARGET_SECONDS, "passed": qc_median < TARGET_SECONDS}, indent=2) + "\n")
    print(f"subs fix: {inside} line breaks inside a word")
    print(f"results: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
