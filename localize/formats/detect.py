"""Which format a file is in: its extension when we know it, else what its first characters look like."""

from __future__ import annotations

from pathlib import Path

from localize.errors import BadInput

READ_EXTENSIONS = {".srt": "srt", ".vtt": "vtt", ".webvtt": "vtt", ".ass": "ass", ".ssa": "ass",
                   ".ttml": "ttml", ".dfxp": "ttml", ".xml": "ttml", ".json": "json"}
WRITE_EXTENSIONS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ttml": "ttml", ".json": "json"}


def input_format(path: Path, text: str) -> str:
    """The format to read ``path`` as; files named .txt or .sub are recognised by their content."""
    known = READ_EXTENSIONS.get(path.suffix.lower())
    if known:
        return known
    head = text.lstrip("\ufeff \t\n")
    if head.startswith("WEBVTT"):
        return "vtt"
    if head.startswith("[Script Info]"):
        return "ass"
    if head.startswith("<"):
        return "ttml"
    if head.startswith("{"):
        return "json"
    if "-->" in text:
        return "srt"
    raise BadInput(f"cannot tell the subtitle format of {path.name}: name it .srt, .vtt, .ass, .ttml or .json")


def output_format(path: Path) -> str:
    """The format to write ``path`` in, from its extension."""
    fmt = WRITE_EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise BadInput(f"cannot write {path.name}: use an .srt, .vtt, .ass, .ttml or .json output name")
    return fmt
