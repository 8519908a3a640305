"""XLIFF 2.1 out and in: one unit per sentence, one segment per source cue, hints as notes (what CAT tools show
a translator) and as metadata (what we read back), the fingerprint in the file's metadata.

Reading goes through the safe parser (no DTD, no entities, no external references); a target holding inline
markup is refused by unit, since our drafts carry none and a tag left in would reach the screen.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from localize.errors import BadInput
from localize.formats.cuelines import format_clock
from localize.review.units import STATES, Fingerprint, ReviewedUnit, ReviewFile, ReviewUnit
from localize.xmlsafe import parse_xml

XLIFF = "urn:oasis:names:tc:xliff:document:2.0"  # 2.1 keeps the 2.0 core namespace
MDA = "urn:oasis:names:tc:xliff:metadata:2.0"
ET.register_namespace("", XLIFF)
ET.register_namespace("mda", MDA)


def _q(name: str, namespace: str = XLIFF) -> str:
    return f"{{{namespace}}}{name}"


def _meta_group(parent: ET.Element, values: dict[str, str]) -> None:
    group = ET.SubElement(ET.SubElement(parent, _q("metadata", MDA)), _q("metaGroup", MDA), category="localize")
    for kind, value in values.items():
        ET.SubElement(group, _q("meta", MDA), type=kind).text = value


def _notes(unit: ReviewUnit) -> list[tuple[str, str]]:
    """What a translator should read before touching the unit, one note per kind of hint."""
    notes = []
    if unit.speaker:
        notes.append(("speaker", unit.speaker + (f" → {unit.addressee}" if unit.addressee else "")))
    for term in unit.terms:
        forbidden = f"; never: {', '.join(term.forbidden)}" if term.forbidden else ""
        note = f" ({term.note})" if term.note else ""
        notes.append(("glossary", f"{term.source} → {' / '.join(term.approved)}{forbidden}{note}"))
    if unit.match:
        notes.append(("match", unit.match))
    notes += [("qa", flag) for flag in unit.flags]
    timing = f"{format_clock(unit.start_ms, '.')}–{format_clock(unit.end_ms, '.')}"
    limit = f"at most {unit.max_chars} characters, " if unit.max_chars else ""
    dub = f", dub slot {unit.dub_slot_ms / 1000:.2f} s" if unit.dub_slot_ms else ""
    notes.append(("limits", f"{limit}{timing}{dub}"))
    if unit.before or unit.after:
        notes.append(("context", f"before: {unit.before or '—'} | after: {unit.after or '—'}"))
    return notes


def write_xliff(units: list[ReviewUnit], fingerprint: Fingerprint, source_language: str,
                target_language: str) -> bytes:
    """The XLIFF 2.1 document of one episode and language, deterministic for the same units."""
    root = ET.Element(_q("xliff"), version="2.1", srcLang=source_language, trgLang=target_language)
    file = ET.SubElement(root, _q("file"), id=fingerprint.episode)
    _meta_group(file, {"fingerprint": fingerprint.token()})
    for unit in units:
        element = ET.SubElement(file, _q("unit"), id=unit.id)
        _meta_group(element, {"speaker": unit.speaker, "addressee": unit.addressee, "match": unit.match,
                              "max_chars": str(unit.max_chars)})
        notes = ET.SubElement(element, _q("notes"))
        for category, text in _notes(unit):
            ET.SubElement(notes, _q("note"), category=category).text = text
        for segment in unit.segments:
            seg = ET.SubElement(element, _q("segment"), id=f"c{segment.cue}", state=unit.state)
            ET.SubElement(seg, _q("source")).text = segment.source
            ET.SubElement(seg, _q("target")).text = segment.target
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _plain(element: ET.Element | None, where: str) -> str:
    """The text of a source/target: inline markup (placeholders, spans) is refused, naming the unit."""
    if element is None:
        return ""
    if len(element):
        tags = ", ".join(sorted({child.tag.rsplit("}", 1)[-1] for child in element}))
        raise BadInput(f"{where}: the target holds inline markup ({tags}); our drafts have none — remove it")
    return element.text or ""


def read_xliff(data: bytes, source: Path | str) -> ReviewFile:
    """The units of an XLIFF 2.x review file; BadInput names the file and the unit."""
    root = parse_xml(data, source)
    if root.tag != _q("xliff") or not root.get("version", "").startswith("2."):
        raise BadInput(f"{source}: not an XLIFF 2 file (root {root.tag!r}); export it again with "
                       "'localize review export'")
    files = root.findall(_q("file"))
    if len(files) != 1:
        raise BadInput(f"{source}: expected one <file> (one episode), found {len(files)}")
    token = files[0].find(f"{_q('metadata', MDA)}/{_q('metaGroup', MDA)}/{_q('meta', MDA)}[@type='fingerprint']")
    units = []
    for unit in files[0].iter(_q("unit")):
        unit_id = unit.get("id", "")
        states, targets = [], []
        for segment in unit.findall(_q("segment")):
            where = f"{source}: unit {unit_id} segment {segment.get('id', '?')}"
            cue = segment.get("id", "")[1:]
            if not cue.isdigit():
                raise BadInput(f"{where}: segment ids are c<cue number>; this one was renamed")
            state = segment.get("state", "initial")
            if state not in STATES:
                raise BadInput(f"{where}: unknown state {state!r}; states are {', '.join(STATES)}")
            states.append(state)
            targets.append((int(cue), _plain(segment.find(_q("target")), where)))
        # a unit is as far along as its least advanced segment
        state = min(states, key=STATES.index) if states else "initial"
        units.append(ReviewedUnit(unit_id, tuple(targets), state))
    return ReviewFile(Fingerprint.from_token(token.text or "") if token is not None else None,
                      root.get("srcLang", ""), root.get("trgLang", ""), tuple(units))
