"""A package's sound tracks: the episode's own sound and, for each dubbed language, its dub mix.

A delivery profile's ``audio.tracks`` says which a package carries: ``original``, ``dub`` (the dub alone, for a
platform that takes one sound track) or ``dub+original`` (the dub first and default, the original second, for a
viewer who switches back). Each track is brought to the profile's loudness on its own, measured first, so a quiet
dub does not inherit the original's gain; each is tagged with its language and a title naming what it is, and
exactly one, the first, is flagged default. The dub is mono: it goes out as dual-mono stereo, measured as
delivered, like the stereo original beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from localize import media
from localize.package import loudness
from localize.package.profiles import DeliveryProfile
from localize.package.qc import describe_streams, iso639_2, language_name

ORIGINAL, DUB = "original", "dub"
DUAL_MONO = "pan=stereo|c0=c0|c1=c0"
BITRATE = "192k"


@dataclass(frozen=True)
class SoundTrack:
    """One sound track of a package: the episode's own (``source`` None) or a dub's mix, with its loudness pass."""

    language: str
    kind: str  # ORIGINAL or DUB
    source: Path | None
    loudness_filter: str

    @property
    def title(self) -> str:
        return f"{language_name(self.language)} ({'dub' if self.kind == DUB else 'original'})"

    def to_json(self) -> dict[str, str]:
        return {"language": self.language, "kind": self.kind}


def wanted(mode: str, dubbed: list[str]) -> list[tuple[str, str]]:
    """(kind, dub language or "") of each track ``mode`` asks for, given the languages with a dub, in order."""
    dubs = [(DUB, language) for language in dubbed] if mode != ORIGINAL else []
    return dubs if mode == DUB and dubs else [*dubs, (ORIGINAL, "")]


def sound_tracks(video: Path, source_language: str, dubs: dict[str, Path], profile: DeliveryProfile,
                 ffmpeg: str) -> list[SoundTrack]:
    """The tracks the profile's ``audio.tracks`` asks for, each with its measured loudness pass. ``dubs``: each
    dubbed language's mix, in the package's language order."""
    # Every track ends where the episode's own sound does: loudnorm (the dynamic fallback) pads its last 100 ms block
    # with silence, so a sound not a multiple of 100 ms long would end up to 99 ms after the picture (package QC
    # allows one frame), and a dub mixed to the container's length (a picture starting 40 ms late ends 40 ms after the
    # sound) would too.
    samples = sound_length_ms(video) * profile.sample_rate // 1000
    tracks = []
    for kind, language in wanted(profile.audio_tracks, list(dubs)):
        source = dubs[language] if kind == DUB else None
        before = DUAL_MONO if kind == DUB else ""
        normalize = loudness.normalize_filter(source or video, profile.target_lufs, profile.true_peak_dbtp, ffmpeg,
                                              profile.sample_rate, before)
        # filtered frames from a WAV can carry timestamps with gaps, which the MP4 adds up to a track 60-80 ms longer
        # than its samples: number the samples again
        tracks.append(SoundTrack(language or source_language, kind, source,
                                 f"{normalize},atrim=end_sample={samples},asetpts=N/SR/TB"))
    return tracks


def sound_length_ms(path: Path) -> int:
    """How long the first audio stream of ``path`` lasts (its container's length when the stream does not say)."""
    audio = next(stream for stream in describe_streams(path) if stream["type"] == "audio")
    return round(audio["duration_ms"]) or media.probe(path).duration_ms


@dataclass(frozen=True)
class SoundArgs:
    """The ffmpeg arguments that carry the tracks: extra inputs, maps (after the picture's) and per-stream codec,
    filter, language, title and default flag."""

    inputs: list[str]
    maps: list[str]
    codecs: list[str]


def sound_args(tracks: list[SoundTrack], profile: DeliveryProfile, first_input: int) -> SoundArgs:
    """``first_input``: the ffmpeg input number the first dub file will get (inputs before it are the caller's)."""
    inputs: list[str] = []
    maps: list[str] = []
    codecs = ["-c:a", profile.audio_codec, "-ar", str(profile.sample_rate), "-b:a", BITRATE]
    for number, track in enumerate(tracks):
        if track.source is None:
            maps += ["-map", "0:a:0"]
        else:
            maps += ["-map", f"{first_input + len(inputs) // 2}:a:0"]
            inputs += ["-i", str(track.source.resolve())]
        codecs += [f"-filter:a:{number}", track.loudness_filter,
                   f"-metadata:s:a:{number}", f"language={iso639_2(track.language)}",
                   f"-metadata:s:a:{number}", f"title={track.title}",
                   f"-disposition:a:{number}", "default" if number == 0 else "0"]
    return SoundArgs(inputs, maps, codecs)
