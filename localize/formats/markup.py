"""Cue text as people type it into SRT/WebVTT (tags, entities, stray spaces) reduced to plain lines.

Cue.text holds plain lines joined by "\n"; styling is the writer's job, so every tag goes.
"""

from __future__ import annotations

import html
import re

# HTML-like tags (<i>, <font color=..>, <c.yellow>, <v Name>), WebVTT timestamp tags, ASS override blocks.
TAG = re.compile(r"</?[A-Za-z][^<>\n]*>|<\d[\d:.]*>|\{\\[^{}\n]*\}")
RUBY_TEXT = re.compile(r"<rt>.*?</rt>", re.DOTALL)
VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>\n]+)>")
SPACES = re.compile(r"[ \t\u00a0]+")


def tidy(text: str) -> str:
    """Trim every line, collapse runs of spaces, drop empty lines."""
    lines = (SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def plain_text(lines: list[str]) -> tuple[str, str]:
    """(text, speaker) of a cue's raw lines: tags stripped, entities decoded, WebVTT <v Name> as speaker."""
    raw = "\n".join(lines)
    if "<" not in raw and "{" not in raw and "&" not in raw:  # no tag, override or entity: most lines of most files
        return tidy(raw), ""
    voice = VOICE.search(raw)
    speaker = tidy(html.unescape(voice.group(1))) if voice else ""
    return tidy(html.unescape(TAG.sub("", RUBY_TEXT.sub("", raw)))), speaker
