"""Dubbing, for the languages of the job's ``dub: {targets}``: ``tts.<lang>``, the speech of every line, then
``fit.dub.<lang>``, the speech laid on the episode's timeline, then ``mix.<lang>``, the dub over the episode's M&E
stem or its own sound ducked under the dub, and ``listen.<lang>``, Whisper's hearing of the dub.

The fitted cues are grouped into synthesis units (short lines of one speaker said together, ``dub.fitting``) and
each unit is spoken in its speaker's voice from the series' voice map (``localize cast voices``); a speaker the
map does not know (unknown, or no map) gets the job's ``dub.voice``, else the language's first catalogue voice.
A line is read as the job's glossaries say their renderings are pronounced (``say``, ``glossary.pronunciation``),
and goes through the per-line cache, so an edited line re-synthesizes that line only. The stage makes
``speech.wav`` (every unit back to back, 16-bit mono at ``dub.speech.RATE``) and ``speech.json`` (each unit's
cues, text, the text read where a pronunciation changed it, voice and place in the WAV), which the fitting and
mixing stages read; its usage is the seconds synthesized, priced at ``tts_second``.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from localize import media
from localize.asr.whisper import AsrOptions, WhisperEngine
from localize.costs.usage import Usage
from localize.dub.catalogue import load_catalogue, speaks
from localize.dub.fitting import DEFAULTS, check_dub, fit_dub, synthesis_units
from localize.dub.intelligibility import episode_wer, heard_lines
from localize.dub.mix import DUCKING, MIX_RATE, background_and_dub, dub_to_background_db, mix
from localize.dub.pcm import pcm16, read_wav, write_wav
from localize.dub.speech import RATE, at_tempo, speak
from localize.dub.tts import ENGINES, check_engine
from localize.dub.voices import VoiceChoice, VoiceMap, cast_voices, label, load_voice_map
from localize.errors import BadInput
from localize.glossary import load_glossary
from localize.glossary.pronunciation import Pronunciations
from localize.job import Episode, Job
from localize.model import cues_from_json
from localize.model_cache import resolve_whisper_model
from localize.speakers.cast import CastMember
from localize.stages.registry import Stage, StageCall, qc_artifact, read_json
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
    pronounce = Pronunciations.from_pairs(call.settings["say"]).apply
    lines = speak(units, chosen, language, lambda name: call.engine(f"tts.{name}"), call.engine("tts_cache"),
                  call.ffmpeg, pronounce)
    write_wav(call.output(f"speech.{language}"), np.concatenate([line.pcm for line in lines] or [np.zeros(0, "<i2")]),
              RATE)
    offset, listed = 0, []
    for line in lines:
        listed.append({"cues": list(line.unit.cues), "start_ms": line.unit.start_ms, "end_ms": line.unit.end_ms,
                       "speaker": line.unit.speaker, "text": line.unit.text,
                       **({"spoken": line.spoken} if line.spoken != line.unit.text else {}), "voice": label(line.voice),
                       "offset": offset, "samples": len(line.pcm), "speech_ms": line.speech_ms})
        offset += len(line.pcm)
    atomic_write_json(call.output(f"lines.{language}"), {"language": language, "rate": RATE, "lines": listed})
    return Usage(tts_seconds=round(sum(len(line.pcm) for line in lines if line.synthesized) / RATE, 3))


def _settings(job: Job, language: str) -> dict[str, Any]:
    """The voices and the glossaries' pronunciations of this language (what changes the speech), not the whole map
    and glossary files: a glossary edit that changes no pronunciation re-synthesizes nothing."""
    voice_map = _voice_map(job)
    voices = {name: {language: choices[language]} for name, choices in voice_map.choices.items()
              if language in choices} if voice_map else {}
    given = job.dub.voice
    narrator = VoiceChoice(*given) if given else narrator_voice(language)
    files = tuple((path, path.stat().st_mtime_ns, path.stat().st_size) for path in job.glossaries)
    return {"language": language, "rate": RATE, "voices": voices, "narrator": narrator,
            "say": [list(pair) for pair in _pronunciations(files, language)]}


@functools.lru_cache(maxsize=16)
def _pronunciations(files: tuple[tuple[Path, int, int], ...], language: str) -> tuple[tuple[str, str], ...]:
    """The glossaries' pronunciations, read once per run rather than for every episode's stages (a 1,200-term
    glossary takes 0.2 s to read and lint). ``files``: (path, mtime, size), so an edited glossary is read again."""
    return Pronunciations.of([load_glossary(path) for path, _, _ in files], language).pairs


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
    return Stage(f"tts.{language}", 3, needs=(f"cues.{language}",),
                 makes={f"speech.{language}": "speech.wav", f"lines.{language}": "speech.json"},
                 action=_tts, reads=lambda j: _settings(j, language), preflight=lambda j: _check(j, language),
                 engines=(*(f"tts.{name}" for name in ENGINES), "tts_cache"), force_group="tts",
                 priced=("compute", "tts"), language=language)


def _read_speech(path: Path, listed: list[dict]) -> list[np.ndarray]:
    samples = read_wav(path)
    return [samples[line["offset"]:line["offset"] + line["samples"]] for line in listed]


def _fit_dub(call: StageCall) -> None:
    """Each line at its chunk's tempo, placed on its cue and cut where its room ends, into one episode-long stem;
    the QC report lists every line's placement and every broken dub rule (``localize run`` exits 1 on any)."""
    language = call.settings["language"]
    cues = cues_from_json(read_json(call.inputs[f"cues.{language}"]))
    listed = read_json(call.inputs[f"lines.{language}"])["lines"]
    units = synthesis_units(cues, language)
    if [list(u.cues) for u in units] != [line["cues"] for line in listed]:
        raise BadInput(f"the speech of {language} was made for other cues; run again with --force tts.{language}")
    video_end_ms, retime = read_json(call.inputs["probe"])["duration_ms"], call.settings["retime"]
    fitted = fit_dub(units, [line["speech_ms"] for line in listed], video_end_ms=video_end_ms, retime=retime)
    stem = np.zeros(video_end_ms * RATE // 1000, dtype="<i2")
    played_ms = []
    for placed, pcm in zip(fitted.lines, _read_speech(call.inputs[f"speech.{language}"], listed), strict=True):
        start = placed.start_ms * RATE // 1000
        room = min((placed.end_ms - placed.start_ms) * RATE // 1000, len(stem) - start)
        played = at_tempo(pcm, placed.tempo, call.ffmpeg)
        played_ms.append(len(played) * 1000 // RATE)
        spoken = played[:room]
        stem[start:start + len(spoken)] = spoken
    write_wav(call.output(f"dub.{language}"), stem, RATE)
    violations = check_dub(fitted.lines, cues, video_end_ms=video_end_ms, retime=retime, played_ms=played_ms)
    atomic_write_json(call.output(qc_artifact(f"fit.dub.{language}")), {
        "passed": not violations, "language": language,
        "violations": [v.to_json() for v in violations],
        "lines": [{"cues": [c + 1 for c in placed.cues], "start_ms": placed.start_ms, "end_ms": placed.end_ms,
                   "tempo": placed.tempo, "speech_ms": placed.speech_ms, "played_ms": played,
                   "flags": list(placed.flags), **({"max_chars": placed.max_chars} if placed.max_chars is not None
                                                   else {})}
                  for placed, played in zip(fitted.lines, played_ms, strict=True)],
        "chunks": [{"lines": list(chunk.lines), "tempo": chunk.tempo} for chunk in fitted.chunks],
    })


def fit_dub_stage(language: str) -> Stage:
    return Stage(f"fit.dub.{language}", 2, needs=(f"speech.{language}", f"lines.{language}", f"cues.{language}",
                                                  "probe"),
                 makes={f"dub.{language}": "dub.wav", qc_artifact(f"fit.dub.{language}"): "qc.json"},
                 action=_fit_dub, reads=lambda j: {"language": language, "fitting": DEFAULTS, "rate": RATE,
                                                   "retime": j.dub.retime},
                 force_group="fit.dub", language=language)


def _mix(call: StageCall) -> None:
    """The dub over the episode's M&E stem when the job gives one, else over its own sound ducked under the dub;
    summed at 48 kHz mono, as long as the video, with the measured dub-to-background ratio while the dub speaks."""
    language, me = call.settings["language"], call.inputs.get("me")
    placed = read_json(call.inputs[qc_artifact(f"fit.dub.{language}")])["lines"]
    length = read_json(call.inputs["probe"])["duration_ms"] * MIX_RATE // 1000
    background, dub = background_and_dub(me or call.inputs["video"], call.inputs[f"dub.{language}"], call.ffmpeg,
                                         length, duck=me is None)
    write_wav(call.output(f"mix.{language}"), pcm16(mix(background, dub)), MIX_RATE)
    spans = [(line["start_ms"], line["end_ms"]) for line in placed]
    atomic_write_json(call.output(f"mix_report.{language}"), {
        "language": language, "rate": MIX_RATE, "background": "me" if me else "original",
        "ducking": None if me else DUCKING, "dub_to_background_db": dub_to_background_db(background, dub, spans),
    })


def _check_me(episode: Episode) -> None:
    """An M&E stem is sound as long as its episode (within a second): another length is another episode's."""
    if episode.me is None:
        return
    stem, video = media.probe(episode.me), media.probe(episode.video)
    media.require_audio(stem)
    if abs(stem.duration_ms - video.duration_ms) > 1000:
        raise BadInput(f"the M&E stem {episode.me} lasts {stem.duration_ms / 1000:.1f} s but its episode "
                       f"{episode.video.name} {video.duration_ms / 1000:.1f} s: is it this episode's stem?")


def mix_stage(language: str, episode: Episode) -> Stage:
    background = "me" if episode.me else "video"
    return Stage(f"mix.{language}", 2, needs=(background, "probe", f"dub.{language}",
                                              qc_artifact(f"fit.dub.{language}")),
                 makes={f"mix.{language}": "mix.wav", f"mix_report.{language}": "mix.json"}, action=_mix,
                 reads=lambda j: {"language": language, "ducking": None if episode.me else DUCKING, "rate": MIX_RATE},
                 check_episode=lambda j, e: _check_me(e), force_group="mix", language=language, priced=("compute",))


def _listen(call: StageCall) -> Usage:
    """Whisper re-transcribes the dub; every line's and the episode's word error rate against the dubbed text,
    and each line over its limit, as the stage's QC report (``localize run`` exits 1 on a failure)."""
    language = call.settings["language"]
    whisper: WhisperEngine = call.engine("whisper")
    transcript = whisper.transcribe(call.inputs[f"dub.{language}"], AsrOptions(language=language))
    texts = [line["text"] for line in read_json(call.inputs[f"lines.{language}"])["lines"]]
    placed = read_json(call.inputs[qc_artifact(f"fit.dub.{language}")])["lines"]
    heard = heard_lines(texts, [word.text for segment in transcript.segments for word in segment.words], language)
    wer, line_limit, limit = episode_wer(heard), call.settings["max_line_wer"], call.settings["max_wer"]
    violations = [{"cue": placed[k]["cues"][0], "rule": "misheard", "measured": f"WER {line.wer:.0%}",
                   "limit": f"≤ {line_limit:.0%}", "description": f"heard \"{line.heard}\" for \"{line.text}\""}
                  for k, line in enumerate(heard) if line.wer > line_limit]
    if wer > limit:
        violations.append({"rule": "episode_wer", "measured": f"WER {wer:.1%}", "limit": f"≤ {limit:.0%}",
                           "description": "too much of the dub is misheard by Whisper: listen to the lines with "
                                          "the highest WER"})
    atomic_write_json(call.output(qc_artifact(f"listen.{language}")), {
        "passed": not violations, "language": language, "wer": round(wer, 4), "model": whisper.name,
        "violations": violations,
        "lines": [{"cues": placed[k]["cues"], "text": line.text, "heard": line.heard, "wer": round(line.wer, 4)}
                  for k, line in enumerate(heard)],
    })
    return Usage(on_gpu=whisper.device == "cuda")


def listen_stage(language: str) -> Stage:
    """The dub's intelligibility check: Whisper (the job's ``asr.model``) hears the dub on the episode's timeline.

    Not the mix: under a ducked original, Whisper hears the Chinese voices as English words, which the audience
    does not (the sample's dub: 4.8 % WER alone, 12.0 % in the mix). How far the dub stands above what is under it
    is ``mix.<lang>``'s dub-to-background ratio."""
    return Stage(f"listen.{language}", 3, needs=(f"dub.{language}", f"lines.{language}",
                                                 qc_artifact(f"fit.dub.{language}")),
                 makes={qc_artifact(f"listen.{language}"): "qc.json"}, action=_listen, engines=("whisper",),
                 reads=lambda j: {"language": language, "model": j.asr.model, "compute_type": j.asr.compute_type,
                                  "max_wer": j.dub.max_wer, "max_line_wer": j.dub.max_line_wer},
                 preflight=lambda j: resolve_whisper_model(j.asr.model), force_group="listen", language=language,
                 priced=("compute",))
