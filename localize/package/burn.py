"""Burned-in subtitles: hide the original Chinese subtitle band, then draw ours with libass, in one encode.

One ffmpeg run with one filtergraph (mask, then subtitles) keeps the picture in memory: no intermediate
full-size video, one generation of compression loss. libass gets the fonts shipped in ``localize/fonts``
through ``fontsdir``, so a fresh machine renders the same glyphs without any fontconfig set-up, and a
script none of them covers is refused before anything is encoded.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
from fractions import Fraction
from importlib import resources
from pathlib import Path

from localize import children, media
from localize.errors import BadInput
from localize.formats import ass
from localize.model import Track
from localize.package.audio import SoundTrack, sound_args
from localize.package.profiles import DeliveryProfile
from localize.subtitles.profiles import Screen

# Unicode script (first word of a character's name) → the shipped family that covers it.
FAMILIES = {"LATIN": "Noto Sans", "GREEK": "Noto Sans", "CYRILLIC": "Noto Sans",
            "THAI": "Noto Sans Thai", "ARABIC": "Noto Sans Arabic"}
# Scripts we know the missing font for, so the message says what to ship.
MISSING = {"CJK": "Noto Sans CJK", "HIRAGANA": "Noto Sans CJK JP", "KATAKANA": "Noto Sans CJK JP",
           "HANGUL": "Noto Sans CJK KR", "DEVANAGARI": "Noto Sans Devanagari", "HEBREW": "Noto Sans Hebrew"}
# Languages whose script we know before any text exists, for the check before a run starts.
LANGUAGE_SCRIPTS = {"zh": "CJK", "yue": "CJK", "ja": "HIRAGANA", "ko": "HANGUL", "hi": "DEVANAGARI", "he": "HEBREW"}
# The band's blur, done at 1/8 size (area-averaged down, box-blurred, bilinear back up to the band's {height}):
# the look of a radius-40 box blur on the full band for 1/64 of the pixels. The width rounds up and the overlay
# clips what overhangs the frame; the radii shrink to fit a thin band.
BLUR = ("scale=w=ceil(iw/8):h=ceil(ih/8):flags=area,"
        "boxblur=luma_radius='min((h-1)/2,5)':luma_power=3:chroma_radius='min((ch-1)/2,2)':chroma_power=3,"
        "scale=w=iw*8:h={height}:flags=bilinear")


def fonts_dir() -> Path:
    """The shipped fonts folder (a real folder in both the wheel and the editable install)."""
    return Path(str(resources.files("localize.fonts")))


def family_for(track: Track) -> str:
    """The shipped font family for the track's script; a script none covers is bad input, naming the font."""
    scripts: dict[str, int] = {}
    for cue in track.cues:
        for char in cue.text:
            if char.isalpha():
                script = unicodedata.name(char, "UNKNOWN").split(" ")[0]
                scripts[script] = scripts.get(script, 0) + 1
    uncovered = sorted(s for s in scripts if s not in FAMILIES)
    if uncovered:
        raise _no_font(uncovered[0], track.language)
    non_latin = [s for s in scripts if FAMILIES[s] != "Noto Sans"]
    return FAMILIES[max(non_latin, key=scripts.__getitem__)] if non_latin else "Noto Sans"


def require_font_for_language(language: str) -> None:
    """Refuse at once a burn-in into a language whose script no shipped font covers (e.g. ja, ko)."""
    script = LANGUAGE_SCRIPTS.get(language.split("-")[0].lower())
    if script:
        raise _no_font(script, language)


def _no_font(script: str, language: str) -> BadInput:
    font = MISSING.get(script, f"a Noto font for {script.title()} script")
    return BadInput(f"no shipped font covers the {script.title()} script of '{language}' subtitles; burn-in needs "
                    f"{font} in localize/fonts (shipped: {', '.join(sorted(set(FAMILIES.values())))})")


def render_ass(track: Track, screen: Screen, band_top: int | None, clearance_px: int) -> str:
    """The track as ASS on ``screen`` with captions kept above the masked band (if any), in the script's font."""
    placed = screen if band_top is None else screen.above_band(band_top, clearance_px)
    text = ass.render(track.cues, placed, {})
    family = family_for(track)
    return re.sub(r"^(Style: [^,]*),Noto Sans,", rf"\1,{family},", text, flags=re.MULTILINE)


def filtergraph(method: str | None, band: tuple[int, int] | None, scale: tuple[int, int] | None = None) -> str:
    """Mask the band (blur the cropped strip and lay it back, or a filled dark box), then draw burn.ass.

    ``band`` None (no burned-in original subtitles): nothing to hide, so only the subtitles filter runs.
    ``scale``: the profile's frame when the source is smaller or larger, reached after drawing (one resample).
    """
    resize = f",scale={scale[0]}:{scale[1]}:flags=lanczos" if scale else ""
    subtitles = f"subtitles=f=burn.ass:fontsdir=fonts{resize}[v]"
    if band is None:
        return f"[0:v]{subtitles}"
    top, bottom = band
    height = bottom - top
    if method == "blur":
        mask = (f"[0:v]split[base][strip];[strip]crop=iw:{height}:0:{top},{BLUR.format(height=height)}[soft];"
                f"[base][soft]overlay=0:{top}")
    else:
        mask = f"[0:v]drawbox=x=0:y={top}:w=iw:h={height}:color=0x101010@1:t=fill"
    return f"{mask},{subtitles}"


def encode_args(profile: DeliveryProfile, fps: Fraction | None) -> list[str]:
    """libx264 High 4:2:0 per profile, closed GOP of half a second."""
    gop = max(1, round((fps or Fraction(25)) / 2))
    rate = (["-b:v", profile.video_bitrate, "-maxrate", profile.video_bitrate, "-bufsize", profile.video_bitrate]
            if profile.video_bitrate else ["-crf", str(profile.video_crf if profile.video_crf is not None else 20)])
    return ["-c:v", "libx264", "-profile:v", profile.video_profile.lower(), "-pix_fmt", "yuv420p",
            "-preset", profile.video_preset, *rate, "-g", str(gop), "-keyint_min", str(gop),
            "-flags:v", "+bitexact+cgop"]


def burn_command(video: Path, track: Track, profile: DeliveryProfile, band: tuple[int, int] | None,
                 screen: Screen, clearance_px: int, target: Path, ffmpeg: str, tags: list[str],
                 sound: list[SoundTrack], work: Path) -> list[str]:
    """The ffmpeg command that encodes ``video`` with the band masked and ``track`` burned in to ``target``; it
    writes ``burn.ass`` and a ``fonts`` link into ``work``, the folder the command must run in (tags: extra
    ffmpeg args; ``sound``: the sound tracks, each with its loudness pass; ``band``: None when the source has no
    burned-in subtitles)."""
    if band is not None and profile.mask_method is None:
        raise BadInput(f"profile '{profile.name}' burns subtitles in but names no mask method (blur or box)")
    info = media.probe(video)
    if band is not None and info.height is not None and band[1] > info.height:
        raise BadInput(f"mask band {band[0]}:{band[1]} lies outside the {info.width}x{info.height} frame of {video}")
    size = profile.rescale(video, info.width, info.height)
    frame_screen = screen.fitted(info.width, info.height) if info.width and info.height else screen
    clearance = round(clearance_px * frame_screen.height / screen.height)
    # Relative names inside the filtergraph: no escaping of ':' or quotes in real paths.
    (work / "burn.ass").write_text(render_ass(track, frame_screen, band[0] if band else None, clearance),
                                   encoding="utf-8")
    (work / "fonts").symlink_to(fonts_dir(), target_is_directory=True)
    fps = Fraction(info.fps) if info.fps else None
    audio = sound_args(sound, profile, first_input=1)
    return [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-i", str(video.resolve()), *audio.inputs, "-filter_complex", filtergraph(profile.mask_method, band, size),
            "-map", "[v]", *audio.maps, *encode_args(profile, fps), *audio.codecs, "-fflags", "+bitexact",
            "-flags:a", "+bitexact", *tags, "-movflags", "+faststart", str(target.resolve())]


def burn(video: Path, track: Track, profile: DeliveryProfile, band: tuple[int, int] | None, screen: Screen,
         clearance_px: int, target: Path, ffmpeg: str, tags: list[str], sound: list[SoundTrack]) -> None:
    """Run ``burn_command`` in a temp folder that is gone afterwards."""
    with tempfile.TemporaryDirectory(prefix="localize-burn.") as work:
        command = burn_command(video, track, profile, band, screen, clearance_px, target, ffmpeg, tags, sound,
                               Path(work))
        done = children.run(command, text=True, cwd=Path(work))
    if done.returncode != 0:
        raise BadInput(f"ffmpeg could not burn subtitles into {video}: {children.failure_reason(done)}")
