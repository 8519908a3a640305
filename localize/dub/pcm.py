"""Mono 16-bit PCM, the dub's sample format: floats to and from it, WAV files of it, and one ffmpeg audio filter
run over raw samples (pitch, tempo), so every stage of the dub reads, writes and filters its audio one way."""

from __future__ import annotations

import tempfile
import wave
from pathlib import Path

import numpy as np

from localize import children
from localize.errors import Unavailable

_RAW = {np.dtype("<f4"): "f32le", np.dtype("<i2"): "s16le"}  # numpy dtype → ffmpeg's raw format


def pcm16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] as 16-bit PCM (out-of-range ones clipped)."""
    return (np.clip(samples, -1.0, 1.0) * 32767).round().astype("<i2")


def trim_silence(pcm: np.ndarray, rate: int, floor_db: float, lead_ms: int, tail_ms: int) -> np.ndarray:
    """``pcm`` without the silence at either end, keeping ``lead_ms`` before the first sample louder than
    ``floor_db`` under the loudest and ``tail_ms`` after the last (the breath and decay of the voice)."""
    if not len(pcm):
        return pcm
    magnitude = np.abs(pcm.astype(np.int32))
    loud = np.flatnonzero(magnitude > magnitude.max() * 10 ** (floor_db / 20))
    if not len(loud):
        return pcm[:0]
    start = max(0, loud[0] - lead_ms * rate // 1000)
    return pcm[start:loud[-1] + 1 + tail_ms * rate // 1000]


def write_wav(path: Path, pcm: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.astype("<i2").tobytes())


def read_wav(path: Path) -> np.ndarray:
    """The 16-bit samples of a mono WAV this wing wrote (or ffmpeg, as ``pcm_s16le``)."""
    with wave.open(str(path)) as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def filter_samples(samples: np.ndarray, rate: int, audio_filter: str, ffmpeg: str, doing: str,
                   hint: str = "") -> np.ndarray:
    """``samples`` (float32 or int16, mono) through one ffmpeg audio filter, in the same format; Unavailable
    saying what could not be done (``doing``) and why, plus ``hint``."""
    kind = np.dtype(samples.dtype).newbyteorder("<")
    with tempfile.TemporaryDirectory(prefix="localize-audio-") as folder:
        source = Path(folder) / "line.raw"
        samples.astype(kind).tofile(source)
        result = children.run([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-f", _RAW[kind],
                               "-ar", str(rate), "-ac", "1", "-i", str(source), "-af", audio_filter,
                               "-f", _RAW[kind], "-ac", "1", "-"])
    if result.returncode != 0:
        raise Unavailable(f"ffmpeg could not {doing} ({children.failure_reason(result)}){hint}")
    return np.frombuffer(result.stdout, dtype=kind)
