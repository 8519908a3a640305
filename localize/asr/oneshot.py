"""One-shot transcription (``localize transcribe``): media files in, subtitle files out, no work store.

It takes the pipeline's path, so the same video gives the same cues as a job's ``source_cues``: the same 16 kHz
WAV extracted by ffmpeg (decoding the media another way resamples differently, and Whisper hears the difference),
the same engine and guards, the same shot changes to snap to, the same cue split. It checks every input before
it loads the model or writes anything.
"""

from __future__ import annotations

import tempfile
import time
from fractions import Fraction
from pathlib import Path

from localize import media
from localize.asr.whisper import AsrOptions, WhisperEngine
from localize.errors import BadInput
from localize.formats import output_format, render_track
from localize.model import Track
from localize.progress import Reporter
from localize.store import atomic_write_text
from localize.subtitles.profiles import load_profile, screen
from localize.subtitles.segment import source_cues
from localize.subtitles.shots import detect_shots


def plan_outputs(inputs: list[Path], output: Path, fmt: str) -> list[tuple[Path, Path, str]]:
    """Pair each input with its output file: OUT.ext for one input, OUT/<stem>.<fmt> for a folder."""
    if len(inputs) == 1 and output.suffix and not output.is_dir():
        return [(inputs[0], output, output_format(output))]
    if output.exists() and not output.is_dir():
        raise BadInput(f"-o {output}: several inputs need a folder for -o, not a file")
    stems = [p.stem for p in inputs]
    clash = next((s for s in stems if stems.count(s) > 1), None)
    if clash:
        raise BadInput(f"two inputs are named '{clash}': their outputs would overwrite each other")
    return [(source, output / f"{source.stem}.{fmt}", fmt) for source in inputs]


def transcribe_files(inputs: list[Path], output: Path, fmt: str, *, model: str, language: str | None,
                     beam_size: int, compute_type: str, vad: bool, profile: str, reporter: Reporter) -> list[Path]:
    plan = plan_outputs(inputs, output, fmt)
    screen(profile)  # an unknown profile fails before the model loads
    ffmpeg = media.find_ffmpeg()
    probes = {}
    for source, _, _ in plan:
        probes[source] = media.probe(source)
        media.require_audio(probes[source])
    engine = WhisperEngine.load(model, compute_type=compute_type)
    options = AsrOptions(language=language, beam_size=beam_size, vad=vad)
    written = []
    try:
        for source, target, target_format in plan:
            reporter.stage_started(source.name, "transcribe")
            started = time.monotonic()
            with tempfile.TemporaryDirectory(prefix="localize-transcribe.") as temp:
                audio = Path(temp) / "audio.wav"
                media.extract_audio(source, audio, ffmpeg)
                transcript = engine.transcribe(audio, options, lambda done, name=source.name:
                                               reporter.stage_progress(name, "transcribe", done))
            info = probes[source]
            cuts = tuple(detect_shots(source, ffmpeg)) if info.width else ()
            rules = load_profile(profile, transcript.language, Fraction(info.fps) if info.fps else None)
            cues = tuple(t.cue for t in source_cues(transcript, rules, cuts, media_end_ms=info.duration_ms))
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(target, render_track(Track(transcript.language, cues), target_format, rules.screen))
            reporter.stage_finished(source.name, "transcribe", False, time.monotonic() - started)
            written.append(target)
    finally:
        reporter.close()
    return written
