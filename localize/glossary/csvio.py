"""CSV in and out: one row per (term, locale), the format translators edit in a spreadsheet.

Header ``source,kind,locale,approved,forbidden,note``; several renderings in one cell are joined with
`` | ``. Optional ``scope``, ``variants``, ``strictness`` and ``say`` columns follow when a glossary uses them, so
a round trip loses nothing; ``say`` holds a locale's pronunciations as ``written = spoken`` pairs (``yuan = yuen``).
A term without targets is one row with an empty locale. UTF-8; a BOM is accepted.
"""

from __future__ import annotations

import csv
import difflib
import io
from pathlib import Path

from localize.errors import BadInput
from localize.glossary.terms import KINDS, SCOPES, STRICTNESS, Glossary, Target, Term, common_scope
from localize.languages import normalize_tag

COLUMNS = ("source", "kind", "locale", "approved", "forbidden", "note")
OPTIONAL = ("scope", "variants", "strictness", "say")
SEPARATOR = " | "
SAID_AS = " = "


def write_csv(glossary: Glossary) -> str:
    extended = any(t.variants or t.scope != glossary.scope or t.strictness or any(x.say for _, x in t.targets)
                   for t in glossary.terms)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS + (OPTIONAL if extended else ()))
    for term in glossary.terms:
        for locale, target in term.targets or (("", Target(())),):
            extra = [term.scope, _join(term.variants), term.strictness, _join_said(target.say)] if extended else []
            writer.writerow([term.source, term.kind, locale, _join(target.approved), _join(target.forbidden),
                             term.note, *extra])
    return out.getvalue()


def _join_said(pairs: tuple[tuple[str, str], ...]) -> str:
    bad = next((part for pair in pairs for part in pair if "=" in part), None)
    if bad:
        raise BadInput(f"'{bad}' contains '=', which CSV export uses between a rendering and how it is said; "
                       "rephrase it")
    return _join(tuple(SAID_AS.join(pair) for pair in pairs))


def _split_said(where: str, cell: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in _split(cell):
        written, sep, spoken = (piece.strip() for piece in part.partition("="))
        if not sep or not written or not spoken:
            raise BadInput(f"{where}: say '{part}' is not 'rendering = how it is said' (e.g. yuan = yuen)")
        pairs.append((written, spoken))
    return tuple(pairs)


def _join(items: tuple[str, ...]) -> str:
    bad = next((item for item in items if "|" in item), None)
    if bad:
        raise BadInput(f"'{bad}' contains '|', which CSV export uses between renderings; rephrase it")
    return SEPARATOR.join(items)


def _split(cell: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in cell.split("|") if part.strip())


def read_csv(path: Path, source_language: str = "zh-Hans") -> Glossary:
    """A glossary from CSV; rows of one source are grouped into one term (kind and note must agree)."""
    try:
        content = Path(path).read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput(f"{path}: is not UTF-8 text; save the CSV as UTF-8") from None
    reader = csv.DictReader(io.StringIO(content))
    header = tuple(reader.fieldnames or ())
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise BadInput(f"{path}: missing column(s) {', '.join(missing)}; the header must be {','.join(COLUMNS)}")
    for column in header:
        if column not in COLUMNS + OPTIONAL:
            close = difflib.get_close_matches(column, COLUMNS + OPTIONAL, n=1)
            hint = f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(COLUMNS + OPTIONAL)}"
            raise BadInput(f"{path}: unknown column '{column}'; {hint}")
    terms: dict[str, dict] = {}
    for number, row in enumerate(reader, 2):
        where = f"{path} row {number}"
        if None in row or any(row[c] is None for c in header):
            raise BadInput(f"{where}: has {len(header)} columns in the header but not in this row; check quoting")
        _add_row(where, terms, {key: value.strip() for key, value in row.items()})
    if not terms:
        raise BadInput(f"{path}: no terms below the header")
    built = [Term(t["source"], t["kind"], tuple(sorted(t["targets"].items())), t["note"], t["scope"], t["variants"],
                  t["strictness"]) for t in terms.values()]
    return Glossary(normalize_tag(source_language), common_scope(built), tuple(built), None)


def _add_row(where: str, terms: dict[str, dict], row: dict[str, str]) -> None:
    if not row["source"]:
        raise BadInput(f"{where}: source is empty; write the term")
    if row["kind"] not in KINDS:
        close = difflib.get_close_matches(row["kind"], KINDS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise BadInput(f"{where}: kind '{row['kind']}' is unknown; {hint}use one of {', '.join(KINDS)}")
    scope = row.get("scope") or "global"
    if scope not in SCOPES:
        raise BadInput(f"{where}: scope '{scope}' is unknown; use global or series")
    strictness = row.get("strictness", "")
    if strictness not in ("", *STRICTNESS):
        raise BadInput(f"{where}: strictness '{strictness}' is unknown; use required or preferred, or leave it empty "
                       "for the kind's default")
    fields = {"kind": row["kind"], "note": row["note"], "scope": scope, "variants": _split(row.get("variants", "")),
              "strictness": strictness}
    term = terms.setdefault(row["source"], {"source": row["source"], "targets": {}, **fields})
    for key, value in fields.items():
        if term[key] != value:
            raise BadInput(f"{where}: {key} differs from an earlier row for {row['source']}; a term has one {key}")
    if row["locale"]:
        try:
            locale = normalize_tag(row["locale"])
        except BadInput as exc:
            raise BadInput(f"{where}: {exc}") from None
        if locale in term["targets"]:
            raise BadInput(f"{where}: {row['source']} already has a row for {locale}; merge the two rows")
        term["targets"][locale] = Target(_split(row["approved"]), _split(row["forbidden"]),
                                         say=_split_said(where, row.get("say", "")))
    elif row.get("say"):
        raise BadInput(f"{where}: say needs a locale; a pronunciation belongs to one language")
