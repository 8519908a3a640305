"""Dubbing a 60 s episode, with Kokoro (jm_kumo) and with Piper (en_US-joe-medium), on this machine's cores.

Reported per engine: the wall seconds of ``tts.en``, ``fit.dub.en``, ``mix.en`` and ``listen.en`` (Whisper
re-transcribing the mix) as the run's JSON summary gives them, each as × real time (seconds of episode per
wall second: "4×" means 4 s of the episode dubbed per second, above 1 is faster than it plays; the TTS stage's
seconds include loading the voice), the seconds of speech synthesized, and what the ledger bills for these
stages (compute seconds and speech seconds at the rate card below, each entry rounded to the cent as the ledger
does) per minute of dubbed episode, as Decimal text.

The episode is built at run time in a temp folder: the sample's ep01 (0-45.9 s) then ep02 (0.4-14.5 s), cut in
silences between lines and scaled to 270x480, with their Chinese lines imported and a TMX memory, made from the
samples' Chinese and English subtitles, giving the English (TM only). Each engine runs the job once in a fresh work
folder (so no line comes from the per-line speech cache) with no delivery profile (nothing is packaged); the
job's other stages run too but are not reported. An engine that is not installed is reported as skipped.

Record: ``benchmarks/results/dub.json``. Run: ``python benchmarks/dub.py [--engines kokoro,piper]`` from the
repository root, with the engines installed (``pip install 'localize[kokoro,piper]'``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pysubs2

from localize.costs import ledger
from localize.costs.auto import TTS_ITEM
from localize.dub.tts import check_engine
from localize.errors import Unavailable
from localize.media import find_ffmpeg
from localize.translate.tm import TranslationUnit
from localize.translate.tmx import tmx_bytes

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
RESULTS = ROOT / "benchmarks" / "results" / "dub.json"
PARTS = (("ep01", 0.0, 45.9), ("ep02", 0.4, 14.5))  # (sample, from s, to s): cuts in silences, 60.0 s in all
VOICES = {"kokoro": "jm_kumo", "piper": "en_US-joe-medium"}
STAGES = ("tts.en", "fit.dub.en", "mix.en", "listen.en")
RATE_CARD = {"tts_second": "0.01", "compute_second": "0.002"}


def cut_and_join(ffmpeg: str, target: Path) -> None:
    """The parts of the samples back to back, small (the dub does not look at the picture)."""
    inputs, chains, joined = [], [], ""
    for n, (name, start, end) in enumerate(PARTS):
        inputs += ["-i", str(SAMPLES / f"{name}.mp4")]
        chains.append(f"[{n}:v]trim={start}:{end},setpts=PTS-STARTPTS,scale=270:480,setsar=1[v{n}];"
                      f"[{n}:a]atrim={start}:{end},asetpts=PTS-STARTPTS[a{n}]")
        joined += f"[v{n}][a{n}]"
    graph = ";".join(chains) + f";{joined}concat=n={len(PARTS)}:v=1:a=1[v][a]"
    subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-y", *inputs, "-filter_complex", graph,
                    "-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-preset", "superfast", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", str(target)], check=True)


def joined_lines(language: str) -> pysubs2.SSAFile:
    """The lines of each part in ``language``, moved to where the part starts in the joined episode."""
    joined, offset = pysubs2.SSAFile(), 0.0
    for name, start, end in PARTS:
        part = pysubs2.load(str(SAMPLES / f"{name}.{language}.srt"))
        part.events = [e for e in part.events if start * 1000 <= e.start and e.end <= end * 1000]
        part.shift(s=offset - start)
        joined.events += part.events
        offset += end - start
    return joined


def build_episode(folder: Path) -> float:
    """``ep.mp4``, ``ep.zh.srt`` and ``memory.tmx`` in ``folder``; the episode's seconds."""
    cut_and_join(find_ffmpeg(), folder / "ep.mp4")
    chinese, english = joined_lines("zh"), joined_lines("en")
    if [e.start for e in chinese] != [e.start for e in english]:
        raise SystemExit("the samples' Chinese and English subtitles no longer pair up line by line")
    chinese.save(str(folder / "ep.zh.srt"))
    units = [TranslationUnit(zh.plaintext, en.plaintext.replace("\n", " "), "zh-Hans", "en")
             for zh, en in zip(chinese.events, english.events, strict=True)]
    (folder / "memory.tmx").write_bytes(tmx_bytes(units))
    return sum(end - start for _, start, end in PARTS)


def write_job(folder: Path, engine: str) -> Path:
    card = ", ".join(f"{key}: '{price}'" for key, price in RATE_CARD.items())
    job = folder / f"{engine}.yaml"
    job.write_text("series: {title: Dub Bench}\nsource_language: zh-Hans\ntargets: [en]\n"
                   "episodes:\n  - {id: ep, video: ep.mp4, subtitles: ep.zh.srt}\n"
                   "translation: {engines: [tm], tm: [memory.tmx], tm_threshold: 75}\n"
                   f"dub: {{targets: [en], voice: {{engine: {engine}, voice: {VOICES[engine]}}}}}\n"
                   f"costs: {{rate_card: {{{card}}}}}\n", encoding="utf-8")
    return job


def run_job(job: Path, work: Path) -> tuple[dict[str, dict], int]:
    """The dub stages' rows of the run's JSON summary, and its exit code (1 for QC findings on lines that are not
    the dub's, say); a dub stage that did not run stops the benchmark."""
    done = subprocess.run([sys.executable, "-m", "localize", "run", str(job), "--work", str(work), "--json"],
                          capture_output=True, text=True, check=False)
    if not done.stdout.strip():
        raise SystemExit(f"{job.name}: run failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    stages = {s["stage"]: s for s in json.loads(done.stdout)["episodes"][0]["stages"]}
    statuses = {name: stages.get(name, {}).get("status") for name in STAGES}
    if set(statuses.values()) != {"ran"}:
        raise SystemExit(f"{job.name}: exit {done.returncode}, dub stages {statuses}:\n{done.stderr[-2000:]}")
    return {name: stages[name] for name in STAGES}, done.returncode


def dub_costs(work: Path) -> tuple[Decimal, Decimal]:
    """What the ledger bills for the dub stages, and the seconds of speech it says were synthesized."""
    with sqlite3.connect(work / "state.sqlite") as db:
        entries = [e for e in ledger.entries(db) if e["stage"] in STAGES]
    return (sum((Decimal(e["amount"]) for e in entries), Decimal(0)),
            sum((Decimal(e["quantity"]) for e in entries if e["item"] == TTS_ITEM), Decimal(0)))


def measure(folder: Path, engine: str, episode_s: float) -> dict:
    """One fresh dub of the episode with ``engine``: its stages' seconds and × real time, speech and cost."""
    report, code = run_job(write_job(folder, engine), folder / f"work-{engine}")
    cost, speech_s = dub_costs(folder / f"work-{engine}")
    per_minute = (cost * 60 / Decimal(str(episode_s))).quantize(Decimal("0.0001"))
    stages = {name: {"seconds": report[name]["seconds"], "x_real_time": round(episode_s / report[name]["seconds"], 2)}
              for name in STAGES}
    return {"voice": VOICES[engine], "exit": code, "stages": stages, "speech_s": str(speech_s),
            "cost": str(cost), "cost_per_minute": str(per_minute)}


def installed(engine: str) -> str | None:
    """Why ``engine`` cannot dub English here, or None when it can."""
    try:
        check_engine(engine, ["en"])
    except Unavailable as missing:
        return str(missing)
    return None


def print_table(episode_s: float, results: dict[str, dict], load: list[float]) -> None:
    print(f"dub of a {episode_s:.1f} s episode, {os.cpu_count()} CPUs (load average {load[0]} at the start); "
          f"× real time = episode s per wall s; rate card {RATE_CARD}")
    print(f"{'engine':>7} " + " ".join(f"{name + ' s':>12} {'×':>5}" for name in STAGES)
          + f" {'speech s':>9} {'cost':>6} {'cost/min':>9}")
    for engine, result in results.items():
        if "skipped" in result:
            print(f"{engine:>7} skipped: {result['skipped']}")
            continue
        cells = " ".join(f"{row['seconds']:>12.2f} {row['x_real_time']:>5.2f}" for row in result["stages"].values())
        print(f"{engine:>7} {cells} {result['speech_s']:>9} {result['cost']:>6} {result['cost_per_minute']:>9}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=",".join(VOICES), help="comma-separated: kokoro, piper")
    args = parser.parse_args()
    results: dict[str, dict] = {}
    load = [round(x, 2) for x in os.getloadavg()]  # wall seconds are only comparable on an otherwise idle machine
    with tempfile.TemporaryDirectory(prefix="dub-bench-") as temp:
        episode_s = build_episode(Path(temp))
        for engine in args.engines.split(","):
            missing = installed(engine)
            results[engine] = {"skipped": missing} if missing else measure(Path(temp), engine, episode_s)
    print_table(episode_s, results, load)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "episode_s": episode_s, "rate_card": RATE_CARD, "engines": results,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average": load},
    }, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"results: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
