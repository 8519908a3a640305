"""The translator's round trip at series scale: ``review export`` and ``review import`` of 100 episodes × 40 lines.

Target: under 10 s each way (export of both formats; import of every episode's file with three sentences edited).
The series is built at run time in a temp folder: one 100 s episode (a black 180x320 picture under a tone, made
with ffmpeg) with 40 imported Chinese lines, listed N times as episodes ep001…, a TMX memory translating every line
(TM-only English) and the sample glossary (so every unit carries term hints), then ``localize run --jobs 2``
(setup, not timed). Timed, in this process, through the functions the commands call: exporting XLIFF and XLSX
(``episode_reviews`` + ``export_reviews``), and importing the XLIFF files, then the XLSX files, each with three
targets edited (``check_review_files`` + ``record_imports``; the approvals files are removed between the two).

Record: ``benchmarks/results/review.json``. Run: ``python benchmarks/review.py [--episodes 100] [--lines 40]`` from
the repository root.
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from localize.job import load_job
from localize.media import find_ffmpeg
from localize.review_round import check_review_files, episode_reviews, export_reviews, record_imports
from localize.translate.tm import TranslationUnit
from localize.translate.tmx import tmx_bytes

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "review.json"
TARGET_S = 10.0
SLOT_S, SHOWN_S = 2.4, 1.8  # a line every 2.4 s, shown 1.8 s
LINES = [
    ("妈，祝你生日快乐。", "Happy birthday, Mom."),
    ("你这个废物，给我滚！", "Get out, you loser!"),
    ("三年了，你在我家吃白饭！", "Three years you've been freeloading off my family!"),
    ("你知道我是谁吗？", "Do you know who I am?"),
    ("天龙集团的董事长，就是我。", "I'm the chairman of Tianlong Group."),
    ("别碰我的女人！", "Don't touch my woman!"),
    ("今天的婚礼取消了。", "The wedding is off."),
    ("你根本配不上她。", "You don't deserve her."),
    ("我会让你后悔的。", "I'll make you regret this."),
    ("快叫医生来！", "Get a doctor, now!"),
]


def lines(count: int) -> list[tuple[str, str]]:
    """``count`` distinct sentences: the base lines with the scene number said first."""
    return [(f"第{i // len(LINES) + 1}场，{zh}", f"Scene {i // len(LINES) + 1}: {en}")
            for i, (zh, en) in ((i, LINES[i % len(LINES)]) for i in range(count))]


def clock(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02}:{ms // 60_000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"


def build_series(folder: Path, episodes: int, count: int) -> Path:
    ffmpeg = find_ffmpeg()
    said = lines(count)
    seconds = 1 + count * SLOT_S
    subprocess.run([ffmpeg, "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=black:s=180x320:r=5:d={seconds}", "-f", "lavfi", "-i", f"sine=f=300:d={seconds}",
                    "-c:v", "libx264", "-preset", "superfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest",
                    str(folder / "ep.mp4")], check=True)
    (folder / "ep.zh.srt").write_text("\n".join(
        f"{i + 1}\n{clock(1 + i * SLOT_S)} --> {clock(1 + i * SLOT_S + SHOWN_S)}\n{zh}\n"
        for i, (zh, _) in enumerate(said)), encoding="utf-8")
    (folder / "memory.tmx").write_bytes(tmx_bytes([TranslationUnit(zh, en, "zh-Hans", "en") for zh, en in said]))
    listed = "".join(f"  - {{id: ep{n:03d}, video: ep.mp4, subtitles: ep.zh.srt}}\n" for n in range(1, episodes + 1))
    job = folder / "job.yaml"
    job.write_text("series: {title: Review Bench}\nsource_language: zh-Hans\ntargets: [en]\n"
                   f"episodes:\n{listed}glossaries: [{ROOT / 'glossaries' / 'zh-en.micro-drama.yaml'}]\n"
                   "translation: {engines: [tm], tm: [memory.tmx], tm_threshold: 75}\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "localize", "run", str(job), "--jobs", "2"], capture_output=True,
                          text=True, check=False)
    if done.returncode not in (0, 1):  # 1: QC findings on the synthetic lines do not matter here
        raise SystemExit(f"setup run failed:\n{done.stderr[-2000:]}")
    return job


def edit_xliff(path: Path) -> Path:
    text = path.read_text(encoding="utf-8")
    for n in (1, 2, 3):
        start = text.index("<target>", text.index(f'<unit id="s{n * 7}">')) + len("<target>")
        text = text[:start] + "Edited: " + text[start:]
    edited = path.with_suffix(".edited.xlf")
    edited.write_text(text, encoding="utf-8")
    return edited


def edit_xlsx(path: Path) -> Path:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    target = header.index("target")
    for row in (8, 15, 22):
        cell = sheet.cell(row=row, column=target + 1)
        cell.value = f"Edited: {cell.value}"
    edited = path.with_suffix(".edited.xlsx")
    buffer = io.BytesIO()
    book.save(buffer)
    edited.write_bytes(buffer.getvalue())
    return edited


def round_trip(job_file: Path, kind: str, folder: Path, episodes: int) -> dict[str, float]:
    """Export every episode in one format, edit three sentences in each file, import them all: seconds of each."""
    job = load_job(job_file)
    work = job.default_work_dir
    started = time.perf_counter()
    reviews = episode_reviews(job, work, [(episode, "en") for episode in job.episodes])
    written = export_reviews(reviews, job, folder / kind, (kind,))
    exported = time.perf_counter()
    edited = [edit_xliff(p) if kind == "xliff" else edit_xlsx(p) for p in written]
    imported = time.perf_counter()
    results = check_review_files(job, work, edited)
    refused = [r for r in results if r.refused]
    if refused:
        raise SystemExit(f"import refused: {refused[0].problems[:3]}")
    record_imports(job, results)
    finished = time.perf_counter()
    approved = sum(len(r.round.units) for r in results if r.round)
    if approved != 3 * episodes:
        raise SystemExit(f"{kind}: {approved} sentences approved, expected {3 * episodes}")
    for path in (job_file.parent / "review" / job.name).glob("*.json"):
        path.unlink()
    return {f"export {kind}": exported - started, f"import {kind}": finished - imported}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=100)
    parser.add_argument("--lines", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="review-bench-") as temp:
        started = time.perf_counter()
        job_file = build_series(Path(temp), args.episodes, args.lines)
        setup_s = time.perf_counter() - started
        rows = round_trip(job_file, "xliff", Path(temp), args.episodes)
        rows |= round_trip(job_file, "xlsx", Path(temp), args.episodes)
    units = args.episodes * args.lines
    print(f"review round trip: {args.episodes} episodes × {args.lines} lines ({units} sentences); "
          f"setup {setup_s:.0f} s")
    print(f"{'step':<14}{'seconds':>9}{'ms/episode':>12}  target < {TARGET_S:.0f} s")
    for step, seconds in rows.items():
        verdict = "ok" if seconds < TARGET_S else "MISSED"
        print(f"{step:<14}{seconds:>9.2f}{1000 * seconds / args.episodes:>12.1f}  {verdict}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "episodes": args.episodes, "lines": args.lines, "target_s": TARGET_S,
        "seconds": {step: round(s, 3) for step, s in rows.items()},
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
    }, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
