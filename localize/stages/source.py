"""From an episode's video to its timed source-language cues: ingest, shots, transcribe or import, source_cues."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from localize import media
from localize.asr.whisper import AsrOptions, WhisperEngine
from localize.costs.usage import Usage
from localize.errors import BadInput
from localize.formats import import_transcript, read_track
from localize.glossary.characters import hotwords
from localize.job import Episode, Job
from localize.model import Transcript, cues_to_json
from localize.model_cache import resolve_whisper_model
from localize.stages.registry import Stage, StageCall, qc_artifact, read_json
from localize.store import atomic_write_json
from localize.subtitles.profiles import SubtitleProfile, load_profile
from localize.subtitles.qc import Speech, check_track, report
from localize.subtitles.segment import source_cues
from localize.subtitles.shots import SCENE_THRESHOLD, detect_shots


def _check_media(job: Job, episode: Episode) -> None:
    info = media.probe(episode.video)
    media.require_audio(info)
    shortest = episode_profile(job.subtitles, job.source_language, info.to_json()).min_duration_ms
    if info.duration_ms < shortest:
        raise BadInput(f"{episode.video} lasts {info.duration_ms / 1000:.2f} s, less than the shortest subtitle the "
                       f"'{job.subtitles.profile}' profile allows ({shortest / 1000:.2f} s), so nothing in it can be "
                       "subtitled; give the whole episode")


def _ingest(call: StageCall) -> None:
    info = media.probe(call.inputs["video"])
    media.require_audio(info)
    atomic_write_json(call.output("probe"), info.to_json() | {"path": call.inputs["video"].name})
    media.extract_audio(call.inputs["video"], call.output("audio"), call.ffmpeg)


def asr_hotwords(job: Job) -> str | None:
    return hotwords(job.characters) if job.asr.hotwords and job.characters else None


def _asr_settings(job: Job) -> dict[str, Any]:
    asr = job.asr
    return {"language": job.source_language, "model": asr.model, "compute_type": asr.compute_type,
            "device": asr.device, "beam_size": asr.beam_size, "vad": asr.vad, "hotwords": asr_hotwords(job)}


def _transcribe(call: StageCall) -> Usage:
    settings = call.settings
    options = AsrOptions(language=settings["language"], beam_size=settings["beam_size"], vad=settings["vad"],
                         hotwords=settings["hotwords"])
    whisper: WhisperEngine = call.engine("whisper")
    transcript = whisper.transcribe(call.inputs["audio"], options, call.progress)
    atomic_write_json(call.output("transcript"), transcript.to_json())
    return Usage(on_gpu=whisper.device == "cuda")


def _check_subtitles(job: Job, episode: Episode) -> None:
    if episode.subtitles:
        read_track(episode.subtitles, job.source_language)


def _import(call: StageCall) -> None:
    duration_ms = read_json(call.inputs["probe"])["duration_ms"]
    transcript = import_transcript(call.inputs["subtitles"], call.settings["language"], duration_ms)
    atomic_write_json(call.output("transcript"), transcript.to_json())


def _shots(call: StageCall) -> None:
    probe = read_json(call.inputs["probe"])
    cuts = (detect_shots(call.inputs["video"], call.ffmpeg, call.settings["threshold"], call.engines.cpu_threads)
            if probe["width"] else [])
    atomic_write_json(call.output("shots"), {"cuts_ms": cuts})


def episode_profile(subtitles: Any, language: str, probe: dict[str, Any]) -> SubtitleProfile:
    """The job's subtitle profile (``SubtitleSettings``) for one language at this episode's frame rate."""
    fps = Fraction(probe["fps"]) if probe.get("fps") else None
    return load_profile(subtitles.profile, language, fps, subtitles.burned_in_band_top, data=subtitles.rules)


def _source_cues(call: StageCall) -> None:
    transcript = Transcript.from_json(read_json(call.inputs["transcript"]))
    probe = read_json(call.inputs["probe"])
    cuts = tuple(read_json(call.inputs["shots"])["cuts_ms"])
    profile = episode_profile(call.settings["subtitles"], transcript.language, probe)
    timed = source_cues(transcript, profile, cuts, probe["duration_ms"])
    cues = [t.cue for t in timed]
    violations = check_track(cues, profile, cuts, [Speech(t.speech_start_ms, t.speech_end_ms) for t in timed])
    atomic_write_json(call.output("cues"), cues_to_json(cues, transcript.language))
    atomic_write_json(call.output(qc_artifact("source_cues")), report(cues, violations, profile))


INGEST = Stage("ingest", 1, needs=("video",), makes={"probe": "probe.json", "audio": "audio.wav"}, action=_ingest,
               check_episode=_check_media)
SHOTS = Stage("shots", 2, needs=("video", "probe"), makes={"shots": "shots.json"}, action=_shots,
              reads=lambda job: {"threshold": SCENE_THRESHOLD})
TRANSCRIBE = Stage("transcribe", 2, needs=("audio",), makes={"transcript": "transcript.json"}, action=_transcribe,
                   reads=_asr_settings, engines=("whisper",),
                   preflight=lambda job: resolve_whisper_model(job.asr.model))
IMPORT = Stage("import", 3, needs=("subtitles", "probe"), makes={"transcript": "transcript.json"}, action=_import,
               reads=lambda job: {"language": job.source_language}, check_episode=_check_subtitles)


def source_cues_stage(job: Job) -> Stage:
    """The episode's cues in the source language, timed to the job's subtitle profile and checked."""
    return Stage("source_cues", 5, needs=("transcript", "probe", "shots"),
                 makes={"cues": f"cues.{job.source_language}.json", qc_artifact("source_cues"): "qc.json"},
                 action=_source_cues, reads=lambda j: {"language": j.source_language, "subtitles": j.subtitles})
