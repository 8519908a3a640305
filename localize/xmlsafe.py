"""Parsing XML that users hand us (TTML, TMX, TBX, XLIFF) without letting it read local files or eat memory.

DTDs are refused outright: interchange formats never need them, and refusing them stops external entities
(which could read /etc/passwd) and entity-expansion bombs before any expansion happens.
"""

from __future__ import annotations

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
