"""The media edge: find ffmpeg, probe files with PyAV, extract the audio the recogniser reads.

imageio-ffmpeg ships a static ffmpeg with no ffprobe, so probing goes through PyAV (already a
faster-whisper dependency) and only processing goes through the ffmpeg binary.
"""

from __future__ import annotations

import functools
import os
import shutil
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from localize import children
from localize.errors import BadInput, Unavailable

if TYPE_CHECKING:
    import av

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
    stat = path.stat()
    if stat.st_size == 0:
        raise BadInput(f"media file is empty (0 bytes): {path}")
    return _probe(path, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _probe(path: Path, size: int, mtime_ns: int) -> Probe:
    """``probe`` once per version of a file: preflight checks an episode for its ingest and for each delivery
    profile, and its stages read it again; size and modification time tell a changed file apart."""
    import av  # PyAV loads in ~80 ms: only commands that read media pay for it

    try:
        with av.open(str(path)) as container:
            streams = tuple(_stream_info(s) for s in container.streams
                            if s.type in ("video", "audio", "subtitle") and not _is_cover_art(s))
            duration_ms = _duration_ms(container)
            fmt = container.format.name
            if streams and duration_ms > 0:
                _require_complete(container, path)
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
    import ffmpeg  # ffmpeg-python, only to build this command: loaded by the commands that extract audio

    command = (
        ffmpeg.input(str(source))
        .output(str(target), map="0:a:0", ac=1, ar=ASR_SAMPLE_RATE, acodec="pcm_s16le",
                fflags="+bitexact", **{"flags:a": "+bitexact"})
        .global_args("-nostdin", "-hide_banner", "-loglevel", "error")
        .overwrite_output()
        .compile(cmd=ffmpeg_binary)
    )
    result = children.run(command, text=True)
    if result.returncode != 0:
        raise BadInput(f"ffmpeg could not extract audio from {source}: {children.failure_reason(result)}")


def require_picture(info: Probe) -> None:
    """A release package shows the episode: an audio-only file (or one whose only image is cover art) cannot be one."""
    if not info.width:
        raise BadInput(f"{info.path} has no video stream; a release package needs the episode's picture: "
                       "give the episode's video file, not its audio")


def _is_cover_art(stream: av.stream.Stream) -> bool:
    """An .m4a's album cover is a one-picture "video" stream; it is not the episode's picture."""
    import av

    return stream.type == "video" and bool(stream.disposition & av.stream.Disposition.attached_pic)


# Containers whose header declares every sample (MP4/MOV) or the length (Matroska/WebM): a file cut short still
# opens and plays up to the cut, so only comparing what the header promises with the data finds it. Elsewhere
# (MPEG-TS, raw streams) the duration is estimated from the file size and there is nothing to compare with.
_DECLARED_LENGTH = ("mov", "matroska")
_TRUNCATION_SLACK_S = 0.5  # stream ends legitimately differ by a frame or an audio packet, never by half a second


def _require_complete(container: av.container.InputContainer, path: Path) -> None:
    """Raise BadInput when the file is cut short (an interrupted download or copy). Cheap: seek to the last
    second and read the packets from there, without decoding; a packet the file ends inside is flagged corrupt."""
    import av

    if not container.duration or not container.format.name.startswith(_DECLARED_LENGTH):
        return
    declared_s = container.duration / 1_000_000
    start_s = (container.start_time or 0) / 1_000_000
    seek_s = max(0.0, declared_s - 1)
    end_s, partial = None, False
    streams = [s for s in container.streams if s.type in ("video", "audio")]
    try:
        container.seek(int((start_s + seek_s) * 1_000_000), backward=True)
        for packet in container.demux(*streams):
            if packet.pts is None or packet.time_base is None:
                continue  # the empty packet that flushes a demuxer
            partial |= packet.is_corrupt
            packet_end_s = float((packet.pts + (packet.duration or 0)) * packet.time_base) - start_s
            end_s = packet_end_s if end_s is None else max(end_s, packet_end_s)
    except av.error.FFmpegError:
        partial = True
    if end_s is None:
        stops = f"before {seek_s:.2f} s"
    elif end_s < declared_s - _TRUNCATION_SLACK_S:
        stops = f"at {end_s:.2f} s"
    elif partial:
        stops = "inside its last packet"
    else:
        return
    raise BadInput(f"media file is truncated: {path} (its header declares {declared_s:.2f} s, its data stops "
                   f"{stops}); copy or download it again")
