"""The dub over the episode's own sound: the original ducked under the dub while it speaks (a sidechain
compressor keyed by the dub), so music and effects stay and the original dialogue gives way; or, when the job
gives the episode's M&E stem (music and effects, no dialogue: producers often have one), the dub over that as it
is. The delivery profile's loudness is applied later, by the package, as for any episode.

Peers lose the background (pyvideotrans #93 #109 #367) or leave the original voices as loud as the dub; here the
dub-to-background ratio during speech is measured and reported, so a mix that buries the dub is seen.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from localize import children
from localize.dub.pcm import read_wav
from localize.errors import BadInput

MIX_RATE = 48_000  # what the packages' AAC carries
# Ducking: the original drops by up to 8:1 above -34 dBFS of dub, within 20 ms, and comes back over 400 ms.
DUCKING = "sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400:makeup=1"


def background_and_dub(sound: Path, dub: Path, ffmpeg: str, length: int,
                       duck: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(the background, the dub), both mono float32 at ``MIX_RATE``, ``length`` samples long (the video's): the
    episode's own sound ducked under the dub, or (``duck`` False) an M&E stem as it is, since it holds no dialogue
    to give way."""
    with tempfile.TemporaryDirectory(prefix="localize-mix-") as folder:
        background, speech = Path(folder) / "background.wav", Path(folder) / "speech.wav"
        mono = f"aresample={MIX_RATE},aformat=sample_fmts=fltp:channel_layouts=mono"
        graph = (f"[0:a:0]{mono}[orig];[1:a]{mono},asplit=2[key][dub];[orig][key]{DUCKING}[ducked]" if duck else
                 f"[0:a:0]{mono}[ducked];[1:a]{mono}[dub]")
        result = children.run([ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(sound),
                               "-i", str(dub), "-filter_complex", graph,
                               "-map", "[ducked]", "-c:a", "pcm_s16le", "-fflags", "+bitexact", str(background),
                               "-map", "[dub]", "-c:a", "pcm_s16le", "-fflags", "+bitexact", str(speech)], text=True)
        if result.returncode != 0:
            reason = children.failure_reason(result, "failed")
            raise BadInput(f"ffmpeg could not mix the dub over {sound.name}: {reason}")
        ducked, dubbed = (read_wav(path).astype(np.float32) / 32768 for path in (background, speech))
    return _fitted(ducked, length), _fitted(dubbed, length)


def _fitted(samples: np.ndarray, length: int) -> np.ndarray:
    return np.pad(samples, (0, max(0, length - len(samples))))[:length]


def mix(ducked: np.ndarray, dub: np.ndarray) -> np.ndarray:
    """The two summed, kept under full scale (the package's loudness pass sets the level)."""
    summed = ducked + dub
    peak = float(np.abs(summed).max()) if len(summed) else 0.0
    return summed / peak * 0.99 if peak > 0.99 else summed


def dub_to_background_db(ducked: np.ndarray, dub: np.ndarray, spans_ms: Sequence[tuple[int, int]]) -> float | None:
    """How much louder the dub is than what is left of the original while the dub speaks (RMS, dB); None when
    there is no speech or no background at all."""
    parts = [slice(start * MIX_RATE // 1000, end * MIX_RATE // 1000) for start, end in spans_ms]
    speech = np.concatenate([dub[p] for p in parts]) if parts else np.zeros(0)
    rest = np.concatenate([ducked[p] for p in parts]) if parts else np.zeros(0)
    if not len(speech):
        return None
    loud, quiet = float(np.sqrt(np.mean(speech ** 2))), float(np.sqrt(np.mean(rest ** 2)))
    return None if quiet == 0 or loud == 0 else round(20 * math.log10(loud / quiet), 1)
