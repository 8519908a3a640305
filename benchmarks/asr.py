"""ASR overhead benchmark: ``localize transcribe`` against a bare faster-whisper script.

What it measures: the wall time of two child processes that each transcribe the same 3 files with the
same model and settings (Whisper ``base`` from ``localize.model_cache.resolve_whisper_model``, CPU, int8,
``cpu_threads=os.cpu_count()``, language zh, beam 5, VAD on, word timestamps, no conditioning on earlier
text) and write one SRT per file:

* A: ``localize transcribe IN... -o DIR --language zh`` (the installed console script, as a user runs it);
* B: a ~30-line Python program that loads ``WhisperModel`` once and calls ``model.transcribe`` per file.

Each process loads the model once and handles all 3 inputs, so the times include interpreter start-up,
imports and model loading, as a user would see them. The runs are interleaved A, B, A, B… for N rounds
after an untimed warm-up of each (page cache, lazy imports); the report gives the median per tool, the
ratio localize/bare (target <= 1.05), the real-time factor (wall / seconds of audio), each child's
peak RSS and its CPU time (user + system, from ``os.wait4``; steadier than wall time when other work
shares the machine, so a CPU-time ratio is printed beside the wall-time one).

The inputs are ``samples/ep01.mp4`` (copied into a temp folder so a helper regenerating it cannot change
it mid-run) and two clips cut from it with ffmpeg: the first 20 s and the last 25 s, re-encoded.

The table goes to stdout and the full record to ``benchmarks/results/asr.json``. The exit status is 0
whether or not the target is met: this reports, it does not gate.

Run: ``python benchmarks/asr.py [--rounds N] [--warmup N]`` from the repository root (the model must be
installed: ``pip install 'localize[models]'``; both children run with ``HF_HUB_OFFLINE=1``).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import av

from localize.media import find_ffmpeg
from localize.model_cache import resolve_whisper_model

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "ep01.mp4"
RESULTS = ROOT / "benchmarks" / "results" / "asr.json"
MODEL = "base"
LANGUAGE = "zh"
TARGET_RATIO = 1.05

# The bare baseline: faster-whisper with exactly the settings `localize transcribe --language zh` uses
# (localize/asr.py: WhisperEngine.load + WhisperEngine.transcribe). argv: MODEL_DIR OUT_DIR INPUT...
BARE_SCRIPT = '''
import os, sys
from pathlib import Path
from faster_whisper import WhisperModel

def stamp(seconds):
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"

model_dir, out_dir, *inputs = sys.argv[1:]
model = WhisperModel(model_dir, device="cpu", compute_type="int8",
                     cpu_threads=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
for path in inputs:
    segments, _ = model.transcribe(path, language="zh", beam_size=5, vad_filter=True, word_timestamps=True,
                                   condition_on_previous_text=False, temperature=0.0)
    blocks = [f"{i}\\n{stamp(s.start)} --> {stamp(s.end)}\\n{s.text.strip()}\\n"
              for i, s in enumerate(segments, 1)]
    target = Path(out_dir) / (Path(path).stem + ".srt")
    target.write_text("\\n".join(blocks), encoding="utf-8")
    print(target)
'''


@dataclass(frozen=True)
class Input:
    path: str
    seconds: float


@dataclass(frozen=True)
class Run:
    tool: str
    round: int  # 0-based; warm-up runs are negative
    seconds: float
    cpu_seconds: float  # user + system time of the child and its children: steadier than wall on a busy machine
    peak_rss_mb: float
    outputs: int  # non-empty .srt files written


def media_seconds(path: Path) -> float:
    """Duration of the file's audio stream (container duration when the stream has none)."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        return container.duration / av.time_base


def make_inputs(folder: Path) -> list[Path]:
    """The sample plus two re-encoded cuts of it: the first 20 s and the last 25 s."""
    ffmpeg = find_ffmpeg()
    whole = folder / "ep01.mp4"
    shutil.copyfile(SAMPLE, whole)
    cuts = {"ep01_head20.mp4": ["-t", "20", "-i", str(whole)], "ep01_tail25.mp4": ["-sseof", "-25", "-i", str(whole)]}
    paths = [whole]
    for name, selection in cuts.items():
        target = folder / name
        subprocess.run([ffmpeg, "-hide_banner", "-loglevel", "error", "-y", *selection, "-c:v", "libx264",
                        "-preset", "ultrafast", "-c:a", "aac", "-b:a", "128k", str(target)], check=True)
        paths.append(target)
    return paths


def child_env() -> dict[str, str]:
    # Children keep Python's bytecode cache, as every user install does (some sandboxes disable it, which
    # would charge localize, the larger package, for recompiling itself on every run).
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def localize_command(inputs: list[Path], out_dir: Path) -> list[str]:
    script = Path(sys.executable).parent / ("localize.exe" if os.name == "nt" else "localize")
    launcher = [str(script)] if script.is_file() else [sys.executable, "-m", "localize"]
    return [*launcher, "transcribe", *map(str, inputs), "-o", str(out_dir), "--language", LANGUAGE]


def bare_command(inputs: list[Path], out_dir: Path, model_dir: str) -> list[str]:
    return [sys.executable, "-c", BARE_SCRIPT, model_dir, str(out_dir), *map(str, inputs)]


def timed_child(command: list[str], log: Path) -> tuple[float, float, float]:
    """Run a command to completion; return (wall seconds, CPU seconds, peak RSS in MB). Raise if it fails."""
    with log.open("wb") as sink:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=child_env())
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    if process.returncode != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{command[0]} exited {process.returncode}:\n{tail}")
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    rss_mb = usage.ru_maxrss / (1 << 20) if sys.platform == "darwin" else usage.ru_maxrss / 1024
    return seconds, usage.ru_utime + usage.ru_stime, rss_mb


def run_tool(tool: str, round_no: int, inputs: list[Path], work: Path, model_dir: str) -> Run:
    out_dir = work / f"{tool}-{round_no}"
    out_dir.mkdir()
    command = localize_command(inputs, out_dir) if tool == "localize" else bare_command(inputs, out_dir, model_dir)
    seconds, cpu_seconds, rss_mb = timed_child(command, work / f"{tool}-{round_no}.log")
    written = sum(1 for p in out_dir.glob("*.srt") if p.stat().st_size > 0)
    if written != len(inputs):
        raise RuntimeError(f"{tool} wrote {written} non-empty SRT files for {len(inputs)} inputs ({out_dir})")
    print(f"  {'warm-up' if round_no < 0 else f'round {round_no + 1}'}: {tool:<8} {seconds:7.2f} s wall  "
          f"{cpu_seconds:7.2f} s CPU  {rss_mb:6.0f} MB", flush=True)
    return Run(tool, round_no, round(seconds, 3), round(cpu_seconds, 3), round(rss_mb, 1), written)


def machine_info() -> dict[str, object]:
    def version(dist: str) -> str:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return "not installed"

    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "faster_whisper": version("faster-whisper"),
        "ctranslate2": version("ctranslate2"),
        "localize": version("localize"),
        "load_average_at_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def summarize(runs: list[Run], audio_seconds: float) -> dict[str, object]:
    timed = [r for r in runs if r.round >= 0]
    medians = {tool: statistics.median(r.seconds for r in timed if r.tool == tool) for tool in ("localize", "bare")}
    cpu = {tool: statistics.median(r.cpu_seconds for r in timed if r.tool == tool) for tool in medians}
    ratio = medians["localize"] / medians["bare"]
    return {
        "median_seconds": {tool: round(s, 3) for tool, s in medians.items()},
        "min_seconds": {tool: min(r.seconds for r in timed if r.tool == tool) for tool in medians},
        "median_cpu_seconds": {tool: round(s, 3) for tool, s in cpu.items()},
        "cpu_ratio": round(cpu["localize"] / cpu["bare"], 4),
        "rtf": {tool: round(s / audio_seconds, 4) for tool, s in medians.items()},
        "peak_rss_mb": {tool: max(r.peak_rss_mb for r in runs if r.tool == tool) for tool in medians},
        "ratio": round(ratio, 4),
        "target_ratio": TARGET_RATIO,
        "passed": ratio <= TARGET_RATIO,
    }


def table(rows: list[list[str]]) -> str:
    """Plain text, first column left-aligned and the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def report(runs: list[Run], summary: dict, rounds: int) -> str:
    timed = [r for r in runs if r.round >= 0]
    header = ["tool", *(f"round {i + 1} s" for i in range(rounds)), "median s", "min s", "RTF", "median CPU s",
              "peak RSS MB"]
    rows = [header]
    for tool in ("localize", "bare"):
        times = [f"{r.seconds:.2f}" for r in sorted((r for r in timed if r.tool == tool), key=lambda r: r.round)]
        rows.append([tool, *times, f"{summary['median_seconds'][tool]:.2f}", f"{summary['min_seconds'][tool]:.2f}",
                     f"{summary['rtf'][tool]:.3f}",
                     f"{summary['median_cpu_seconds'][tool]:.2f}", f"{summary['peak_rss_mb'][tool]:.0f}"])
    verdict = "PASS" if summary["passed"] else "FAIL (target missed)"
    return (f"{table(rows)}\n\nratio localize/bare = {summary['ratio']:.3f} "
            f"(target <= {TARGET_RATIO:.2f}): {verdict}\n"
            f"CPU-time ratio localize/bare = {summary['cpu_ratio']:.3f} (informative: less sensitive to other load)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed A/B rounds (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed A/B rounds first (default 1)")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.warmup < 0:
        parser.error("--rounds must be >= 1 and --warmup >= 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ["HF_HUB_OFFLINE"] = "1"
    machine = machine_info()
    load = machine["load_average_at_start"]
    if isinstance(load, list) and load[0] > 0.5 * (os.cpu_count() or 1):
        print(f"note: the machine is busy (1-min load {load[0]:.2f} on {os.cpu_count()} CPUs): wall times will be "
              "noisy; compare the CPU-time ratio and the min column too", flush=True)
    model_dir = resolve_whisper_model(MODEL)
    with tempfile.TemporaryDirectory(prefix="localize-asr-bench-") as temp:
        work = Path(temp)
        inputs = make_inputs(work)
        described = [Input(p.name, round(media_seconds(p), 3)) for p in inputs]
        audio_seconds = sum(i.seconds for i in described)
        print(f"model {MODEL} ({model_dir}); {len(inputs)} inputs, {audio_seconds:.1f} s of audio: "
              + ", ".join(f"{i.path} {i.seconds:.1f} s" for i in described), flush=True)
        runs = [run_tool(tool, round_no, inputs, work, model_dir)
                for round_no in [*range(-args.warmup, 0), *range(args.rounds)] for tool in ("localize", "bare")]
    summary = summarize(runs, audio_seconds)
    record = {
        "benchmark": "localize transcribe vs bare faster-whisper",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine,
        "settings": {"model": MODEL, "model_dir": model_dir, "device": "cpu", "compute_type": "int8",
                     "cpu_threads": os.cpu_count(), "language": LANGUAGE, "beam_size": 5, "vad_filter": True,
                     "word_timestamps": True, "condition_on_previous_text": False, "temperature": 0.0,
                     "rounds": args.rounds, "warmup_rounds": args.warmup, "order": "localize then bare each round"},
        "inputs": [asdict(i) for i in described],
        "audio_seconds": round(audio_seconds, 3),
        "runs": [asdict(r) for r in runs],
        **summary,
        "load_average_at_end": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print()
    print(report(runs, summary, args.rounds))
    print(f"results: {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
