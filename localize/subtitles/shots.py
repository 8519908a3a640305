"""Shot changes, found once per episode with ffmpeg's ``scdet`` filter (cuts are where subtitles must not
flash across). The frame is shrunk first: cut detection needs the picture's change, not its detail."""

from __future__ import annotations

import re
from pathlib import Path

from localize import children
from localize.errors import BadInput

SCENE_THRESHOLD = 10.0  # scdet's score (0-100) above which a frame starts a new shot; its documented default
_TIME = re.compile(r"lavfi\.scd\.time=([0-9.]+)")


def detect_shots(video: Path, ffmpeg_binary: str, threshold: float = SCENE_THRESHOLD) -> list[int]:
    """Times of the shot changes in milliseconds, in order."""
    command = [ffmpeg_binary, "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(video), "-an", "-sn",
               "-vf", f"scale=180:-2,scdet=threshold={threshold},metadata=print:key=lavfi.scd.time:file=-",
               "-f", "null", "-"]
    result = children.run(command, text=True)
    if result.returncode != 0:
        raise BadInput(f"ffmpeg could not scan {video} for shot changes: {children.failure_reason(result)}")
    return sorted({round(float(t) * 1000) for t in _TIME.findall(result.stdout)})
