"""TMX 1.4b: reading the translation memories users bring, writing ours so any CAT tool can read them.

Reading accepts what real tools write: ``srclang="*all*"`` (the source then comes from the ``tu``, or from
``source_lang``), TMX 1.1's ``lang`` beside ``xml:lang``, language codes in any case and region (compared by
``match.language_key``: zh-CN is zh-Hans), and ``tu`` with several languages (one unit per target language).
Inline markup is dropped: ``<hi>`` keeps its text, while ``<bpt>``, ``<ept>``, ``<ph>``, ``<it>`` and ``<ut>`` hold
*native codes* (``<b>``, ``{\\i1}``, RTF…) by the TMX specification, not words, and would otherwise turn up in a
subtitle and spoil every match. Every read goes through ``parse_xml``: a DTD (external entities, entity bombs) is
refused before anything is expanded.

Writing is deterministic (units sorted, no timestamps of the export itself), so the same memory always exports the
same bytes, and everything a unit holds survives a round trip: contexts, origin and approval as ``<prop>``, its
date as ``creationdate``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from localize import __version__
from localize.errors import BadInput
from localize.translate import match
from localize.translate.tm import TranslationUnit
from localize.xmlsafe import escape, parse_xml, quoteattr

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ALL_LANGUAGES = "*all*"
_NATIVE_CODES = frozenset({"bpt", "ept", "ph", "it", "ut"})
_TMX_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$")


@dataclass(frozen=True)
class TmxContent:
    """The units a file holds, and why any ``tu`` gave none (``tu 7: no zh-Hans segment``)."""

    units: list[TranslationUnit]
    skipped: list[str]


def read_tmx(path: Path, *, target_lang: str | None = None, source_lang: str = "zh-Hans") -> TmxContent:
    """Units from a TMX file (only those into ``target_lang`` when given); BadInput naming the file otherwise.

    ``source_lang`` is the source when neither the header nor the ``tu`` names one (``srclang="*all*"``).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {path}: {exc.strerror}") from None
    root = parse_xml(data, path)
    body = root.find("body")
    if root.tag != "tmx" or body is None:
        raise BadInput(f"{path}: not a TMX file (expected <tmx> with a <body>, found <{root.tag}>)")
    header = root.find("header")
    default_source = _declared(header.get("srclang", "") if header is not None else "") or source_lang
    wanted = match.language_key(target_lang) if target_lang else None
    units, skipped = [], []
    for number, tu in enumerate(body.findall("tu"), 1):
        found, reason = _units(tu, _declared(tu.get("srclang", "")) or default_source, wanted, f"tmx:{path.name}")
        units += found
        if reason:
            skipped.append(f"tu {number}: {reason}")
    return TmxContent(units, skipped)


def _declared(srclang: str) -> str:
    return "" if srclang.strip() in ("", ALL_LANGUAGES) else srclang


def _units(tu: Element, source_lang: str, wanted: str | None,
           default_origin: str) -> tuple[list[TranslationUnit], str]:
    source_key = match.language_key(source_lang)
    segments = [(match.language_tag(tuv.get(XML_LANG) or tuv.get("lang") or ""), _text(tuv.find("seg")))
                for tuv in tu.findall("tuv")]
    source = next((text for tag, text in segments if match.language_key(tag) == source_key and text), "")
    if not source:
        return [], f"no {match.language_tag(source_lang)} segment"
    props = {prop.get("type", ""): prop.text or "" for prop in tu.findall("prop")}
    created = _iso_date(tu.get("creationdate") or tu.get("changedate") or "")
    units = [
        TranslationUnit(source, text, match.language_tag(source_lang), tag, props.get("x-context-pre", ""),
                        props.get("x-context-post", ""), props.get("x-origin") or default_origin,
                        props.get("x-approved") == "true", created)
        for tag, text in segments
        if text and tag and match.language_key(tag) != source_key and wanted in (None, match.language_key(tag))
    ]
    return units, "" if units else "no target segment" + (" in the requested language" if wanted else "")


def _text(seg: Element | None) -> str:
    """The words of a ``<seg>``: its text and that of ``<hi>``, without the native codes of inline tags.

    Walked with a stack rather than recursion, so a hostile file nested 100,000 deep cannot crash the reader.
    """
    if seg is None:
        return ""
    parts: list[str] = []
    pending: list[Element | str] = [seg]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        parts.append(item.text or "")
        for child in reversed(item):
            pending.append(child.tail or "")
            if child.tag not in _NATIVE_CODES:
                pending.append(child)
    return "".join(parts).strip()


def _iso_date(tmx_date: str) -> str:
    found = _TMX_DATE.match(tmx_date.strip())
    return "{}-{}-{}T{}:{}:{}Z".format(*found.groups()) if found else ""


def _tmx_date(iso_date: str) -> str:
    found = _ISO_DATE.match(iso_date)
    return "{}{}{}T{}{}{}Z".format(*found.groups()) if found else ""


def tmx_bytes(units: Sequence[TranslationUnit]) -> bytes:
    """A TMX 1.4b document of the units, byte-identical for the same units in any order."""
    ordered = sorted(units, key=lambda u: (u.source_lang, u.source, u.context_before, u.context_after,
                                           u.target_lang, u.target, u.origin, u.approved, u.created))
    source_langs = {u.source_lang for u in ordered}
    srclang = next(iter(source_langs)) if len(source_langs) == 1 else ALL_LANGUAGES
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<tmx version="1.4">',
        f'  <header creationtool="localize" creationtoolversion={quoteattr(__version__)} segtype="sentence" '
        f'o-tmf="localize" adminlang="en" srclang={quoteattr(srclang)} datatype="plaintext"/>',
        "  <body>",
    ]
    for unit in ordered:
        lines += _tu(unit, srclang)
    lines += ["  </body>", "</tmx>", ""]
    return "\n".join(lines).encode("utf-8")


def _tu(unit: TranslationUnit, srclang: str) -> Iterable[str]:
    created = _tmx_date(unit.created)
    attributes = "".join([
        f" creationdate={quoteattr(created)}" if created else "",
        f" srclang={quoteattr(unit.source_lang)}" if srclang == ALL_LANGUAGES else "",
    ])
    props = [("x-approved", "true" if unit.approved else ""), ("x-context-post", unit.context_after),
             ("x-context-pre", unit.context_before), ("x-origin", unit.origin)]
    yield f"    <tu{attributes}>"
    for kind, value in props:
        if value:
            yield f'      <prop type="{kind}">{_escape(value)}</prop>'
    for lang, text in ((unit.source_lang, unit.source), (unit.target_lang, unit.target)):
        yield f"      <tuv xml:lang={quoteattr(lang)}><seg>{_escape(text)}</seg></tuv>"
    yield "    </tu>"


def _escape(text: str) -> str:
    """XML text with carriage returns kept (a parser would turn a literal one into a newline)."""
    return escape(text).replace("\r", "&#13;")
