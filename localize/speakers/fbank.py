"""Kaldi log-mel filterbank features in numpy, as the speaker model was trained on them.

The numbers follow ``torchaudio.compliance.kaldi.fbank`` with its defaults (what 3D-Speaker feeds CAM++): 25 ms
frames every 10 ms with no frame past the end (snip_edges), DC removed, pre-emphasis 0.97, Povey window, 512-point
power spectrum, 80 triangular mel bins from 20 Hz to Nyquist, natural log floored at float32's epsilon, no dither.
Samples are floats in [-1, 1], as torchaudio reads a WAV: the floor makes the scale matter in silence.
"""

from __future__ import annotations

import functools

import numpy as np

SAMPLE_RATE = 16_000
FRAME_LENGTH = 400  # 25 ms
FRAME_SHIFT = 160  # 10 ms
FFT_SIZE = 512  # the frame length rounded up to a power of two
NUM_MEL_BINS = 80
LOW_FREQ_HZ = 20.0
PREEMPHASIS = 0.97
POVEY_POWER = 0.85
LOG_FLOOR = float(np.finfo(np.float32).eps)


def frame_count(num_samples: int) -> int:
    """Frames kaldi makes from ``num_samples`` (snip_edges: only whole frames)."""
    return 0 if num_samples < FRAME_LENGTH else 1 + (num_samples - FRAME_LENGTH) // FRAME_SHIFT


def log_mel_fbank(samples: np.ndarray) -> np.ndarray:
    """(frames, 80) float32 log mel energies of 16 kHz mono samples."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim != 1:
        raise ValueError(f"expected mono samples (one dimension), got shape {samples.shape}")
    count = frame_count(samples.size)
    if count == 0:
        return np.zeros((0, NUM_MEL_BINS), dtype=np.float32)
    starts = np.arange(count) * FRAME_SHIFT
    frames = samples[starts[:, None] + np.arange(FRAME_LENGTH)]
    frames -= frames.mean(axis=1, keepdims=True)
    # kaldi pre-emphasises the first sample against itself
    frames[:, 1:] -= PREEMPHASIS * frames[:, :-1].copy()
    frames[:, 0] *= 1.0 - PREEMPHASIS
    frames *= _povey_window()
    power = np.abs(np.fft.rfft(frames, n=FFT_SIZE)) ** 2
    energies = power @ _mel_banks().T
    return np.log(np.maximum(energies, LOG_FLOOR)).astype(np.float32)


def speaker_features(samples: np.ndarray) -> np.ndarray:
    """What CAM++ reads: the filterbank minus its mean over the stretch (per-utterance mean normalisation)."""
    features = log_mel_fbank(samples)
    return features - features.mean(axis=0, keepdims=True) if len(features) else features


@functools.cache
def _povey_window() -> np.ndarray:
    n = np.arange(FRAME_LENGTH)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / (FRAME_LENGTH - 1))) ** POVEY_POWER


def _mel(hz: np.ndarray | float) -> np.ndarray:
    return 1127.0 * np.log(1.0 + np.asarray(hz) / 700.0)


@functools.cache
def _mel_banks() -> np.ndarray:
    """(80, 257) triangles, flat in mel; the Nyquist bin gets no weight, as in kaldi."""
    low, high = _mel(LOW_FREQ_HZ), _mel(SAMPLE_RATE / 2)
    delta = (high - low) / (NUM_MEL_BINS + 1)
    left = low + np.arange(NUM_MEL_BINS)[:, None] * delta
    center, right = left + delta, left + 2 * delta
    mel = _mel(np.arange(FFT_SIZE // 2) * SAMPLE_RATE / FFT_SIZE)[None, :]
    banks = np.maximum(0.0, np.minimum((mel - left) / (center - left), (right - mel) / (right - center)))
    return np.pad(banks, ((0, 0), (0, 1)))
