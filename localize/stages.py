"""The stages of an episode's chain and what each one reads, writes and depends on.

A stage is data plus one function: its name and version, the artifacts it needs, the files it makes and
the slice of the job it reads. The pipeline turns those into a cache key; the function only does the work.
Adding a stage never touches the runner.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from localize import band, media
from localize.asr import AsrOptions, WhisperEngine
from localize.characters import hotwords
from localize.delivery import DeliveryProfile
from localize.formats import import_transcript, render_track
from localize.glossary import load_glossary
from localize.job import Episode, Job
from localize.model import Track, Transcript, cues_from_json, cues_to_json
from localize.package import Release, build_package
from localize.package_qc import check_package
from localize.profiles import SubtitleProfile, load_profile
from localize.qc import Speech, check_track, report
from localize.segment import source_cues
from localize.sentences import cues_from_translations, sentences_from_cues
from localize.shots import SCENE_THRESHOLD, detect_shots
from localize.store import WorkStore, atomic_write_json, atomic_write_text
from localize.translate.argos import ArgosEngine
from localize.translate.draft import MtCache, MtEngine, draft_translation, qa_violations, record_translation_stats
from localize.translate.engines import ArgosMt, LlmMt, argos_code, machine_engine_name
from localize.translate.llm import LlmEngine, LlmSettings
from localize.translate.tm import TranslationMemory
from localize.translate.tmx import read_tmx


class Tools:
    """Heavy things a run shares across episodes, created on first use and passed to every stage."""

    def __init__(self, job: Job, ffmpeg_binary: str, store: WorkStore):
        self.job = job
        self.ffmpeg = ffmpeg_binary
        self.store = store
        self._whisper: WhisperEngine | None = None
        self._memory: TranslationMemory | None = None
        self._engines: dict[str, MtEngine | None] = {}
        self._ocr: band.Ocr | None = None

    def whisper(self) -> WhisperEngine:
        if self._whisper is None:
            asr = self.job.asr
            self._whisper = WhisperEngine.load(asr.model, compute_type=asr.compute_type, device=asr.device)
        return self._whisper

    def memory(self) -> TranslationMemory:
        """The work store's translation memory, with the job's TMX files loaded (adding twice adds nothing)."""
        if self._memory is None:
            self._memory = TranslationMemory(self.store.db)
            for path in self.job.translation.tm:
                self._memory.add(read_tmx(path, source_lang=self.job.source_language).units)
        return self._memory

    def ran_on_gpu(self, stage: str) -> bool:
        """Whether ``stage`` just ran on a GPU, so the cost ledger prices it at the GPU rate."""
        return stage == "transcribe" and self._whisper is not None and self._whisper.device == "cuda"

    def ocr(self) -> band.Ocr:
        if self._ocr is None:
            self._ocr = band.load_ocr()
        return self._ocr

    def mt_engine(self, language: str) -> MtEngine | None:
        """The machine engine for one target language, loaded once per run (None: TM only)."""
        if language not in self._engines:
            settings = self.job.translation
            name = machine_engine_name(settings.engines_for(language))
            source = self.job.source_language
            engine: MtEngine | None = None
            if name == "argos":
                engine = ArgosMt(ArgosEngine.load(argos_code(source), argos_code(language)))
            elif name == "llm":
                llm = LlmSettings.from_env(settings.llm.base_url, settings.llm.model)
                llm = replace(llm, max_batch=settings.llm.max_batch)
                engine = LlmMt(LlmEngine(llm, self.store.root / "state.sqlite"), source, language, settings.synopsis)
            self._engines[language] = engine
        return self._engines[language]


@dataclass(frozen=True)
class StageCall:
    """Everything one execution of a stage gets."""

    job: Job
    episode: Episode
    inputs: dict[str, Path]
    out: Path  # a private staging folder; files written here are published atomically afterwards
    tools: Tools
    progress: Callable[[float], None]

    def output(self, artifact: str, stage: Stage) -> Path:
        return self.out / stage.file_name(artifact, self.job, self.episode)


@dataclass(frozen=True)
class Stage:
    name: str
    version: int  # bump when the stage's output for the same inputs changes
    needs: tuple[str, ...]
    makes: dict[str, str]  # artifact name -> file name template ({episode}, {source_language})
    settings: Callable[[Job], dict[str, Any]]
    action: Callable[[StageCall, Stage], None]

    def file_name(self, artifact: str, job: Job, episode: Episode) -> str:
        return self.makes[artifact].format(episode=episode.id, source_language=job.source_language)


def _ingest(call: StageCall, stage: Stage) -> None:
    info = media.probe(call.inputs["video"])
    media.require_audio(info)
    atomic_write_json(call.output("probe", stage), info.to_json() | {"path": call.inputs["video"].name})
    media.extract_audio(call.inputs["video"], call.output("audio", stage), call.tools.ffmpeg)


def asr_hotwords(job: Job) -> str | None:
    return hotwords(job.characters) if job.asr.hotwords and job.characters else None


def _transcribe(call: StageCall, stage: Stage) -> None:
    asr = call.job.asr
    options = AsrOptions(language=call.job.source_language, beam_size=asr.beam_size, vad=asr.vad,
                         hotwords=asr_hotwords(call.job))
    transcript = call.tools.whisper().transcribe(call.inputs["audio"], options, call.progress)
    atomic_write_json(call.output("transcript", stage), transcript.to_json())


def _import(call: StageCall, stage: Stage) -> None:
    duration_ms = _read_json(call.inputs["probe"])["duration_ms"]
    transcript = import_transcript(call.inputs["subtitles"], call.job.source_language, duration_ms)
    atomic_write_json(call.output("transcript", stage), transcript.to_json())


def _shots(call: StageCall, stage: Stage) -> None:
    probe = _read_json(call.inputs["probe"])
    cuts = detect_shots(call.inputs["video"], call.tools.ffmpeg) if probe["width"] else []
    atomic_write_json(call.output("shots", stage), {"cuts_ms": cuts})


def episode_profile(job: Job, language: str, probe: dict[str, Any]) -> SubtitleProfile:
    """The job's subtitle profile for one language at this episode's frame rate."""
    fps = Fraction(probe["fps"]) if probe.get("fps") else None
    settings = job.subtitles
    return load_profile(settings.profile, language, fps, settings.burned_in_band_top, data=settings.rules)


def _source_cues(call: StageCall, stage: Stage) -> None:
    transcript = Transcript.from_json(_read_json(call.inputs["transcript"]))
    probe = _read_json(call.inputs["probe"])
    cuts = tuple(_read_json(call.inputs["shots"])["cuts_ms"])
    profile = episode_profile(call.job, transcript.language, probe)
    timed = source_cues(transcript, profile, cuts, probe["duration_ms"])
    cues = [t.cue for t in timed]
    violations = check_track(cues, profile, cuts, [Speech(t.speech_start_ms, t.speech_end_ms) for t in timed])
    track = Track(transcript.language, tuple(cues))
    atomic_write_json(call.output("cues", stage), cues_to_json(cues, transcript.language))
    atomic_write_text(call.output("srt", stage), render_track(track, "srt"))
    atomic_write_json(call.output("qc", stage), report(cues, violations, profile))


def _translate(call: StageCall, stage: Stage, language: str) -> None:
    job = call.job
    probe = _read_json(call.inputs["probe"])
    cuts = tuple(_read_json(call.inputs["shots"])["cuts_ms"])
    source = cues_from_json(_read_json(call.inputs["cues"]))
    sentences = sentences_from_cues(source, job.source_language)
    engine = call.tools.mt_engine(language)
    tokens_before = _llm_tokens(engine)
    draft = draft_translation(sentences, job.source_language, language,
                              glossaries=[load_glossary(p) for p in job.glossaries], characters=job.characters,
                              memory=call.tools.memory() if "tm" in job.translation.engines_for(language) else None,
                              tm_threshold=job.translation.tm_threshold, engine=engine,
                              cache=MtCache(call.tools.store.db), currency=job.translation.currency_for(language))
    profile = episode_profile(job, language, probe)
    timed = cues_from_translations(sentences, [line.target for line in draft.lines], profile, cuts,
                                   probe["duration_ms"])
    cues = [t.cue for t in timed]
    violations = check_track(cues, profile, cuts, [Speech(t.speech_start_ms, t.speech_end_ms) for t in timed])
    violations += qa_violations(draft, [t.speech_start_ms for t in timed])
    violations.sort(key=lambda v: v.cue)
    stats = {"tm": draft.leverage, "mt": {"engine": engine.identity if engine else None, "cached": draft.cached,
                                          "segments": draft.engine_calls, "units": draft.engine_units},
             "llm_tokens": [a - b for a, b in zip(_llm_tokens(engine), tokens_before, strict=True)]}
    atomic_write_json(call.output(f"draft.{language}", stage), draft.to_json() | {"stats": stats})
    atomic_write_text(call.output(f"srt.{language}", stage), render_track(Track(language, tuple(cues)), "srt"))
    atomic_write_json(call.output("qc", stage), report(cues, violations, profile))
    record_translation_stats(call.tools.store.db, call.episode.id, language, stats)


def _llm_tokens(engine: MtEngine | None) -> tuple[int, int]:
    usage = engine.engine.usage if isinstance(engine, LlmMt) else None
    return (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)


def translate_stage(language: str, job: Job) -> Stage:
    """One target language's stage: its inputs are the source cues and every file that binds the wording."""
    settings = job.translation
    return Stage(
        f"translate.{language}", 2, needs=("cues", "probe", "shots", *job_files(job)),
        makes={f"draft.{language}": "draft.json", f"srt.{language}": f"{{episode}}.{language}.srt", "qc": "qc.json"},
        settings=lambda j: {"language": language, "engines": settings.engines_for(language),
                            "tm_threshold": settings.tm_threshold, "synopsis": settings.synopsis,
                            "currency": settings.currency_for(language),
                            "llm": asdict(settings.llm), "subtitles": asdict(j.subtitles)},
        action=lambda call, stage: _translate(call, stage, language),
    )


def episode_number(episode: Episode, job: Job) -> int:
    """The number a package names: the digits of the id (ep07 → 7), else the episode's place in the job."""
    digits = re.findall(r"\d+", episode.id)
    return int(digits[-1]) if digits else [e.id for e in job.episodes].index(episode.id) + 1


def package_languages(job: Job, profile: DeliveryProfile) -> tuple[str, ...]:
    """Soft and sidecar packages carry every target (the first is the default); a burned one only the first."""
    return job.targets[:1] if profile.subtitles == "burned" else job.targets


def _package(call: StageCall, stage: Stage, profile: DeliveryProfile) -> None:
    """Build the release into the stage's own folder, then record package QC as the stage's ``qc`` so a
    package that fails it makes ``localize run`` exit 1 like any other failed check."""
    job = call.job
    series = job.series
    release = Release(series.title, episode_number(call.episode, job), series.first_producer or None,
                      series.licence or None)
    subs = [(language, call.inputs[f"srt.{language}"]) for language in package_languages(job, profile)]
    mask_band = profile.mask_band
    if profile.detects_band:
        found = _read_json(call.inputs["band"])["band"]
        mask_band = tuple(found) if found else None
    folder = call.out / RELEASE
    build_package(call.inputs["video"], subs, profile, folder, release, job.source_language, call.tools.ffmpeg,
                  mask_band=mask_band)
    failures = check_package(folder, profile)
    atomic_write_json(call.output("qc", stage), {"profile": profile.name, "passed": not failures,
                                                 "failures": [failure.to_json() for failure in failures]})


def package_stage(profile: DeliveryProfile, job: Job, episode: Episode) -> Stage:
    """One delivery profile's release package, built from the translated SRTs and checked by package QC.
    Every delivered file is an output, so a deleted or edited one makes the next run rebuild the package."""
    languages = package_languages(job, profile)
    band_input = ("band",) if profile.detects_band else ()
    return Stage(
        f"package.{profile.name}", 2,
        needs=("video", "probe", *band_input, *(f"srt.{language}" for language in languages)),
        makes={"manifest": f"{RELEASE}/manifest.json", **release_files(profile, job, episode), "qc": "qc.json"},
        settings=lambda j: {"profile": asdict(profile), "languages": languages,
                            "series": asdict(j.series), "source_language": j.source_language},
        action=lambda call, stage: _package(call, stage, profile),
    )


def release_files(profile: DeliveryProfile, job: Job, episode: Episode) -> dict[str, str]:
    """The files a package delivers besides its manifest, as named by the profile. Artifact names carry the
    profile's name so they never shadow the episode's own ``video`` or a translation's ``srt.<lang>``."""
    slug, number = Release(job.series.title).series_slug, episode_number(episode, job)
    languages = package_languages(job, profile)
    files = {f"{profile.name}.mp4": f"{RELEASE}/{profile.stem(slug, number, languages[0])}.mp4"}
    for language in languages if profile.subtitles == "sidecar" else ():
        for fmt in profile.sidecars:
            files[f"{profile.name}.{fmt}.{language}"] = f"{RELEASE}/{profile.stem(slug, number, language)}.{fmt}"
    return files


def _band(call: StageCall, stage: Stage) -> None:
    """Where the original Chinese subtitles are burned in, for profiles whose mask band is ``auto``."""
    found = band.find_band(call.inputs["video"], call.tools.ffmpeg, call.tools.ocr(), progress=call.progress)
    atomic_write_json(call.output("band", stage), found.to_json())


def job_files(job: Job) -> dict[str, Path]:
    """Files of the job (not of one episode) whose content decides a translation."""
    files = {f"glossary{i}": path for i, path in enumerate(job.glossaries)}
    files |= {f"tm{i}": path for i, path in enumerate(job.translation.tm)}
    if job.characters_file:
        files["characters"] = job.characters_file
    return files


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


INGEST = Stage("ingest", 1, needs=("video",), makes={"probe": "probe.json", "audio": "audio.wav"},
               settings=lambda job: {}, action=_ingest)
TRANSCRIBE = Stage(
    "transcribe", 1, needs=("audio",), makes={"transcript": "transcript.json"},
    settings=lambda job: {"language": job.source_language, "model": job.asr.model,
                          "compute_type": job.asr.compute_type, "device": job.asr.device,
                          "beam_size": job.asr.beam_size, "vad": job.asr.vad, "hotwords": asr_hotwords(job)},
    action=_transcribe,
)
IMPORT = Stage("import", 2, needs=("subtitles", "probe"), makes={"transcript": "transcript.json"},
               settings=lambda job: {"language": job.source_language}, action=_import)
SHOTS = Stage("shots", 1, needs=("video", "probe"), makes={"shots": "shots.json"},
              settings=lambda job: {"threshold": SCENE_THRESHOLD}, action=_shots)
SOURCE_CUES = Stage("source_cues", 2, needs=("transcript", "probe", "shots"),
                    makes={"cues": "cues.json", "srt": "{episode}.{source_language}.srt", "qc": "qc.json"},
                    settings=lambda job: {"language": job.source_language, "subtitles": asdict(job.subtitles)},
                    action=_source_cues)

BAND = Stage("band", 1, needs=("video", "probe"), makes={"band": "band.json"},
             settings=lambda job: {"samples": band.SAMPLES, "scan_width": band.SCAN_WIDTH,
                                   "min_score": band.MIN_SCORE, "min_share": band.MIN_SHARE,
                                   "min_change": band.MIN_CHANGE},
             action=_band)

RELEASE = "release"  # the package folder inside a package.<profile> stage folder: what gets uploaded
ALL_STAGES = (INGEST, SHOTS, TRANSCRIBE, IMPORT, SOURCE_CUES, BAND)


def chain_for(episode: Episode, job: Job) -> tuple[Stage, ...]:
    """The stages one episode goes through, in order."""
    first = (INGEST, SHOTS, IMPORT if episode.subtitles else TRANSCRIBE, SOURCE_CUES)
    translations = tuple(translate_stage(language, job) for language in job.targets)
    detection = (BAND,) if any(profile.detects_band for profile in job.delivery) else ()
    return first + translations + detection + tuple(package_stage(profile, job, episode) for profile in job.delivery)


def sources_of(episode: Episode, job: Job) -> dict[str, Path]:
    """The files the stages read that no stage made: the episode's own, and the job's glossaries and TMX."""
    sources = {"video": episode.video}
    if episode.subtitles:
        sources["subtitles"] = episode.subtitles
    return sources | job_files(job)
