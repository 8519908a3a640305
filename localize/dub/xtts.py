"""Coqui XTTS-v2 (coqui-tts, with torch: about 1 GB) for users who bring the model files: no package ships its
weights (and their licence, the Coqui Public Model License, is non-commercial), so nothing here loads until a job
names the folder. Its voices are the named speakers of the model's ``speakers_xtts.pth``.

The folder is checked before torch is imported, so a wrong path is reported at once, as the job's mistake (exit 2).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
from pathlib import Path

import numpy as np

from localize.dub.voices import VoiceChoice
from localize.errors import BadInput
from localize.languages import normalize_tag

INSTALL = "pip install 'localize[xtts]'"
PACKAGES = ("TTS",)  # coqui-tts's import name
MODEL_FILES = ("config.json", "model.pth", "vocab.json", "speakers_xtts.pth")  # as coqui/XTTS-v2 publishes them


def check_model_dir(folder: Path) -> tuple[str, ...]:
    """The languages the model in ``folder`` speaks (its config's list), once the folder holds every model file."""
    if not folder.is_dir():
        raise BadInput(f"the XTTS model folder {folder} does not exist; point the job at the folder holding "
                       f"{', '.join(MODEL_FILES)}")
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise BadInput(f"{folder} is not an XTTS-v2 model folder: it lacks {', '.join(missing)}")
    config = folder / "config.json"
    try:
        languages = json.loads(config.read_text(encoding="utf-8")).get("languages")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError) as exc:
        raise BadInput(f"{config} is not an XTTS config ({type(exc).__name__}); copy the model's own config.json "
                       "back") from None
    if not isinstance(languages, list) or not languages or not all(isinstance(code, str) for code in languages):
        raise BadInput(f"{config} lists no languages; is it the XTTS model's own config.json?")
    return tuple(languages)


def language_code(tag: str, languages: tuple[str, ...]) -> str:
    """XTTS's code for a BCP-47 tag: the bare language (it ignores regions), ``zh-cn`` for Chinese."""
    code = "zh-cn" if tag.split("-")[0] == "zh" else tag.split("-")[0]
    if code not in languages:
        raise BadInput(f"this XTTS model cannot speak {tag}: it speaks {', '.join(languages)}")
    return code


class XttsEngine:
    """A user's XTTS-v2 model, loaded with coqui-tts; speed stretches its latents, as XTTS's own ``speed`` does."""

    def __init__(self, folder: Path, *, threads: int | None = None) -> None:
        self.languages = check_model_dir(folder)
        import torch
        from TTS.tts.configs.xtts_config import XttsConfig
        from TTS.tts.models.xtts import Xtts

        if threads:
            torch.set_num_threads(threads)
        config = XttsConfig()
        config.load_json(str(folder / "config.json"))
        model = Xtts.init_from_config(config)
        try:
            model.load_checkpoint(config, checkpoint_dir=str(folder), eval=True)
        except (OSError, RuntimeError, KeyError, ValueError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise BadInput(f"could not load the XTTS model in {folder} ({reason}); are its files complete?") from None
        self._model = model
        self.sample_rate = int(config.audio.output_sample_rate)
        self.voices = tuple(model.speaker_manager.speakers)
        self.identity = f"coqui-tts {importlib.metadata.version('coqui-tts')}, XTTS {_digest(folder)[:12]}"

    def synthesize(self, text: str, voice: VoiceChoice, language: str) -> np.ndarray:
        code = language_code(normalize_tag(language), self.languages)
        speakers = self._model.speaker_manager.speakers
        if voice.voice not in speakers:
            raise BadInput(f"'{voice.voice}' is not a speaker of this XTTS model; e.g. {', '.join(self.voices[:5])}")
        if not text.strip():
            return np.zeros(0, dtype=np.float32)
        latent, embedding = speakers[voice.voice].values()
        out = self._model.inference(text, code, latent, embedding, speed=voice.speed, enable_text_splitting=True)
        return np.clip(np.asarray(out["wav"], dtype=np.float32), -1.0, 1.0)


def _digest(folder: Path) -> str:
    """The model files' SHA-256 together (about 2 GB, a few seconds once per load): a replaced model is a new voice."""
    digest = hashlib.sha256()
    for name in MODEL_FILES:
        with (folder / name).open("rb") as file:
            for block in iter(lambda: file.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()
