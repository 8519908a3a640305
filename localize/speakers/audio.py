"""The audio of each cue, as the speaker model wants it: 16 kHz mono floats, long enough to say who is speaking.

The ingest stage writes the episode's sound as 16 kHz mono 16-bit ``audio.wav``; cues carry integer-millisecond
times. A line as short as 老婆！ (0.4 s) gives a poor voiceprint, so a short cue borrows the quiet around it, never
a neighbour's speech; one that still falls short is left unembedded rather than guessed.
"""

from __future__ import annotations

import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from localize.errors import BadInput
from localize.speakers.embedder import SpeakerEmbedder
from localize.speakers.fbank import SAMPLE_RATE

MIN_EMBED_MS = 500  # shorter stretches give embeddings too noisy to match (CAM++ was trained on 2 s or more)
_PER_MS = SAMPLE_RATE // 1000


def read_wav(path: Path) -> np.ndarray:
    """The samples of a 16 kHz mono 16-bit WAV (what ingest writes) as float32 in [-1, 1]."""
    try:
        with wave.open(str(path)) as wav:
            shape = (wav.getframerate(), wav.getnchannels(), wav.getsampwidth())
            data = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise BadInput(f"{path}: cannot read it as a WAV file ({exc})") from None
    if shape != (SAMPLE_RATE, 1, 2):
        rate, channels, width = shape
        raise BadInput(f"{path}: expected 16 kHz mono 16-bit audio, got {rate} Hz, {channels} channel(s), "
                       f"{8 * width}-bit; extract it again with the ingest stage")
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768


def cue_spans(spans: Sequence[tuple[int, int]], total_ms: int, *,
              min_ms: int = MIN_EMBED_MS) -> list[tuple[int, int] | None]:
    """Each cue's (start_ms, end_ms) to embed, in cue order; a cue shorter than ``min_ms`` widened evenly into the
    gaps before and after it (up to the neighbouring cues and the ends of the audio), None where even that falls
    short. Spans are clipped to the audio; a cue with none of it inside is None."""
    widened: list[tuple[int, int] | None] = []
    for i, (start, end) in enumerate(spans):
        start, end = max(0, start), min(total_ms, end)
        if end <= start:
            widened.append(None)
            continue
        before = max(0, start - (spans[i - 1][1] if i else 0))
        after = max(0, (spans[i + 1][0] if i + 1 < len(spans) else total_ms) - end)
        missing = min_ms - (end - start)
        if missing <= 0:
            widened.append((start, end))
        elif before + after < missing:
            widened.append(None)
        else:
            left = min(before, max(missing // 2, missing - after))
            widened.append((start - left, end + missing - left))
    return widened


def embed_cues(embedder: SpeakerEmbedder, samples: np.ndarray, spans: Sequence[tuple[int, int]], *,
               min_ms: int = MIN_EMBED_MS) -> list[np.ndarray | None]:
    """One unit voice vector per cue (None: too short to embed), from the episode's 16 kHz samples."""
    total_ms = len(samples) // _PER_MS
    return [None if span is None else embedder.embed(samples[span[0] * _PER_MS: span[1] * _PER_MS])
            for span in cue_spans(spans, total_ms, min_ms=min_ms)]
