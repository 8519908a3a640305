"""Regenerate ``localize/data/glyph_widths.json``: advance widths (in em) of the caption fonts.

What fits on a subtitle line on a phone depends on the font's real glyph widths, not on a character
count; this table lets the line breaker measure text without shipping a font parser at run time.

Dev-only dependencies: ``pip install fonttools`` and the Noto fonts (Debian: ``apt-get install
fonts-noto-core``; OFL). Run: ``python tools/glyph_widths.py [FONT_DIR]``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from fontTools.ttLib import TTFont

FONTS = {  # file → the code point ranges it is measured for
    "NotoSans-Bold.ttf": [(0x20, 0x24F), (0x300, 0x36F), (0x1E00, 0x1EFF), (0x2000, 0x206F), (0x20A0, 0x20CF)],
    "NotoSansThai-Bold.ttf": [(0x0E00, 0x0E7F)],
    "NotoSansArabic-Bold.ttf": [(0x0600, 0x06FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF)],
}
OUT = Path(__file__).resolve().parent.parent / "localize" / "data" / "glyph_widths.json"


def measure(path: Path, ranges: list[tuple[int, int]]) -> dict[str, float]:
    font = TTFont(path)
    units = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    advances = font["hmtx"].metrics
    widths = {}
    for first, last in ranges:
        for code in range(first, last + 1):
            if code in cmap:
                widths[chr(code)] = round(advances[cmap[code]][0] / units, 4)
    return widths


def main(font_dir: Path) -> None:
    widths: dict[str, float] = {}
    sources = {}
    for name, ranges in FONTS.items():
        path = font_dir / name
        widths.update(measure(path, ranges))
        sources[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    OUT.write_text(json.dumps({"fonts": sources, "em": widths}, ensure_ascii=False, sort_keys=True, indent=0) + "\n",
                   encoding="utf-8")
    print(f"{len(widths)} glyphs from {len(sources)} fonts → {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/usr/share/fonts/truetype/noto"))
