"""Turn subtitle bytes into text, whatever encoding the file arrived in.

Chinese tools still save UTF-16 (often without a BOM) and GB18030/GBK, so UTF-8 alone is not enough.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from localize.errors import BadInput


def decode_text(data: bytes, source: Path) -> str:
    """Decode subtitle bytes: BOM first, then BOM-less UTF-16, UTF-8, and GB18030 (a superset of GBK)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    # Text in UTF-16 has a zero byte beside almost every ASCII character (digits, arrows, newlines).
    if len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        return data.decode("utf-16-le")
    if len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        return data.decode("utf-16-be")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadInput(f"cannot decode {source}: not UTF-8, UTF-16 or GB18030 text; re-save it as UTF-8")
