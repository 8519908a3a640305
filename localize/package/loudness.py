"""Loudness: measure a sound with ffmpeg's EBU R128 meter (``ebur128``) and bring it to a profile's target.

Platforms turn loud uploads down and leave quiet ones quiet, so a package off its target sounds wrong next
to everything else in the feed. Whenever the loudness range fits and the true-peak limit allows it, the sound
only gets a gain (``volume``), so the mix keeps its dynamics: exactly what ffmpeg's ``loudnorm`` does in its
linear mode, without the 192 kHz round trip that made loudnorm's measuring pass five times slower than the
meter (2.4 s against 0.4 s for the 47 s sample). Otherwise ``loudnorm`` compresses it in its dynamic mode,
seeded with the measurement, and a brickwall limiter keeps its peaks clear of what AAC adds. Package QC measures
the delivered file again, after AAC encoding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from localize import children
from localize.errors import BadInput

LRA = 11.0  # loudnorm's default loudness range; short dramas sit well below it
# AAC re-encoding can overshoot inter-sample peaks a little: aim this far under the profile's limit.
PEAK_HEADROOM_DB = 0.5
# loudnorm's limiter leaves many peaks right at its target, and AAC overshot them by up to 0.9 dB (a dub mix:
# -1.5 dBTP out of loudnorm, -0.6 after encoding, over a -1 limit). A brickwall this far under the limit, at
# loudnorm's 192 kHz (so its sample peaks are the true peaks), kept encoded peaks 0.8 dB or more under it on the
# samples and dub mixes, for at most 0.1 LU of loudness.
LIMITER_HEADROOM_DB = 1.0
SILENCE_LUFS = -70.0  # the meter's absolute gate: nothing louder means nothing to normalise


@dataclass(frozen=True)
class Loudness:
    integrated_lufs: float
    true_peak_dbtp: float
    range_lu: float
    threshold_lufs: float  # the relative gate of the integrated loudness


def _number(pattern: str, summary: str, media: Path) -> float:
    found = re.search(pattern + r"\s+(-?[\d.]+|-inf)", summary)
    if found is None:
        raise BadInput(f"ffmpeg ebur128 printed no loudness summary for {media}")
    return float(found.group(1))


def measure(media: Path, ffmpeg: str, stream: int = 0, before: str = "") -> Loudness:
    """Integrated loudness, true peak and loudness range of one of ``media``'s audio streams, the first by
    default; ``before``: a filter that shapes the sound first (the dub's mono made stereo), so what is measured
    is what will be delivered."""
    meter = f"{before},ebur128=peak=true" if before else "ebur128=peak=true"
    command = [ffmpeg, "-nostdin", "-hide_banner", "-nostats", "-i", str(media), "-map", f"0:a:{stream}",
               "-af", meter, "-f", "null", "-"]
    done = children.run(command, text=True)
    if done.returncode != 0:
        raise BadInput(f"ffmpeg could not measure the loudness of {media}: {children.failure_reason(done)}")
    summary = done.stderr[done.stderr.rfind("Summary:"):]
    integrated, threshold = _number(r"I:", summary, media), _number(r"Threshold:", summary, media)
    return Loudness(integrated, _number(r"Peak:", summary, media), _number(r"LRA:", summary, media), threshold)


def normalize_filter(media: Path, target_lufs: float, true_peak_dbtp: float, ffmpeg: str,
                     sample_rate: int, before: str = "") -> str:
    """The filter that brings ``media``'s first audio stream to ``target_lufs`` under ``true_peak_dbtp``, from a
    measurement of it; ``before`` is measured and delivered with it."""
    peak = true_peak_dbtp - PEAK_HEADROOM_DB
    first = f"{before}," if before else ""
    found = measure(media, ffmpeg, before=before)
    if found.integrated_lufs <= SILENCE_LUFS:  # silence: a gain would only raise the noise floor
        return before or "anull"
    gain = target_lufs - found.integrated_lufs
    if found.range_lu <= LRA and found.true_peak_dbtp + gain <= peak:
        return f"{first}volume={gain:.2f}dB"
    # loudnorm works at 192 kHz; the limiter (delay compensated) too; back to the delivery rate in the same graph.
    ceiling = 10 ** ((true_peak_dbtp - LIMITER_HEADROOM_DB) / 20)
    return (f"{first}loudnorm=I={target_lufs}:TP={peak}:LRA={LRA}:measured_I={found.integrated_lufs}"
            f":measured_TP={found.true_peak_dbtp}:measured_LRA={found.range_lu}:measured_thresh={found.threshold_lufs},"
            f"alimiter=limit={ceiling:.5f}:attack=1:release=50:level=disabled:latency=1,aresample={sample_rate}")
