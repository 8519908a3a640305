"""Pitch offsets: one voice shifted a few semitones is heard as another speaker (CAM++ agrees from 3 semitones, see
the voice catalogue), so a cast larger than the catalogue still gets distinct voices on every engine.

The shift is ffmpeg's rubberband filter (in the ffmpeg imageio-ffmpeg ships): pitch moves, duration stays, so dub
fitting's timing holds. Formants move with the pitch, which is what makes the shifted voice sound like someone else.
"""

from __future__ import annotations

import numpy as np

from localize.dub.pcm import filter_samples


def shift_pitch(audio: np.ndarray, sample_rate: int, semitones: float, ffmpeg_binary: str) -> np.ndarray:
    """``audio`` (float32 mono) ``semitones`` higher (lower when negative), as long as it was."""
    if semitones == 0 or not len(audio):
        return audio
    shifted = filter_samples(np.asarray(audio, dtype="<f4"), sample_rate,
                             f"rubberband=pitch={2 ** (semitones / 12):.6f}", ffmpeg_binary, "shift the pitch",
                             "; pitch offsets need an ffmpeg with the rubberband filter, such as imageio-ffmpeg's "
                             "(unset LOCALIZE_FFMPEG to use it)")
    return np.clip(shifted.astype(np.float32), -1.0, 1.0)
