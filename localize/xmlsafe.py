"""Parsing XML that users hand us (TTML, TMX, TBX, XLIFF) without letting it read local files or eat memory,
and escaping the text of the XML we write.

DTDs are refused outright: interchange formats never need them, and refusing them stops external entities
(which could read /etc/passwd) and entity-expansion bombs before any expansion happens.

``escape`` and ``quoteattr`` write exactly what ``xml.sax.saxutils``' do; that module imports urllib, http and
ssl for its parsers (30 ms of every command's start), which nothing here uses.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from localize.errors import BadInput


def parse_xml(data: bytes | str, source: Path | str) -> Element:
    """The root element, or BadInput naming the file (and the line, for malformed XML)."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except ParseError as exc:
        line, column = exc.position
        raise BadInput(f"{source} line {line}: not well-formed XML (column {column + 1})") from None
    except DefusedXmlException as exc:
        raise BadInput(f"{source}: refused: the file declares a DTD or entities ({type(exc).__name__}); "
                       "interchange files never need them — export it again without a DOCTYPE") from None


def escape(text: str, entities: Mapping[str, str] | None = None) -> str:
    """``&``, ``<`` and ``>`` as entities, then each of ``entities``' characters as its entity."""
    text = text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
    for plain, entity in (entities or {}).items():
        text = text.replace(plain, entity)
    return text


def quoteattr(text: str) -> str:
    """``text`` escaped (line breaks and tabs too) and quoted as an attribute value: in double quotes, in single
    ones when it holds a double quote, else with ``&quot;``."""
    text = escape(text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return '"' + text.replace('"', "&quot;") + '"'
