"""Packaging benchmark on samples/ep01.mp4: soft-subtitle mux speed and burn-in + masking overhead.

The ffmpeg commands timed are the ones the product runs, built by ``package.mux_command`` and
``burn.burn_command`` (which also write the files ffmpeg reads), so nothing is copied. The comparison commands
are derived from those by swapping one run of arguments built by the project's own functions
(``burn.audio_args``, ``burn.filtergraph``):

* soft, stream copy (target >= 200× real time): ``package.mux_command``'s command with the audio copied too,
  so nothing is encoded: what a mux costs;
* soft, as shipped: ``package.mux_command``'s command itself, whose audio goes through the loudness filter and AAC;
* burn (target <= 1.1× bare): ``burn.burn_command``'s command (mask + libass + libx264), against bare: the same command
  without the filtergraph (same encode args, same audio handling), and burn with subtitles only (no mask);
* loudness analysis: ``loudness.normalize_filter``, the measuring pass every package runs first;
* whole CLI, for information: ``localize package`` (Python start-up, loudness pass, the encode, package QC;
  the burn is given ep01's band, so the OCR band search that profile band ``auto`` runs is not in it).

Every row runs once as a warm-up, then N rounds run all rows in turn; the table shows medians of wall time and
of CPU time (user + system of the child processes: steadier than wall time on a busy machine). The record goes
to ``benchmarks/results/package.json``; exit 0 whether or not the targets are met.
Run: ``python benchmarks/package.py [--rounds N]`` from the repository root (Linux or macOS: needs ``resource``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from localize.formats import read_track
from localize.media import find_ffmpeg, probe
from localize.model import Track
from localize.package import build as package
from localize.package import burn, loudness
from localize.package.audio import ORIGINAL, SoundTrack, sound_args
from localize.package.profiles import DeliveryProfile, load_delivery_profile
from localize.subtitles.profiles import screen, shipped_profiles

ROOT = Path(__file__).resolve().parent.parent
VIDEO = ROOT / "samples" / "ep01.mp4"
RESULTS = ROOT / "benchmarks" / "results" / "package.json"
SOFT, BURNED = "youtube-shorts", "vertical-app"
# ep01's Chinese subtitles sit at y≈1640-1700: the band tests/test_package.py checks. A fixed band keeps the OCR
# band search (profile band "auto") out of the timings; it is not part of the encode.
SAMPLE_BAND = (1600, 1760)
TARGETS = {"soft_copy_x_realtime": 200.0, "burn_over_bare": 1.1}
EN_SRT = ("1\n00:00:01,040 --> 00:00:02,760\nHappy birthday, Mom.\n\n2\n00:00:03,400 --> 00:00:05,760\n"
          "You useless son-in-law!\n\n3\n00:00:06,320 --> 00:00:09,120\nThree years. Nothing.\n")


@dataclass(frozen=True)
class Command:
    """An ffmpeg command line and the folder it runs in (burn's filtergraph names burn.ass and fonts/ relatively)."""

    argv: list[str]
    cwd: Path | None = None

    def run(self) -> None:
        subprocess.run(self.argv, check=True, capture_output=True, cwd=self.cwd)

    def swapped(self, old: list[str], new: list[str]) -> Command:
        """The command with the run of arguments ``old`` (which must be there) replaced by ``new``."""
        for i in range(len(self.argv) - len(old) + 1):
            if self.argv[i:i + len(old)] == old:
                return Command(self.argv[:i] + new + self.argv[i + len(old):], self.cwd)
        raise ValueError(f"{old} is not in the command {self.argv}")

    def writing(self, target: Path) -> Command:
        """The same command writing ``target`` (the output is the last argument of every command here)."""
        return Command(self.argv[:-1] + [str(target)], self.cwd)


def original_sound(audio_filter: str) -> list[SoundTrack]:
    """The episode's own sound with its loudness pass, the one track a package without a dub carries."""
    return [SoundTrack("zh", ORIGINAL, None, audio_filter)]


def mux_command(track: Track, profile: DeliveryProfile, ffmpeg: str, audio_filter: str, work: Path) -> Command:
    """The command ``package._mux`` runs for ``track`` (soft mov_text, loudness-normalised AAC)."""
    inputs = work / "mux"
    inputs.mkdir()
    return Command(package.mux_command(VIDEO, [track], profile, work / "soft.mp4", package.Release("ep01"),
                                       ffmpeg, inputs, original_sound(audio_filter)))


def burn_command(track: Track, profile: DeliveryProfile, ffmpeg: str, audio_filter: str, work: Path) -> Command:
    """The command ``burn.burn`` runs for ``track`` on the sample's band (metadata tags left out: no cost)."""
    clearance = int(shipped_profiles()["burned_in_clearance_px"])
    folder = work / "burn"
    folder.mkdir()
    return Command(burn.burn_command(VIDEO, track, profile, SAMPLE_BAND, screen(profile.subtitle_profile), clearance,
                                     work / "burn.mp4", ffmpeg, [], original_sound(audio_filter), folder), folder)


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall seconds and child-process CPU seconds of ``action``."""
    cpu, start = child_cpu(), time.perf_counter()
    action()
    return time.perf_counter() - start, child_cpu() - cpu


@dataclass(frozen=True)
class Row:
    """One line of the table: what it measures, and the command (or call) it times."""

    label: str
    command: Command | None = None
    call: Callable[[], object] | None = None

    def run(self) -> None:
        if self.command is not None:
            self.command.run()
        elif self.call is not None:
            self.call()


def rows(work: Path, ffmpeg: str) -> dict[str, Row]:
    """Every measured row by key, in the order a round runs them."""
    soft, burned = load_delivery_profile(SOFT), load_delivery_profile(BURNED)
    srt = work / "en.srt"
    srt.write_text(EN_SRT, encoding="utf-8")
    track = read_track(srt, "en")

    def analysis(profile: DeliveryProfile) -> str:
        return loudness.normalize_filter(VIDEO, profile.target_lufs, profile.true_peak_dbtp, ffmpeg,
                                         profile.sample_rate)

    soft_filter, burn_filter = analysis(soft), analysis(burned)
    mux = mux_command(track, soft, ffmpeg, soft_filter, work)
    encode = sound_args(original_sound(soft_filter), soft, first_input=2).codecs
    copy = mux.swapped(encode, ["-c:a", "copy"]).writing(work / "soft-copy.mp4")
    burning = burn_command(track, burned, ffmpeg, burn_filter, work)
    graph = burn.filtergraph(burned.mask_method, SAMPLE_BAND)
    bare = burning.swapped(["-filter_complex", graph, "-map", "[v]"], ["-map", "0:v:0"]).writing(work / "bare.mp4")
    subs_only = burning.swapped(["-filter_complex", graph],
                                ["-filter_complex", burn.filtergraph(burned.mask_method, None)])
    cli = [sys.executable, "-m", "localize", "package", str(VIDEO), "--subs", f"en={srt}", "--profile"]
    return {
        "loudness": Row("loudness analysis (loudnorm pass 1)", call=lambda: analysis(burned)),
        "soft_copy": Row("soft mux, stream copy (-c:a copy)", copy),
        "soft_mux": Row("soft mux as shipped (AAC + loudnorm)", mux),
        "bare": Row(f"bare libx264 {burned.video_preset} (same args)", bare),
        "burn": Row(f"burn: {burned.mask_method} mask + subtitles", burning),
        "burn_subs_only": Row("burn: subtitles only (band None)", subs_only.writing(work / "subs-only.mp4")),
        "cli_soft": Row(f"CLI localize package {SOFT}", Command([*cli, SOFT, "-o", str(work / "cli-soft")])),
        "cli_burn": Row(f"CLI localize package {BURNED}", Command([*cli, BURNED, "-o", str(work / "cli-burn"),
                                                                    "--mask-band", "{}:{}".format(*SAMPLE_BAND)])),
    }


Runs = dict[str, dict[str, list[float]]]  # row key → {"wall_s": [...], "cpu_s": [...]}, one entry per round


def measure(table: dict[str, Row], rounds: int) -> Runs:
    """Wall and CPU seconds per round for every row, after one warm-up run of each (page cache, imports, fonts)."""
    for row in table.values():
        row.run()
    runs: Runs = {key: {"wall_s": [], "cpu_s": []} for key in table}
    for _ in range(rounds):
        for key, row in table.items():
            wall, cpu = timed(row.run)
            runs[key]["wall_s"].append(wall)
            runs[key]["cpu_s"].append(cpu)
    return runs


def medians(runs: Runs, kind: str) -> dict[str, float]:
    """Median ``kind`` ("wall_s" or "cpu_s") of every row."""
    return {key: statistics.median(samples[kind]) for key, samples in runs.items()}


def shortened(command: Command, work: Path) -> str:
    """The command as a shell line, with the temp folder and the repository root left out for reading."""
    return shlex.join(arg.replace(str(work), "$WORK").replace(f"{ROOT}/", "") for arg in command.argv)


def summary(runs: Runs, seconds: float) -> dict[str, float]:
    """The figures the targets are about, from the medians (wall, and CPU where it says so)."""
    wall, cpu = medians(runs, "wall_s"), medians(runs, "cpu_s")
    return {
        "soft_copy_x_realtime": seconds / wall["soft_copy"],
        "soft_mux_x_realtime": seconds / wall["soft_mux"],
        "cli_soft_x_realtime": seconds / wall["cli_soft"],
        "burn_over_bare": wall["burn"] / wall["bare"],
        "burn_over_bare_cpu": cpu["burn"] / cpu["bare"],
        "subs_only_over_bare": wall["burn_subs_only"] / wall["bare"],
        "cli_burn_over_bare": wall["cli_burn"] / wall["bare"],
    }


def shown(table: dict[str, Row], runs: Runs, figures: dict[str, float]) -> str:
    """The printed table: medians and, beside the rows the targets are about, the figures."""
    notes = {
        "soft_copy": f"{figures['soft_copy_x_realtime']:.0f}× real time "
                     f"(target ≥ {TARGETS['soft_copy_x_realtime']:.0f}×)",
        "soft_mux": f"{figures['soft_mux_x_realtime']:.0f}× real time",
        "burn": f"{figures['burn_over_bare']:.3f}× bare (target ≤ {TARGETS['burn_over_bare']}×); "
                f"CPU {figures['burn_over_bare_cpu']:.3f}×",
        "burn_subs_only": f"{figures['subs_only_over_bare']:.3f}× bare",
        "cli_soft": f"{figures['cli_soft_x_realtime']:.0f}× real time (informative)",
        "cli_burn": f"{figures['cli_burn_over_bare']:.3f}× bare (informative)",
    }
    lines = [f"{'measure':<42}{'wall s':>8}{'cpu s':>8}  result"]
    wall, cpu = medians(runs, "wall_s"), medians(runs, "cpu_s")
    for key, row in table.items():
        lines.append(f"{row.label:<42}{wall[key]:>8.3f}{cpu[key]:>8.3f}  {notes.get(key, '')}".rstrip())
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    ffmpeg, burned = find_ffmpeg(), load_delivery_profile(BURNED)
    seconds = probe(VIDEO).duration_ms / 1000
    with tempfile.TemporaryDirectory(prefix="bench-package.") as folder:
        work = Path(folder).resolve()
        table = rows(work, ffmpeg)
        runs = measure(table, args.rounds)
        commands = {key: shortened(row.command, work) for key, row in table.items() if row.command}
    figures = summary(runs, seconds)
    record = {
        "video": VIDEO.name, "seconds": seconds, "rounds": args.rounds, "cpus": os.cpu_count(),
        "ffmpeg": package.ffmpeg_version(ffmpeg), "preset": burned.video_preset, "crf": burned.video_crf,
        "mask": burned.mask_method, "band": list(SAMPLE_BAND),
        "filtergraph": burn.filtergraph(burned.mask_method, SAMPLE_BAND),
        "rows": {key: row.label for key, row in table.items()},
        "commands": commands,
        "median_wall_s": medians(runs, "wall_s"), "median_cpu_s": medians(runs, "cpu_s"), "runs": runs,
        **figures,
        "targets": {"soft_copy_x_realtime": f">= {TARGETS['soft_copy_x_realtime']:.0f}",
                    "burn_over_bare": f"<= {TARGETS['burn_over_bare']}"},
        "met": {"soft_copy_x_realtime": figures["soft_copy_x_realtime"] >= TARGETS["soft_copy_x_realtime"],
                "burn_over_bare": figures["burn_over_bare"] <= TARGETS["burn_over_bare"]},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(shown(table, runs, figures))


if __name__ == "__main__":
    main()
