"""The dub's speech, one synthesis unit at a time, through a per-line cache.

A line is synthesized once per (engine and model version, language, text, voice, speed, pitch): the cache is keyed
by the whole request, like the MT cache, so editing one line re-synthesizes that line only, and a re-run gives the
same bytes even from Piper, whose model samples noise. Every line comes out at one rate (``RATE``) whatever the
engine's, pitch-shifted where the voice map says so, ready to be fitted and mixed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from localize.dub.fitting import SpeechUnit, atempo_chain
from localize.dub.pcm import filter_samples, pcm16, trim_silence
from localize.dub.pitch import shift_pitch
from localize.dub.tts import TtsEngine
from localize.dub.voices import VoiceChoice

RATE = 24_000  # Kokoro's own rate; Piper's 22.05 kHz is resampled up to it
# Engines pad a line with silence (Kokoro up to 0.2 s before and 0.5 s after): time the dub has to make up by
# speeding up. Each line keeps this much around its speech, the onset and the voice's decay (dB under its peak).
TRIM = {"floor_db": -40.0, "lead_ms": 30, "tail_ms": 80}
CACHE_SCHEMA = """CREATE TABLE IF NOT EXISTS tts_cache (
    request_sha256 TEXT PRIMARY KEY, identity TEXT NOT NULL, pcm BLOB NOT NULL)"""


class TtsCache:
    """Synthesized lines in the work store's engine cache: 16-bit PCM at ``RATE``, keyed by the whole request."""

    def __init__(self, db: sqlite3.Connection):
        self.db = db
        self.db.execute(CACHE_SCHEMA)

    @staticmethod
    def key(identity: str, language: str, text: str, voice: VoiceChoice) -> str:
        payload = json.dumps([identity, language, text, asdict(voice), RATE, TRIM], ensure_ascii=False, sort_keys=True)
        return hashlib.sha256(payload.encode()).hexdigest()

    def get(self, key: str) -> np.ndarray | None:
        row = self.db.execute("SELECT pcm FROM tts_cache WHERE request_sha256 = ?", (key,)).fetchone()
        return None if row is None else np.frombuffer(row[0], dtype="<i2")

    def put(self, key: str, identity: str, pcm: np.ndarray) -> None:
        self.db.execute("INSERT OR REPLACE INTO tts_cache VALUES (?, ?, ?)", (key, identity, pcm.tobytes()))


@dataclass(frozen=True)
class Line:
    """One synthesis unit's speech: where it came from and how long it is at tempo 1."""

    unit: SpeechUnit
    spoken: str  # the unit's text as the voice read it (the glossary's pronunciations applied)
    voice: VoiceChoice
    pcm: np.ndarray  # int16 mono at RATE
    synthesized: bool  # False: from the cache

    @property
    def speech_ms(self) -> int:
        return len(self.pcm) * 1000 // RATE


def to_pcm(audio: np.ndarray, sample_rate: int, voice: VoiceChoice, ffmpeg: str) -> np.ndarray:
    """An engine's float samples as 16-bit PCM at ``RATE``, shifted by the voice's pitch, silence trimmed."""
    audio = shift_pitch(audio, sample_rate, voice.pitch, ffmpeg)
    if sample_rate != RATE and len(audio):
        positions = np.arange(round(len(audio) * RATE / sample_rate)) * (sample_rate / RATE)
        audio = np.interp(positions, np.arange(len(audio)), audio)  # speech sits far below both Nyquists
    return trim_silence(pcm16(audio), RATE, **TRIM)


def speak(units: Sequence[SpeechUnit], voices: Sequence[VoiceChoice], language: str,
          engine: Callable[[str], TtsEngine], cache: TtsCache, ffmpeg: str,
          pronounce: Callable[[str], str] = str) -> list[Line]:
    """Each unit spoken in its voice, its text read as ``pronounce`` spells it: from the cache when the same request
    was synthesized before (the key holds the text read, so a changed pronunciation re-synthesizes its lines only)."""
    lines = []
    for unit, voice in zip(units, voices, strict=True):
        tts = engine(voice.engine)
        spoken = pronounce(unit.text)
        key = TtsCache.key(tts.identity, language, spoken, voice)
        pcm = cache.get(key)
        synthesized = pcm is None
        if pcm is None:
            pcm = to_pcm(tts.synthesize(spoken, voice, language), tts.sample_rate, voice, ffmpeg)
            cache.put(key, tts.identity, pcm)
        lines.append(Line(unit, spoken, voice, pcm, synthesized))
    return lines


def at_tempo(pcm: np.ndarray, tempo: float, ffmpeg: str) -> np.ndarray:
    """16-bit speech at ``RATE`` played ``tempo`` times faster, pitch kept (ffmpeg's atempo; 1.0 is left alone)."""
    if tempo == 1.0 or not len(pcm):
        return pcm
    return filter_samples(pcm, RATE, atempo_chain(tempo), ffmpeg, "change the dub's tempo")
