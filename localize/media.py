"""The media edge: find ffmpeg, probe files with PyAV, extract the audio the recogniser reads.

imageio-ffmpeg ships a static ffmpeg with no ffprobe, so probing goes through PyAV (already a
faster-whisper dependency) and only processing goes through the ffmpeg binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import av
import ffmpeg

from localize.errors import BadInput, Unavailable

ASR_SAMPLE_RATE = 16_000


def find_ffmpeg(explicit: str | None = None) -> str:
    """Explicit setting (argument or LOCALIZE_FFMPEG) → ``ffmpeg`` on PATH → imageio-ffmpeg's binary."""
    explicit = explicit or os.environ.get("LOCALIZE_FFMPEG")
    if explicit:
        if not Path(explicit).is_file():
            raise Unavailable(f"ffmpeg not found at {explicit} (LOCALIZE_FFMPEG); point it at an ffmpeg binary")
        return explicit
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    try:
        import imageio_ffmpeg
    except ImportError:
        raise Unavailable("no ffmpeg found; run: pip install imageio-ffmpeg") from None
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class StreamInfo:
    index: int
    type: str
    codec: str
    language: str | None
    width: int | None = None
    height: int | None = None
    fps: str | None = None
    sample_rate: int | None = None
    channels: int | None = None


@dataclass(frozen=True)
class Probe:
    path: str
    size_bytes: int
    format: str
    duration_ms: int
    width: int | None
    height: int | None
    fps: str | None  # exact rational as text ("30000/1001"), so frame maths stays exact
    streams: tuple[StreamInfo, ...]

    @property
    def has_audio(self) -> bool:
        return any(s.type == "audio" for s in self.streams)

    def to_json(self) -> dict:
        return asdict(self)


def probe(path: Path) -> Probe:
    """Describe a media file; raise BadInput with a one-line reason for anything that is not one."""
    if not path.exists():
        raise BadInput(f"media file not found: {path}")
    if not path.is_file():
        raise BadInput(f"not a file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise BadInput(f"media file is empty (0 bytes): {path}")
    try:
        with av.open(str(path)) as container:
            streams = tuple(_stream_info(s) for s in container.streams if s.type in ("video", "audio", "subtitle"))
            duration_ms = _duration_ms(container)
            fmt = container.format.name
    except av.error.FFmpegError as exc:
        raise BadInput(f"not a readable audio/video file: {path} ({exc.strerror or type(exc).__name__})") from None
    if not streams or duration_ms <= 0:
        raise BadInput(f"not a readable audio/video file: {path} (no audio or video streams)")
    video = next((s for s in streams if s.type == "video"), None)
    return Probe(
        path=str(path),
        size_bytes=size,
        format=fmt,
        duration_ms=duration_ms,
        width=video.width if video else None,
        height=video.height if video else None,
        fps=video.fps if video else None,
        streams=streams,
    )


def require_audio(info: Probe) -> None:
    if not info.has_audio:
        raise BadInput(f"{info.path} has no audio stream; an episode needs its dialogue track")


def _stream_info(stream: av.stream.Stream) -> StreamInfo:
    language = (stream.metadata or {}).get("language")
    base = dict(index=stream.index, type=stream.type, codec=stream.codec_context.name if stream.codec_context else "",
                language=language)
    if stream.type == "video":
        rate = stream.average_rate or stream.base_rate
        return StreamInfo(**base, width=stream.codec_context.width, height=stream.codec_context.height,
                          fps=str(Fraction(rate)) if rate else None)
    if stream.type == "audio":
        return StreamInfo(**base, sample_rate=stream.codec_context.sample_rate,
                          channels=stream.codec_context.channels)
    return StreamInfo(**base)


def _duration_ms(container: av.container.InputContainer) -> int:
    if container.duration:
        return int(container.duration // 1000)  # container.duration is in microseconds
    longest = 0
    for stream in container.streams:
        if stream.duration and stream.time_base:
            longest = max(longest, int(stream.duration * stream.time_base * 1000))
    return longest


def extract_audio(source: Path, target: Path, ffmpeg_binary: str) -> None:
    """Write the first audio stream as 16 kHz mono 16-bit WAV: what Whisper and the VAD read."""
    command = (
        ffmpeg.input(str(source))
        .output(str(target), map="0:a:0", ac=1, ar=ASR_SAMPLE_RATE, acodec="pcm_s16le",
                fflags="+bitexact", **{"flags:a": "+bitexact"})
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .overwrite_output()
        .compile(cmd=ffmpeg_binary)
    )
    result = subprocess.run(command, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit {result.returncode}"
        raise BadInput(f"ffmpeg could not extract audio from {source}: {reason}")
