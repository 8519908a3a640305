"""Subtitle files at the edges: read SRT, WebVTT, ASS, TTML/IMSC and our JSON into a Track, and write a
Track back out laid out for the screen it will be shown on.

Everything inside the pipeline speaks Cue/Track; each format is a thin reader/writer module here.
"""

from localize.formats.decoding import decode_text
from localize.formats.detect import output_format
from localize.formats.track import parse_track, read_track, render_track
from localize.formats.transcript import import_transcript

__all__ = ["decode_text", "import_transcript", "output_format", "parse_track", "read_track", "render_track"]
