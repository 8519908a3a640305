"""Loudness: measure an episode with ffmpeg ``loudnorm`` and bring it to a profile's target in a second pass.

Platforms turn loud uploads down and leave quiet ones quiet, so a package off its target sounds wrong next
to everything else in the feed. Two passes (measure, then apply the measured values with ``linear=true``)
keep the mix's dynamics whenever the true-peak limit allows a plain gain; otherwise loudnorm falls back to
its dynamic mode on its own. Package QC re-measures the delivered file with ``ebur128``, an independent
meter, so normalisation is never checked by the same filter that did it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from localize import children
from localize.errors import BadInput

LRA = 11.0  # loudnorm's default loudness range; short dramas sit well below it
# AAC re-encoding can overshoot inter-sample peaks a little: aim this far under the profile's limit.
PEAK_HEADROOM_DB = 0.5


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float


def _audio_filter_run(ffmpeg: str, media: Path, audio_filter: str, stream: int = 0) -> str:
    """Run ``audio_filter`` over an audio stream (the first by default) and return ffmpeg's log, where both
    meters report."""
    command = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-i", str(media), "-map", f"0:a:{stream}",
               "-af", audio_filter, "-f", "null", "-"]
    done = children.run(command, text=True)
    if done.returncode != 0:
        raise BadInput(f"ffmpeg could not measure the loudness of {media}: {children.failure_reason(done)}")
    return done.stderr


def normalize_filter(media: Path, target_lufs: float, true_peak_dbtp: float, ffmpeg: str,
                     sample_rate: int, before: str = "") -> str:
    """The second-pass loudnorm filter for ``media``, from a first pass that measures it; ``before``: a filter
    that shapes the sound first (the dub's mono made stereo), in both passes, so what is measured is delivered."""
    peak = true_peak_dbtp - PEAK_HEADROOM_DB
    first = f"{before}," if before else ""
    log = _audio_filter_run(ffmpeg, media, f"{first}loudnorm=I={target_lufs}:TP={peak}:LRA={LRA}:print_format=json")
    found = re.search(r"\{[^{}]*\"input_i\"[^{}]*\}", log)
    if found is None:
        raise BadInput(f"ffmpeg loudnorm printed no measurement for {media}")
    measured = json.loads(found.group(0))
    # loudnorm works at 192 kHz internally; resample back to the delivery rate in the same graph.
    return (f"{first}loudnorm=I={target_lufs}:TP={peak}:LRA={LRA}:measured_I={measured['input_i']}"
            f":measured_TP={measured['input_tp']}:measured_LRA={measured['input_lra']}"
            f":measured_thresh={measured['input_thresh']}:offset={measured['target_offset']}:linear=true,"
            f"aresample={sample_rate}")


def measure(media: Path, ffmpeg: str, stream: int = 0) -> Loudness:
    """Integrated loudness and true peak of one of ``media``'s audio streams, the first by default (EBU R128
    meter)."""
    log = _audio_filter_run(ffmpeg, media, "ebur128=peak=true", stream)
    summary = log[log.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if integrated is None or peak is None:
        raise BadInput(f"ffmpeg ebur128 printed no loudness summary for {media}")
    return Loudness(float(integrated.group(1)), float(peak.group(1)))
