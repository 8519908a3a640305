"""Engines: the heavy things stages use (Whisper, OCR, machine translation, the translation memory), loaded
once per worker on first use and handed to the stages that declared them.

A stage names what it uses in ``Stage.engines`` (``whisper``, ``ocr``, ``memory``, ``mt.<language>``,
``mt_cache``, ``speakers``, ``tts.<engine>``, ``tts_cache``); asking for anything else is a bug in the stage and
fails loudly.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

from localize.asr.whisper import WhisperEngine
from localize.job import Job
from localize.package import band
from localize.translate.argos import ArgosEngine
from localize.translate.draft import MtCache, MtEngine
from localize.translate.engines import ArgosMt, LlmMt, argos_code, machine_engine_name
from localize.translate.llm import LlmEngine, LlmSettings
from localize.translate.tm import TranslationMemory
from localize.translate.tmx import read_tmx


class Engines:
    """Everything one worker loads at most once. ``cache_path`` is the work store's engine cache file;
    ``cpu_threads``: the worker's share of the CPUs (``cpus.engine_threads``)."""

    def __init__(self, job: Job, ffmpeg: str, cache_path: Path, cpu_threads: int):
        self.job, self.ffmpeg, self.cache_path, self.cpu_threads = job, ffmpeg, cache_path, cpu_threads
        self._loaded: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def _load(self, name: str) -> Any:
        if name == "whisper":
            asr = self.job.asr
            return WhisperEngine.load(asr.model, compute_type=asr.compute_type, device=asr.device,
                                      cpu_threads=self.cpu_threads)
        if name == "ocr":
            return band.load_ocr(self.cpu_threads)
        if name == "memory":
            return self._memory()
        if name == "mt_cache":
            return MtCache(self._cache_db())
        if name.startswith("tts."):
            from localize.dub.tts import load_engine  # voices: loaded by workers that dub

            return load_engine(name.removeprefix("tts."), threads=self.cpu_threads)
        if name == "tts_cache":
            from localize.dub.speech import TtsCache

            return TtsCache(self._cache_db())
        if name == "speakers":
            from localize.speakers.embedder import SpeakerEmbedder  # numpy models: loaded by workers that embed

            return SpeakerEmbedder.load()
        if name.startswith("mt."):
            return self._mt(name.removeprefix("mt."))
        raise KeyError(f"no engine called {name!r}")

    def _cache_db(self) -> sqlite3.Connection:
        self.cache_path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.cache_path, timeout=60, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def _memory(self) -> TranslationMemory:
        """Exactly the units of the job's TMX files, in memory: what a draft can match is an input, so a unit
        removed from a file is gone from every lookup and content hashes decide what re-runs."""
        return TranslationMemory.in_memory(unit for path in self.job.translation.tm
                                           for unit in read_tmx(path, source_lang=self.job.source_language).units)

    def _mt(self, language: str) -> MtEngine | None:
        """The machine engine for one target language (None: the job translates it with the TM only)."""
        settings = self.job.translation
        name = machine_engine_name(settings.engines_for(language))
        source = self.job.source_language
        if name == "argos":
            return ArgosMt(ArgosEngine.load(argos_code(source), argos_code(language)))
        if name == "llm":
            llm = replace(LlmSettings.from_env(settings.llm.base_url, settings.llm.model),
                          max_batch=settings.llm.max_batch)
            return LlmMt(LlmEngine(llm, self.cache_path), source, language, settings.synopsis)
        return None
