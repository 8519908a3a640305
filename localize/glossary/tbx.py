"""TBX-Basic (ISO 30042:2019, DCA style) in and out; old "martif" TBX in.

Mapping, one concept entry per term:
    conceptEntry[@id]
      descrip[@type=subjectField]  the kind (archetype, idiom, …)
      admin[@type=projectSubset]   the scope (global | series); TBX has no file-level default, so imports
                                   take the most common scope as the file's
      admin[@type=strictness]      the entry's strictness (required | preferred), only when it sets one: not a
                                   TBX-Basic data category, so other tools ignore it
      note                         the translator note (``descrip[@type=definition]`` is read when no note)
      langSec[@xml:lang=source]    termSec per spelling: the preferred one is ``source``, admitted ones ``variants``
      langSec[@xml:lang=target]    termSec per rendering, termNote[@type=administrativeStatus]:
                                   preferredTerm-admn-sts / admittedTerm-admn-sts → approved (preferred first),
                                   deprecatedTerm-admn-sts / supersededTerm-admn-sts → forbidden;
                                   termNote[@type=pronunciation] on an approved one → its ``say``
Martif files use termEntry/langSet/tig (or ntig/termGrp) for the same structure. Every read goes through
``parse_xml``, which refuses DTDs, so an external entity or an entity bomb never expands.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from localize.errors import BadInput
from localize.glossary.terms import KINDS, SCOPES, STRICTNESS, Glossary, Target, Term, common_scope
from localize.languages import normalize_tag
from localize.xmlsafe import parse_xml

TBX_NAMESPACE = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STATUS = "administrativeStatus"
PRONUNCIATION = "pronunciation"
PREFERRED, ADMITTED = "preferredTerm-admn-sts", "admittedTerm-admn-sts"
FORBIDDEN = ("deprecatedTerm-admn-sts", "supersededTerm-admn-sts")


def write_tbx(glossary: Glossary, title: str = "") -> str:
    root = Element("tbx", {"xmlns": TBX_NAMESPACE, "type": "TBX-Basic", "style": "dca",
                           XML_LANG: glossary.source_language})
    header = SubElement(SubElement(root, "tbxHeader"), "fileDesc")
    if title:
        SubElement(SubElement(header, "titleStmt"), "title").text = title
    SubElement(SubElement(header, "sourceDesc"), "p").text = "Exported by localize (mapping: localize/glossary/tbx.py)."
    body = SubElement(SubElement(root, "text"), "body")
    for number, term in enumerate(glossary.terms, 1):
        entry = SubElement(body, "conceptEntry", {"id": f"c{number}"})
        SubElement(entry, "descrip", {"type": "subjectField"}).text = term.kind
        SubElement(entry, "admin", {"type": "projectSubset"}).text = term.scope
        if term.strictness:
            SubElement(entry, "admin", {"type": "strictness"}).text = term.strictness
        if term.note:
            SubElement(entry, "note").text = term.note
        _lang_sec(entry, glossary.source_language, [(term.source, PREFERRED), *((v, ADMITTED) for v in term.variants)])
        for locale, target in term.targets:
            statuses = [(r, PREFERRED if i == 0 else ADMITTED) for i, r in enumerate(target.approved)]
            _lang_sec(entry, locale, statuses + [(r, FORBIDDEN[0]) for r in target.forbidden], dict(target.say))
    indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def _lang_sec(entry: Element, locale: str, terms: list[tuple[str, str]], said: dict[str, str] | None = None) -> None:
    section = SubElement(entry, "langSec", {XML_LANG: locale})
    for text, status in terms:
        term_sec = SubElement(section, "termSec")
        SubElement(term_sec, "term").text = text
        SubElement(term_sec, "termNote", {"type": STATUS}).text = status
        if said and text in said:
            SubElement(term_sec, "termNote", {"type": PRONUNCIATION}).text = said[text]


def read_tbx(path: Path, source_language: str | None = None, default_kind: str | None = None) -> Glossary:
    """A glossary from TBX-Basic (DCA) or martif TBX.

    ``source_language`` picks the source langSec; by default the document's xml:lang when entries use it,
    else the Chinese one. ``default_kind`` applies to entries without a subjectField (foreign TBX rarely has
    our kinds).
    """
    root = parse_xml(Path(path).read_bytes(), path)
    if _local(root.tag) not in {"tbx", "martif"}:
        raise BadInput(f"{path}: not TBX (root element <{_local(root.tag)}>, expected <tbx> or <martif>)")
    entries = [e for e in root.iter() if _local(e.tag) in {"conceptEntry", "termEntry"}]
    if not entries:
        raise BadInput(f"{path}: no conceptEntry (or termEntry) elements; nothing to import")
    source = _source_language(path, root, entries, source_language)
    terms = [_term(path, entry, number, source, default_kind) for number, entry in enumerate(entries, 1)]
    return Glossary(source, common_scope(terms), tuple(terms), None)


def _local(tag: str) -> str:
    """Tag without namespace: DCA files are namespaced, martif files usually are not."""
    return tag.rsplit("}", 1)[-1]


def _children(element: Element, *names: str) -> list[Element]:
    return [child for child in element if _local(child.tag) in names]


def _typed(element: Element, name: str, kind: str) -> str | None:
    found = next((c for c in _children(element, name) if c.get("type") == kind), None)
    return (found.text or "").strip() if found is not None else None


def _lang(path: Path, element: Element) -> str:
    raw = element.get(XML_LANG) or element.get("lang")
    if not raw:
        raise BadInput(f"{path}: a langSec/langSet has no xml:lang; add the language of its terms")
    try:
        return normalize_tag(raw)
    except BadInput as exc:
        raise BadInput(f"{path}: {exc}") from None


def _same_language(a: str, b: str) -> bool:
    return a == b or a.split("-")[0] == b.split("-")[0]


def _source_language(path: Path, root: Element, entries: list[Element], wanted: str | None) -> str:
    """The asked-for language, else Chinese (we localize Chinese dramas), else the document's xml:lang."""
    langs = list(dict.fromkeys(_lang(path, s) for e in entries for s in _children(e, "langSec", "langSet")))
    if wanted:
        found = next((lang for lang in langs if _same_language(lang, normalize_tag(wanted))), None)
        if found is None:
            raise BadInput(f"{path}: no terms in {wanted} (languages here: {', '.join(langs)})")
        return found
    chinese = next((lang for lang in langs if lang.split("-")[0] in {"zh", "cmn", "yue"}), None)
    document = root.get(XML_LANG)
    found = chinese or next((lang for lang in langs if document and _same_language(lang, document)), None)
    if found is None:
        raise BadInput(f"{path}: cannot tell the source language among {', '.join(langs)}; "
                       "name it with --source-language")
    return found


def _term(path: Path, entry: Element, number: int, source_language: str, default_kind: str | None) -> Term:
    name = f"{path}: {_local(entry.tag)} {entry.get('id') or number}"
    kind = _typed(entry, "descrip", "subjectField") or default_kind
    if kind not in KINDS:
        close = difflib.get_close_matches(str(kind), KINDS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        what = f"subjectField '{kind}' is not a kind localize knows" if kind else "has no subjectField (the kind)"
        raise BadInput(f"{name}: {what}; {hint}use one of {', '.join(KINDS)}, or pass --kind for entries without one")
    scope = _typed(entry, "admin", "projectSubset")
    strictness = _typed(entry, "admin", "strictness")
    note = next((n.text.strip() for n in _children(entry, "note") if n.text and n.text.strip()), None)
    source_terms: list[str] = []
    targets: dict[str, Target] = {}
    for section in _children(entry, "langSec", "langSet"):
        lang = _lang(path, section)
        found = [(*_term_status(term_sec), _pronunciation(term_sec))
                 for term_sec in _children(section, "termSec", "tig", "ntig")]
        found = [(text, status, spoken) for text, status, spoken in found if text]
        statuses = [(text, status) for text, status, _ in found]
        if _same_language(lang, source_language):
            source_terms = [t for t, s in statuses if s == PREFERRED] + [t for t, s in statuses if s != PREFERRED]
            continue
        approved = [t for t, s in statuses if s == PREFERRED]
        approved += [t for t, s in statuses if s not in (PREFERRED, *FORBIDDEN)]
        said = tuple((text, spoken) for text, status, spoken in found if spoken and status not in FORBIDDEN)
        targets[lang] = Target(tuple(approved), tuple(t for t, s in statuses if s in FORBIDDEN), say=said)
    if not source_terms:
        raise BadInput(f"{name}: has no {source_language} term; every entry needs its source term")
    return Term(
        source=source_terms[0],
        kind=kind,
        targets=tuple(sorted(targets.items())),
        note=note or _typed(entry, "descrip", "definition") or "",
        scope=scope if scope in SCOPES else "global",
        variants=tuple(dict.fromkeys(t for t in source_terms[1:] if t != source_terms[0])),
        strictness=strictness if strictness in STRICTNESS else "",
    )


def _pronunciation(term_sec: Element) -> str:
    """The termSec's pronunciation note, "" when it has none."""
    note = next((e for e in term_sec.iter() if _local(e.tag) == "termNote" and e.get("type") == PRONUNCIATION), None)
    return (note.text or "").strip() if note is not None else ""


def _term_status(term_sec: Element) -> tuple[str, str]:
    """(term text, administrative status) of a termSec, tig or ntig; no status counts as admitted."""
    term = next((e for e in term_sec.iter() if _local(e.tag) == "term"), None)
    status = next((e for e in term_sec.iter() if _local(e.tag) == "termNote" and e.get("type") == STATUS), None)
    text = "".join(term.itertext()).strip() if term is not None else ""
    return text, (status.text or "").strip() if status is not None else ADMITTED
