"""Speech recognition with faster-whisper: one model per process, word timestamps, VAD, clean output.

The engine is created once (``WhisperEngine.load``) and passed to every episode, because loading is
the slow part on a laptop and our users run whole series.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localize.asr.hallucination import MAX_COMPRESSION_RATIO, clean_segments, text_of
from localize.cpus import engine_threads
from localize.errors import Unavailable
from localize.languages import chinese_script, whisper_language
from localize.model import Segment, Transcript, Word
from localize.model_cache import install_hint, localize_home, resolve_whisper_model

Progress = Callable[[float], None]
# A window that loops at temperature 0 is decoded again with this penalty on tokens already written. On the
# tongue-twister sample (samples/twister.m4a) 1.3 gave CER 32 %; 1.2 still looped (88 %), 1.5 dropped words (48 %).
LOOP_REPETITION_PENALTY = 1.3


@dataclass(frozen=True)
class AsrOptions:
    language: str | None  # BCP-47 tag of the source, e.g. zh-Hans; None lets Whisper detect it
    beam_size: int = 5
    vad: bool = True
    hotwords: str | None = None  # names the recogniser should prefer, space-separated


def to_script(text: str, converter: Any | None) -> str:
    return converter.convert(text) if converter else text


@functools.lru_cache(maxsize=4)
def script_converter(language: str) -> Any | None:
    """An OpenCC converter when Whisper's Chinese must be turned into the job's script, else None.

    Whisper often writes Traditional characters for Mandarin; CER against Simplified text drops from ~40 %
    to ~3 % after t2s.
    """
    script = chinese_script(language)
    if script is None:
        return None
    import opencc

    return opencc.OpenCC("t2s" if script == "Hans" else "s2t")


@functools.cache
def loop_breaking_model() -> type:
    """faster-whisper's ``WhisperModel``, except that a window whose text loops is decoded a second time with a
    repetition penalty, and the less repetitive of the two decodes is kept.

    faster-whisper's own fallback samples at rising temperatures instead: other text on every run (and on our
    tongue twister worse, CER 84-95 % against 32 %). It cannot be made reproducible per file: CTranslate2 seeds
    each worker thread's generator once, on first use, so a seed set later does not reach it. Beam search with
    a penalty is deterministic: the same audio always gives the same text. The class is built on first use
    because faster-whisper is imported only when a model is loaded.
    """
    from faster_whisper import WhisperModel

    class LoopBreakingWhisper(WhisperModel):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.retries: list[dict[str, Any]] = []  # windows decoded again, appended as decoding goes

        def generate_with_fallback(self, encoder_output: Any, prompt: list[int], tokenizer: Any,
                                   options: Any) -> tuple[Any, float, float, float]:
            first = super().generate_with_fallback(encoder_output, prompt, tokenizer, options)
            if first[3] <= options.compression_ratio_threshold:
                return first
            penalised = dataclasses.replace(options, repetition_penalty=LOOP_REPETITION_PENALTY)
            second = super().generate_with_fallback(encoder_output, prompt, tokenizer, penalised)
            kept = second if second[3] < first[3] else first
            self.retries.append({"looped": tokenizer.decode(first[0].sequences_ids[0]).strip()[:60],
                                 "compression_ratio": round(first[3], 4),
                                 "retry_compression_ratio": round(second[3], 4),
                                 "kept": "retry" if kept is second else "first"})
            return kept

    return LoopBreakingWhisper


class WhisperEngine:
    """A loaded faster-whisper model and the settings it was loaded with."""

    def __init__(self, model: Any, name: str, location: str, compute_type: str):
        self.model, self.name, self.location, self.compute_type = model, name, location, compute_type

    @property
    def device(self) -> str:
        """Where the model really runs ("cpu" or "cuda"), also when the job said ``device: auto``."""
        return str(getattr(self.model.model, "device", "cpu"))

    @classmethod
    def load(cls, model: str, compute_type: str = "int8", device: str = "cpu", cpu_threads: int | None = None
             ) -> WhisperEngine:
        """``cpu_threads``: default ``engine_threads()``; a pool of N workers gives each its share."""
        location = resolve_whisper_model(model)
        try:
            model_class = loop_breaking_model()
        except ImportError:
            raise Unavailable("faster-whisper is not installed; run: pip install localize") from None
        try:
            loaded = model_class(location, device=device, compute_type=compute_type,
                                  cpu_threads=cpu_threads or engine_threads(),
                                  download_root=str(localize_home() / "hub"))
        except (OSError, ValueError, RuntimeError) as exc:
            raise Unavailable(f"could not load Whisper model '{model}' ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else 'no detail'}); "
                              f"offline? run: {install_hint(model)}") from None
        return cls(loaded, model, location, compute_type)

    def transcribe(self, audio: Path, options: AsrOptions, progress: Progress | None = None) -> Transcript:
        self.model.retries.clear()
        segments_iter, info = self.model.transcribe(
            str(audio),
            language=whisper_language(options.language) if options.language else None,
            beam_size=options.beam_size,
            vad_filter=options.vad,
            hotwords=options.hotwords or None,
            word_timestamps=True,
            # Conditioning on earlier text is what lets one hallucination snowball into a loop.
            condition_on_previous_text=False,
            # No sampling fallback: the same audio always gives the same text (CI and cache keys rely on it).
            # A looping window is decoded again deterministically instead (``loop_breaking_model``).
            temperature=0.0,
            compression_ratio_threshold=MAX_COMPRESSION_RATIO,
        )
        language = options.language or info.language
        converter = script_converter(language)
        duration_ms = round(info.duration * 1000)
        raw: list[Segment] = []
        windows: list[int] = []
        for segment in segments_iter:
            raw.append(_to_segment(segment, converter))
            windows.append(segment.seek)
            if progress and duration_ms:
                progress(min(1.0, segment.end * 1000 / duration_ms))
        kept, dropped = clean_segments(raw, windows)
        retries = [retry | {"looped": to_script(retry["looped"], converter)} for retry in self.model.retries]
        return Transcript(
            language=language,
            origin="asr",
            duration_ms=duration_ms,
            segments=tuple(kept),
            engine={"engine": "faster-whisper", "model": self.name, "compute_type": self.compute_type,
                    "beam_size": options.beam_size, "vad": options.vad, "hotwords": options.hotwords,
                    "loop_repetition_penalty": LOOP_REPETITION_PENALTY, "loop_retries": retries},
            dropped=tuple(dropped),
        )


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _to_segment(segment: Any, converter: Any | None) -> Segment:
    words = tuple(
        Word(start_ms=_ms(w.start), end_ms=_ms(w.end), text=to_script(w.word, converter),
             probability=round(w.probability, 4))
        for w in (segment.words or ())
    )
    text = text_of(words) if words else to_script(segment.text.strip(), converter)
    return Segment(
        start_ms=words[0].start_ms if words else _ms(segment.start),
        end_ms=words[-1].end_ms if words else _ms(segment.end),
        text=text,
        words=words,
        avg_logprob=round(segment.avg_logprob, 4),
        no_speech_prob=round(segment.no_speech_prob, 4),
        compression_ratio=round(segment.compression_ratio, 4),
    )
