"""User text quoted inside an error message: short and on one line, however long the text was.

A subtitle line can be a megabyte (a binary file read as text, a whole script without line breaks); echoing
it whole turns a one-line error into a screenful, so the quote keeps its start and says how long it was.
"""

from __future__ import annotations

import re

ECHO_CHARS = 80
LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f\x85\u2028\u2029]")  # what a terminal may show as a new line


def _cut(text: str, limit: int) -> tuple[str, str]:
    """The text on one line, cut to ``limit`` characters (with an ellipsis), and what to say about its length."""
    flat = LINE_BREAKING.sub(" ", text)
    return (flat, "") if len(flat) <= limit else (f"{flat[:limit]}…", f" ({len(flat):,} characters)")


def quoted(text: str, limit: int = ECHO_CHARS) -> str:
    """``'text'``, or ``'its first limit characters…' (N characters)`` when longer."""
    head, length = _cut(text, limit)
    return f"'{head}'{length}"


def shortened(text: str, limit: int = ECHO_CHARS) -> str:
    """The text unquoted, cut like ``quoted`` (for a number or a library's message inside a sentence)."""
    head, length = _cut(text, limit)
    return f"{head}{length}"
