"""Pitch offsets: one voice shifted a few semitones is heard as another speaker (CAM++ agrees from 3 semitones, see
the voice catalogue), so a cast larger than the catalogue still gets distinct voices on every engine.

The shift is ffmpeg's rubberband filter (in the ffmpeg imageio-ffmpeg ships): pitch moves, duration stays, so dub
fitting's timing holds. Formants move with the pitch, which is what makes the shifted voice sound like someone else.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from localize import children
from localize.errors import Unavailable


def shift_pitch(audio: np.ndarray, sample_rate: int, semitones: float, ffmpeg_binary: str) -> np.ndarray:
    """``audio`` (float32 mono) ``semitones`` higher (lower when negative), as long as it was."""
    if semitones == 0 or not len(audio):
        return audio
    with tempfile.TemporaryDirectory(prefix="localize-pitch-") as folder:
        source = Path(folder) / "line.f32"
        np.asarray(audio, dtype="<f4").tofile(source)
        result = children.run([ffmpeg_binary, "-nostdin", "-hide_banner", "-loglevel", "error",
                               "-f", "f32le", "-ar", str(sample_rate), "-ac", "1", "-i", str(source),
                               "-af", f"rubberband=pitch={2 ** (semitones / 12):.6f}",
                               "-f", "f32le", "-ac", "1", "-"])
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit {result.returncode}"
        raise Unavailable(f"ffmpeg could not shift the pitch ({reason}); pitch offsets need an ffmpeg with the "
                          "rubberband filter, such as imageio-ffmpeg's (unset LOCALIZE_FFMPEG to use it)")
    shifted = np.frombuffer(result.stdout, dtype="<f4").astype(np.float32)
    return np.clip(shifted, -1.0, 1.0)
