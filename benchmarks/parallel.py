"""Parallel episodes: how much faster ``localize run JOB --jobs 2`` is than ``--jobs 1``, with the same bytes out.

Target: at least 1.6× on 2 cores; the ``ceiling`` line says what a perfect scheduler could reach at most (the cores
over the cores the ``--jobs 1`` run already kept busy: ffmpeg decodes with threads of its own). The series is built
at run time in a temp folder: N episodes of 16–21 s made with ffmpeg (9:16 test patterns cut together between lines,
so shot detection finds scene changes, under a quiet tone), each with imported Chinese subtitles (so no Whisper
model is needed) whose lines differ per episode, one TMX memory translating every line into English (TM-only
translation) and the ``youtube-shorts`` delivery profile: every episode runs ingest, shots, import, source_cues,
draft.en, fit.en and package.youtube-shorts. ``--frame`` picks the source frame: 1080x1920 (default, what the
platforms take: packaging stream-copies the picture) or e.g. 360x640 (packaging scales it to 1080x1920 and
re-encodes with libx264 medium).

The job is checked with ``localize job check``; then ``python -m localize run JOB --work DIR --jobs J --json`` runs
as a user would type it, into a fresh work dir each time, ``--jobs 1`` and ``--jobs 2`` alternating for R rounds.
The table shows the best wall time of each (other processes on the machine only ever add time), the median, and the
CPU seconds of the run and its children (ffmpeg runs threads of its own: CPU ÷ wall says how much of the machine one
run already kept busy); then each stage's seconds summed over the episodes, from the ``--json`` summaries of the
best runs. Every ``--jobs 2`` work dir must hold the same bytes as the ``--jobs 1`` one of its round: every file but
``*.sqlite*``, ``run.lock`` and ``report/``, manifests without ``created``. A failed run or a difference exits 1; a
missed target does not. On Linux, column ``others`` is the share of the machine's CPU time that other processes took
during the run (``/proc/stat``'s busy time less the run's own): above 5 % a warning says the machine was shared, and
the speed-up then says little.

Record: ``benchmarks/results/parallel.json``. Run: ``python benchmarks/parallel.py [--episodes 12] [--repeat 2]
[--frame 1080x1920]`` from the repository root (Linux or macOS: needs ``resource``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import yaml

from localize.media import find_ffmpeg
from localize.translate.tm import TranslationUnit
from localize.translate.tmx import tmx_bytes

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "parallel.json"
TARGET_SPEEDUP = 1.6  # on 2 cores
SHARED = 0.05  # other processes' share of the machine's CPU time over which a run's timing is suspect
FPS = 25
# The first line at 1 s, then one every 2.4 s, each shown for 1.8 s (within both languages' reading speeds);
# 0.5 s after the last: 15.9 to 20.7 s an episode.
LEAD_S, CUE_SLOT_S, CUE_S, TAIL_S = 1.0, 2.4, 1.8, 0.5
IGNORED = ("run.lock",)  # besides *.sqlite* (the state, with timestamps) and report/ (the run's own times)

# Short lines of micro-drama dialogue with their approved English; episode n says lines n·5 … n·5+k (wrapping).
LINES = [
    ("妈，祝你生日快乐。", "Happy birthday, Mom."),
    ("你这个废物，给我滚！", "Get out, you loser!"),
    ("三年了，我受够了。", "Three years. I've had enough."),
    ("你知道我是谁吗？", "Do you know who I am?"),
    ("这份合同我不签。", "I won't sign this contract."),
    ("林总，车已经到了。", "Mr. Lin, the car is here."),
    ("别碰我的女人！", "Don't touch my woman!"),
    ("今天的婚礼取消了。", "The wedding is off."),
    ("你根本配不上她。", "You don't deserve her."),
    ("我会让你后悔的。", "I'll make you regret this."),
    ("这块玉佩是我妈的。", "This jade was my mother's."),
    ("快叫医生来！", "Get a doctor, now!"),
    ("对不起，是我错了。", "I'm sorry. I was wrong."),
    ("整个公司都是我的。", "The whole company is mine."),
    ("你骗了我这么多年！", "You lied to me for years!"),
    ("跪下，给我道歉。", "Kneel and apologise."),
    ("我一直在等你回来。", "I've been waiting for you."),
    ("这杯酒我敬你。", "A toast to you."),
    ("他才是真正的少爷。", "He's the real young master."),
    ("放开她，否则你会死。", "Let her go or you die."),
    ("我们离婚吧。", "Let's get divorced."),
    ("孩子是你的。", "The child is yours."),
    ("给你五分钟。", "You have five minutes."),
    ("那个秘密我不能说。", "I can't tell that secret."),
    ("保安，把他扔出去！", "Security, throw him out!"),
    ("我爸不会放过你的。", "My father won't let this go."),
    ("原来你一直在装。", "So you were pretending."),
    ("明天董事会见。", "See you at the board tomorrow."),
    ("谁敢动她一下试试？", "Who dares lay a hand on her?"),
    ("我终于找到你了。", "I finally found you."),
    ("这是你欠我的。", "This is what you owe me."),
    ("从今天起，你自由了。", "From today, you're free."),
]
SCENES = ["testsrc2=", "smptehdbars=", "testsrc=", "rgbtestsrc=", "color=c={colour}:"]  # options follow
COLOURS = ["navy", "darkred", "olive", "teal", "purple", "sienna"]


def episode_lines(number: int) -> list[tuple[str, str]]:
    """Six to eight lines, a different run of them for each episode."""
    count = 6 + number % 3
    return [LINES[(number * 5 + i) % len(LINES)] for i in range(count)]


def timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    return f"{millis // 3_600_000:02}:{millis // 60_000 % 60:02}:{millis // 1000 % 60:02},{millis % 1000:03}"


def srt(lines: list[tuple[str, str]]) -> str:
    cues = []
    for index, (chinese, _) in enumerate(lines):
        start = LEAD_S + index * CUE_SLOT_S
        cues.append(f"{index + 1}\n{timestamp(start)} --> {timestamp(start + CUE_S)}\n{chinese}\n")
    return "\n".join(cues)


def cuts(count: int) -> list[float]:
    """Scene changes in the middle of every second gap between lines, where snapping to them moves no cue."""
    return [LEAD_S + k * CUE_SLOT_S - (CUE_SLOT_S - CUE_S) / 2 for k in range(2, count, 2)]


def make_video(ffmpeg: str, target: Path, number: int, count: int, frame: str) -> None:
    """Test patterns cut together (scene changes for ``shots``) under a sine tone at about -20 dBFS."""
    seconds = LEAD_S + count * CUE_SLOT_S + TAIL_S
    bounds = [0.0, *cuts(count), seconds]
    inputs: list[str] = []
    for i, (start, end) in enumerate(zip(bounds, bounds[1:], strict=False)):
        scene = SCENES[(number + i) % len(SCENES)].format(colour=COLOURS[number % len(COLOURS)])
        inputs += ["-f", "lavfi", "-i", f"{scene}s={frame}:r={FPS}:d={end - start:.3f}"]
    scenes = len(bounds) - 1
    inputs += ["-f", "lavfi", "-i", f"sine=f={220 + 30 * number}:r=48000:d={seconds:.3f}"]
    chains = "".join(f"[{i}:v]format=yuv420p,setsar=1[v{i}];" for i in range(scenes))
    joined = "".join(f"[v{i}]" for i in range(scenes))
    graph = f"{chains}{joined}concat=n={scenes}:v=1:a=0[v];[{scenes}:a]volume=0.14[a]"
    # superfast, not ultrafast: its stream is H.264 High, which youtube-shorts takes as it is (stream copy)
    encode = ["-c:v", "libx264", "-preset", "superfast", "-profile:v", "high", "-pix_fmt", "yuv420p",
              "-c:a", "aac", "-b:a", "128k", "-shortest"]
    made = subprocess.run([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs, "-filter_complex",
                           graph, "-map", "[v]", "-map", "[a]", *encode, str(target)],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        sys.exit(f"ffmpeg could not make {target.name}:\n{made.stderr}")


def make_series(folder: Path, episodes: int, frame: str) -> Path:
    """The episodes, their subtitles, the memory and the job file in ``folder``; returns the job file."""
    ffmpeg = find_ffmpeg()
    units: dict[str, TranslationUnit] = {}
    entries = []
    for number in range(1, episodes + 1):
        lines = episode_lines(number)
        episode = f"ep{number:02}"
        make_video(ffmpeg, folder / f"{episode}.mp4", number, len(lines), frame)
        (folder / f"{episode}.zh.srt").write_text(srt(lines), encoding="utf-8")
        for chinese, english in lines:
            units[chinese] = TranslationUnit(chinese, english, "zh-Hans", "en", origin="benchmarks/parallel.py",
                                             approved=True, created="2025-01-01T00:00:00Z")
        entries.append({"id": episode, "video": f"{episode}.mp4", "subtitles": f"{episode}.zh.srt"})
    (folder / "memory.tmx").write_bytes(tmx_bytes(list(units.values())))
    job = {
        "name": "parallel",
        "series": {"title": "Parallel Benchmark", "original_title": "并行测试", "first_producer": "localize benchmarks",
                   "licence": "BENCH-0000"},
        "source_language": "zh-Hans",
        "targets": ["en"],
        "episodes": entries,
        "glossaries": [],
        "translation": {"engines": ["tm"], "tm": ["memory.tmx"], "tm_threshold": 75},
        "delivery": ["youtube-shorts"],
    }
    path = folder / "parallel.yaml"
    path.write_text(yaml.safe_dump(job, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def localize(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The CLI as a user runs it, in a process of its own (its start-up is part of what a user waits for)."""
    return subprocess.run([sys.executable, "-m", "localize", *map(str, args)], capture_output=True, text=True,
                          check=False)


def child_cpu() -> float:
    """CPU seconds of the finished children (a run, its pool workers and their ffmpeg processes, once reaped)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def machine_cpu() -> float | None:
    """CPU seconds every process has used since boot (Linux's ``/proc/stat``; None elsewhere)."""
    try:
        user, nice, system, _idle, _iowait, irq, softirq = map(int, Path("/proc/stat").read_text().split()[1:8])
    except OSError:
        return None
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def run(job: Path, work: Path, jobs: int) -> dict:
    """One ``localize run`` into a fresh ``work``: its wall and CPU seconds, other processes' CPU seconds meanwhile,
    and its ``--json`` summary."""
    machine, cpu, started = machine_cpu(), child_cpu(), time.perf_counter()
    result = localize("run", job, "--work", work, "--jobs", str(jobs), "--json")
    wall, cpu = time.perf_counter() - started, child_cpu() - cpu
    if result.returncode != 0:
        sys.exit(f"localize run --jobs {jobs} failed (exit {result.returncode}):\n{result.stderr[-4000:]}")
    after = machine_cpu()
    others = None if machine is None or after is None else round(max(0.0, after - machine - cpu), 3)
    return {"wall_s": wall, "cpu_s": cpu, "others_cpu_s": others, "summary": json.loads(result.stdout)}


def others_share(run: dict) -> float | None:
    """The share of the machine's CPU time that other processes took during ``run``."""
    others = run["others_cpu_s"]
    return None if others is None else others / (run["wall_s"] * (os.cpu_count() or 1))


def contents(work: Path) -> dict[str, bytes]:
    """Every compared file's bytes by relative path; manifests without their ``created`` time."""
    found = {}
    for path in sorted(work.rglob("*")):
        if not path.is_file() or ".sqlite" in path.name or path.name in IGNORED or path.parent.name == "report":
            continue
        data = path.read_bytes()
        if path.name == "manifest.json":
            manifest = json.loads(data)
            manifest.pop("created", None)
            data = json.dumps(manifest, sort_keys=True).encode()
        found[str(path.relative_to(work))] = data
    return found


def differences(first: Path, second: Path) -> list[str]:
    """What is missing from either work dir or holds other bytes: --jobs must not change a single output."""
    one, two = contents(first), contents(second)
    return ([f"only in --jobs 1: {name}" for name in sorted(one.keys() - two.keys())]
            + [f"only in --jobs 2: {name}" for name in sorted(two.keys() - one.keys())]
            + [f"differs: {name}" for name in sorted(one.keys() & two.keys()) if one[name] != two[name]])


def stage_seconds(summary: dict) -> dict[str, list[float]]:
    """Each stage's seconds, one per episode (stage names without the episode)."""
    seconds: dict[str, list[float]] = defaultdict(list)
    for episode in summary["episodes"]:
        for stage in episode["stages"]:
            seconds[stage["stage"]].append(stage["seconds"])
    return dict(seconds)


def measure(job: Path, folder: Path, repeat: int) -> dict[int, list[dict]]:
    """``repeat`` rounds of ``--jobs 1`` then ``--jobs 2``; exits when a round's two work dirs differ."""
    runs: dict[int, list[dict]] = {1: [], 2: []}
    for round_ in range(repeat):
        for jobs in (1, 2):
            runs[jobs].append(run(job, folder / f"work-{round_}-j{jobs}", jobs))
        found = differences(folder / f"work-{round_}-j1", folder / f"work-{round_}-j2")
        if found:
            sys.exit("--jobs 2 wrote other bytes than --jobs 1:\n" + "\n".join(found[:50]))
    return runs


def ceiling_speedup(serial: dict) -> float:
    """The most any ``--jobs N`` could gain over the serial run ``serial``: the machine's cores over the cores that
    run already kept busy (its CPU seconds over its wall seconds), as the same CPU work cannot finish sooner."""
    return (os.cpu_count() or 1) / (serial["cpu_s"] / serial["wall_s"])


def shown(runs: dict[int, list[dict]], best: dict[int, dict], args: argparse.Namespace) -> str:
    """The printed tables: the two variants, then the stages of their best runs."""
    lines = [f"{args.episodes} episodes, {args.frame}, {os.cpu_count()} CPUs, best of {args.repeat}",
             f"{'variant':<10}{'best s':>9}{'median s':>10}{'cpu s':>8}{'cpu/wall':>10}{'others':>8}{'speed-up':>10}"]
    for jobs, rounds in runs.items():
        median = statistics.median(r["wall_s"] for r in rounds)
        share = others_share(best[jobs])
        lines.append(f"--jobs {jobs:<3}{best[jobs]['wall_s']:>9.2f}{median:>10.2f}{best[jobs]['cpu_s']:>8.1f}"
                     f"{best[jobs]['cpu_s'] / best[jobs]['wall_s']:>10.2f}{'?' if share is None else f'{share:.0%}':>8}"
                     f"{best[1]['wall_s'] / best[jobs]['wall_s']:>9.2f}×")
    stages = {jobs: stage_seconds(run["summary"]) for jobs, run in best.items()}
    lines += ["", f"{'stage, s summed over episodes':<32}{'--jobs 1':>10}{'--jobs 2':>10}{'ep01 --jobs 1':>15}"]
    for name, seconds in stages[1].items():
        lines.append(f"{name:<32}{sum(seconds):>10.2f}{sum(stages[2].get(name, [])):>10.2f}{seconds[0]:>15.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=2, help="rounds of --jobs 1 then --jobs 2")
    parser.add_argument("--frame", default="1080x1920", help="source frame WxH, 9:16")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-parallel.") as temp:
        job = make_series(Path(temp), args.episodes, args.frame)
        check = localize("job", "check", job)
        if check.returncode != 0:
            sys.exit(f"localize job check failed (exit {check.returncode}):\n{check.stderr}")
        runs = measure(job, Path(temp), args.repeat)
    best = {jobs: min(rounds, key=lambda r: r["wall_s"]) for jobs, rounds in runs.items()}
    speedup = best[1]["wall_s"] / best[2]["wall_s"]
    ceiling = ceiling_speedup(best[1])
    print(shown(runs, best, args))
    print(f"\nspeed-up {speedup:.2f}× (target ≥ {TARGET_SPEEDUP}× on 2 cores: "
          f"{'met' if speedup >= TARGET_SPEEDUP else 'missed'}); outputs byte-identical")
    print(f"ceiling {ceiling:.2f}×: --jobs 1 already kept {best[1]['cpu_s'] / best[1]['wall_s']:.2f} of "
          f"{os.cpu_count()} cores busy (ffmpeg's own threads), so no scheduler could do better than this")
    shares = [share for rounds in runs.values() for r in rounds if (share := others_share(r)) is not None]
    if shares and max(shares) > SHARED:
        print(f"warning: other processes took up to {max(shares):.0%} of the machine's CPU time during a run "
              "('others'): the timings are not the code's alone")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "episodes": args.episodes, "repeat": args.repeat, "frame": args.frame, "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "runs": {f"jobs{jobs}": [{key: round(r[key], 3) for key in ("wall_s", "cpu_s", "others_cpu_s")}
                                 | {"localize_s": r["summary"]["seconds"]} for r in rounds]
                 for jobs, rounds in runs.items()},
        "best_wall_s": {f"jobs{jobs}": round(r["wall_s"], 3) for jobs, r in best.items()},
        "stage_seconds": {f"jobs{jobs}": stage_seconds(r["summary"]) for jobs, r in best.items()},
        "speedup": round(speedup, 3), "ceiling_speedup": round(ceiling, 3),
        "round_speedups": [round(one["wall_s"] / two["wall_s"], 3) for one, two in zip(runs[1], runs[2], strict=True)],
        "others_share_max": round(max(shares), 3) if shares else None,
        "target_speedup": TARGET_SPEEDUP, "met": speedup >= TARGET_SPEEDUP, "identical_outputs": True,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"results: {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
