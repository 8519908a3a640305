"""Glossary lint: the problems that make terminology unenforceable, reported all at once.

Errors make a glossary unusable (two renderings for one term, nothing approved, no note to explain the
choice, a rendering both approved and forbidden); warnings point at entries that do nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from localize.errors import BadInput
from localize.glossary.terms import Glossary, read_glossary

_LATIN_ONLY = re.compile(r"^[A-Za-z][A-Za-z .'&-]*$")


@dataclass(frozen=True)
class Finding:
    severity: str  # "error" | "warning"
    file: str
    term: str
    message: str
    where: str = ""  # key path, e.g. terms[3].targets.en

    def __str__(self) -> str:
        return f"{self.file}: {self.where} {self.term}: {self.message}"


def glossary_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files as given, and every *.yaml / *.yml under a directory (recursively), sorted."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())
            if not found:
                raise BadInput(f"{path}: no glossary files (*.yaml) in this folder")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise BadInput(f"glossary not found: {path}")
    return list(dict.fromkeys(files))


def lint(paths: Iterable[Path | str]) -> list[Finding]:
    """Every finding for the glossaries at ``paths``; malformed files raise BadInput instead."""
    glossaries = [read_glossary(file) for file in glossary_files(paths)]
    findings = [finding for g in glossaries for finding in check_glossary(g)]
    return findings + _conflicts(glossaries)


def load_glossary(path: Path) -> Glossary:
    """A glossary the pipeline may rely on: well-formed and free of lint errors (warnings are allowed)."""
    glossary = read_glossary(path)
    errors = [f for f in check_glossary(glossary) if f.severity == "error"]
    if errors:
        more = f" (and {len(errors) - 1} more: run `localize glossary lint {path}`)" if len(errors) > 1 else ""
        raise BadInput(f"{errors[0]}{more}")
    return glossary


def check_glossary(glossary: Glossary) -> list[Finding]:
    """Findings within one file: its entries one by one, duplicates and shadowed terms."""
    findings: list[Finding] = []

    def add(severity: str, index: int, message: str, key: str = "") -> None:
        where = f"terms[{index}]{key}"
        findings.append(Finding(severity, glossary.name, glossary.terms[index].source, message, where))

    chinese = glossary.source_language.split("-")[0] in {"zh", "cmn", "yue"}
    first_at: dict[str, int] = {}
    said: dict[tuple[str, str], tuple[int, str]] = {}  # (locale, rendering folded) -> (term index, spoken form)
    for index, term in enumerate(glossary.terms):
        if not term.note:
            add("error", index, "has no note; say why this rendering was chosen (translators and reviewers read it)",
                ".note")
        if not term.targets:
            add("error", index, "has no targets; add at least one locale with approved renderings", ".targets")
        for locale, target in term.targets:
            key = f".targets.{locale}"
            for blank in target.blank:
                add("error", index, f"has an empty {blank} rendering for {locale}; remove it or fill it in",
                    f"{key}.{blank}")
            if not target.approved:
                add("error", index, f"no approved rendering for {locale}; add one or remove the locale",
                    f"{key}.approved")
            both = [r for r in target.approved if r.casefold() in {f.casefold() for f in target.forbidden}]
            if both:
                add("error", index, f"'{both[0]}' is both approved and forbidden for {locale}; keep it in one list",
                    key)
            approved = {r.casefold() for r in target.approved}
            for written, spoken in target.say:
                if written.casefold() not in approved:
                    add("error", index, f"say: '{written}' is not an approved {locale} rendering of this term; "
                                        "a pronunciation is for a rendering the translation may use", f"{key}.say")
                other = said.setdefault((locale, written.casefold()), (index, spoken))
                if other[1] != spoken:
                    add("error", index, f"say: '{written}' is said '{spoken}' here but '{other[1]}' at "
                                        f"terms[{other[0]}]; a word has one pronunciation per locale", f"{key}.say")
        if chinese and term.kind != "dnt" and _LATIN_ONLY.match(term.source):
            add("warning", index, "source has only Latin letters in a Chinese glossary; is the target in the "
                                  "source field? (use kind dnt for Latin words kept as they are)", ".source")
        for surface in term.surfaces:
            if first_at.get(surface, index) != index:
                add("error", index, f"'{surface}' is also at terms[{first_at[surface]}]; merge the two entries")
            first_at.setdefault(surface, index)
    findings += _shadowed(glossary)
    return findings


def _shadowed(glossary: Glossary) -> list[Finding]:
    """A short term inside a longer one that renders it the same way: one of the two says nothing.

    Matching is longest first, so inside the longer term the short entry never applies; with an identical
    rendering the longer entry adds nothing either.
    """
    findings = []
    terms = glossary.terms
    for i, short in enumerate(terms):
        for j, long in enumerate(terms):
            if i == j or short.source == long.source or short.source not in long.source or not short.targets:
                continue
            same = all(long.target(locale) and long.target(locale).preferred == target.preferred
                       for locale, target in short.targets)
            if same:
                rendering = short.targets[0][1].preferred
                findings.append(Finding(
                    "warning", glossary.name, short.source,
                    f"occurs inside {long.source} (terms[{j}]) with the same rendering '{rendering}': inside it the "
                    f"longer entry always wins, so one says nothing new; drop {long.source} or give it its own "
                    "rendering", f"terms[{i}]"))
                break
    return findings


def _conflicts(glossaries: list[Glossary]) -> list[Finding]:
    """The same source rendered differently for the same locale and scope in two files (an error).

    A series glossary overriding the genre glossary is the documented way to adapt, so entries of
    different scope never conflict; twice in one file is a duplicate, reported by ``check_glossary``.
    """
    seen: dict[tuple[str, str, str], tuple[Glossary, int, str]] = {}
    findings = []
    for glossary in glossaries:
        for index, term in enumerate(glossary.terms):
            for locale, target in term.targets:
                if target.preferred is None:
                    continue
                clashes = []
                for surface in term.surfaces:
                    other = seen.setdefault((surface, locale, term.scope), (glossary, index, target.preferred))
                    if other[0] is not glossary and other[2] != target.preferred:
                        clashes.append(other)
                if clashes:
                    other_glossary, other_index, other_rendering = clashes[0]
                    findings.append(Finding(
                        "error", glossary.name, term.source,
                        f"approved '{target.preferred}' for {locale} conflicts with '{other_rendering}' in "
                        f"{other_glossary.name} terms[{other_index}]; agree on one rendering, or set scope: series "
                        "on the series-specific one", f"terms[{index}].targets.{locale}"))
    return findings
