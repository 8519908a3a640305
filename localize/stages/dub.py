"""Dubbing, for the languages of the job's ``dub: {targets}``. First stage: ``tts.<lang>``, the speech of every line.

The fitted cues are grouped into synthesis units (short lines of one speaker said together, ``dub.fitting``) and
each unit is spoken in its speaker's voice from the series' voice map (``localize cast voices``); a speaker the
map does not know (unknown, or no map) gets the job's ``dub.voice``, else the language's first catalogue voice.
Each line goes through the per-line cache, so an edited line re-synthesizes that line only. The stage makes
``speech.wav`` (every unit back to back, 16-bit mono at ``dub.speech.RATE``) and ``speech.json`` (each unit's
cues, text, voice and place in the WAV), which the fitting and mixing stages read; its usage is the seconds
synthesized, priced at ``tts_second``.
"""

from __future__ import annotations

import wave
from typing import Any

from localize.costs.usage import Usage
from localize.dub.catalogue import load_catalogue, speaks
from localize.dub.fitting import synthesis_units
from localize.dub.speech import RATE, speak
from localize.dub.tts import ENGINES, check_engine
from localize.dub.voices import VoiceChoice, VoiceMap, cast_voices, label, load_voice_map
from localize.errors import BadInput
from localize.job import Job
from localize.model import cues_from_json
from localize.speakers.cast import CastMember
from localize.stages.registry import Stage, StageCall, read_json
from localize.store import atomic_write_json

NARRATOR = "narrator"  # how the voice of a line nobody is known to say is chosen: a cast member with no gender


def _voice_map(job: Job) -> VoiceMap | None:
    voices = job.dub.voices
    return load_voice_map(voices, load_catalogue()) if voices is not None and voices.is_file() else None


def narrator_voice(language: str) -> VoiceChoice:
    """The voice of a line whose speaker the voice map does not know: the language's first catalogue voice."""
    chosen = cast_voices([CastMember(NARRATOR)], [language], load_catalogue(), series=NARRATOR)
    return chosen.choices[NARRATOR][language]


def _tts(call: StageCall) -> Usage:
    language: str = call.settings["language"]
    cues = cues_from_json(read_json(call.inputs[f"cues.{language}"]))
    units = synthesis_units(cues, language)
    voices: dict[str, dict[str, VoiceChoice]] = call.settings["voices"]
    chosen = [voices.get(unit.speaker, {}).get(language, call.settings["narrator"]) for unit in units]
    lines = speak(units, chosen, language, lambda name: call.engine(f"tts.{name}"), call.engine("tts_cache"),
                  call.ffmpeg)
    with wave.open(str(call.output(f"speech.{language}")), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        for line in lines:
            out.writeframes(line.pcm.tobytes())
    offset, listed = 0, []
    for line in lines:
        listed.append({"cues": list(line.unit.cues), "start_ms": line.unit.start_ms, "end_ms": line.unit.end_ms,
                       "speaker": line.unit.speaker, "text": line.unit.text, "voice": label(line.voice),
                       "offset": offset, "samples": len(line.pcm), "speech_ms": line.speech_ms})
        offset += len(line.pcm)
    atomic_write_json(call.output(f"lines.{language}"), {"language": language, "rate": RATE, "lines": listed})
    return Usage(tts_seconds=round(sum(len(line.pcm) for line in lines if line.synthesized) / RATE, 3))


def _settings(job: Job, language: str) -> dict[str, Any]:
    """The voices of this language (what changes the speech), not the whole map file."""
    voice_map = _voice_map(job)
    voices = {name: {language: choices[language]} for name, choices in voice_map.choices.items()
              if language in choices} if voice_map else {}
    given = job.dub.voice
    narrator = VoiceChoice(*given) if given else narrator_voice(language)
    return {"language": language, "rate": RATE, "voices": voices, "narrator": narrator}


def _check(job: Job, language: str) -> None:
    """``dub.voice`` is a voice that speaks the language, and every engine the language's voices use can speak it
    here (exit 2 if it cannot at all, 3 if not installed)."""
    if job.dub.voice:
        engine, voice = job.dub.voice
        try:
            spoken = load_catalogue().languages_of(engine, voice)
        except ValueError as exc:
            raise BadInput(f"{job.path}: dub.voice: {exc}") from None
        if not speaks(spoken, language):
            raise BadInput(f"{job.path}: dub.voice: {voice} does not speak {language} (it speaks "
                           f"{', '.join(spoken)}); choose another voice")
    settings = _settings(job, language)
    engines = {choice.engine for choices in settings["voices"].values() for choice in choices.values()}
    for engine in sorted(engines | {settings["narrator"].engine}):
        check_engine(engine, [language])


def tts_stage(language: str, job: Job) -> Stage:
    return Stage(f"tts.{language}", 1, needs=(f"cues.{language}",),
                 makes={f"speech.{language}": "speech.wav", f"lines.{language}": "speech.json"},
                 action=_tts, reads=lambda j: _settings(j, language), preflight=lambda j: _check(j, language),
                 engines=(*(f"tts.{name}" for name in ENGINES), "tts_cache"), force_group="tts",
                 priced=("compute", "tts"), language=language)
