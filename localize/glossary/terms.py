"""Glossary files: the YAML schema, read strictly into frozen dataclasses, and written back.

Structure is checked here (unknown keys with a "did you mean", wrong types, unknown kinds or locales) and
raises ``BadInput`` naming the file and key path. Content problems a translator fixes (a missing note, an
empty approved list) are left to ``localize.glossary.lint`` so one lint run reports all of them at once;
``lint.load_glossary`` is the strict entry point for the pipeline and refuses a file with any lint error.

Strictness: how hard terminology QA holds a translation to an entry. An entry's ``strictness`` overrides its
kind's default; subtitlers rightly drop or paraphrase forms of address and idioms for reading speed
(求姐姐放他一条生路吧 → "Please let him go!"), so missing those is worth a look, not a failure:

    strictness  default for the kinds                 missing approved rendering           forbidden rendering
    required    person_name, brand, dnt               error: term_missing (QC fails)       error: term_forbidden
    preferred   address, archetype, plot, idiom,      warning: term_preferred (QC passes)  error: term_forbidden
                slang, place, food, festival, number  (amounts are checked by value anyway: number_mismatch)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from localize.errors import BadInput
from localize.languages import normalize_tag
from localize.schema import Section, choice, kind_of, load_yaml, tagged_items, text

KINDS = ("person_name", "address", "archetype", "plot", "idiom", "slang", "brand", "place", "food", "festival",
         "number", "dnt")
SCOPES = ("global", "series")
STRICTNESS = ("required", "preferred")
REQUIRED_KINDS = ("person_name", "brand", "dnt")  # every other kind is "preferred" unless an entry says otherwise
TOP_KEYS = ("source_language", "scope", "terms")
TERM_KEYS = ("source", "kind", "targets", "note", "scope", "variants", "strictness")
TARGET_KEYS = ("approved", "forbidden")  # the lists; "say" is a mapping, read apart

SCHEMA_HELP = """\
# localize glossary (schema: localize/glossary/__init__.py)
#   source_language: BCP-47 tag of the source script (zh-Hans)
#   scope: global | series            default for every term
#   terms:
#     - source: 霸道总裁               the term as written in the source
#       kind: archetype               one of: {kinds}
#       variants: [霸总]               optional: other source spellings
#       scope: series                 optional: overrides the file's scope
#       strictness: required          optional: required | preferred (default: required for {required},
#                                     preferred otherwise); a missing preferred rendering is a QA warning only
#       targets:                      locale -> renderings (pt-BR falls back to pt)
#         en: {{approved: [the domineering CEO], forbidden: [overbearing president]}}
#                                     optional, per locale: say: {{yuan: yuen}}: how the dub's voice must say an
#                                     approved rendering that it misreads as written (applied wherever it is written)
#       note: why this rendering      required: the translator's note on the cultural choice
""".format(kinds=", ".join(KINDS), required=", ".join(REQUIRED_KINDS))


@dataclass(frozen=True)
class Target:
    """One locale's renderings: the first approved one is preferred; forbidden ones must never appear."""

    approved: tuple[str, ...]
    forbidden: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()  # "approved"/"forbidden" when the file had an empty entry there (a lint error)
    say: tuple[tuple[str, str], ...] = ()  # (rendering as written, as the dub's voice must say it)

    @property
    def preferred(self) -> str | None:
        return self.approved[0] if self.approved else None


@dataclass(frozen=True)
class Term:
    source: str
    kind: str
    targets: tuple[tuple[str, Target], ...]  # (locale, target), sorted by locale so equal files compare equal
    note: str = ""
    scope: str = "global"
    variants: tuple[str, ...] = ()
    strictness: str = ""  # as the entry says it; "" takes the kind's default (see ``required``)

    @property
    def required(self) -> bool:
        """Whether a translation without an approved rendering fails QA (else it only earns a warning)."""
        return self.strictness == "required" if self.strictness else self.kind in REQUIRED_KINDS

    @property
    def surfaces(self) -> tuple[str, ...]:
        """Every way the source script may write this term."""
        return (self.source, *self.variants)

    def target(self, locale: str) -> Target | None:
        """Renderings for ``locale``: the exact tag (pt-BR), else its language (pt), else None.

        Never the other way round: a pt-BR rendering is not offered to pt-PT viewers.
        """
        found = dict(self.targets)
        return found.get(locale) or found.get(locale.split("-")[0])


@dataclass(frozen=True)
class Glossary:
    source_language: str
    scope: str
    terms: tuple[Term, ...]
    path: Path | None = field(default=None, compare=False)

    @property
    def name(self) -> str:
        return str(self.path) if self.path else "<glossary>"


def read_glossary(path: Path) -> Glossary:
    """Parse and check the structure of one glossary file (content is ``lint``'s job)."""
    path = Path(path)
    top = Section(path, "", load_yaml(path, "glossary"), TOP_KEYS)
    source_language = top.get("source_language", normalize_tag)
    scope = top.get("scope", choice(SCOPES), "global")
    raw = top.get("terms", lambda v: v)
    if not isinstance(raw, list):
        raise top.error(f"must be a list of terms, got {kind_of(raw)}; start each term with '- source: …'", "terms")
    terms = tuple(_term(path, f"terms[{i}]", item, scope) for i, item in enumerate(raw))
    return Glossary(source_language, scope, terms, path)


def _term(file: Path, where: str, raw: Any, default_scope: str) -> Term:
    section = Section(file, where, raw, TERM_KEYS)
    source = section.get("source", _nonempty)
    raw_targets = section.get("targets", lambda v: v, {})
    if not isinstance(raw_targets, dict):
        raise section.error("must map locales to renderings, e.g. {en: {approved: [CEO]}}", "targets")
    targets: dict[str, Target] = {}
    for locale, place, value in tagged_items(file, f"{where}.targets", raw_targets):
        if locale in targets:
            raise BadInput(f"{file}: {place}: {locale} is listed twice; merge the two")
        targets[locale] = _target(file, place, value)
    return Term(
        source=source,
        kind=section.get("kind", choice(KINDS)),
        targets=tuple(sorted(targets.items())),
        note=section.get("note", text, ""),
        scope=section.get("scope", choice(SCOPES), default_scope),
        variants=section.get("variants", _renderings, ()),
        strictness=section.get("strictness", choice(STRICTNESS), ""),
    )


def _target(file: Path, where: str, raw: Any) -> Target:
    if raw is None:
        return Target(())
    section = Section(file, where, raw, (*TARGET_KEYS, "say"))
    lists = {key: section.get(key, _texts, ()) for key in TARGET_KEYS}
    filled = {key: tuple(item for item in items if item) for key, items in lists.items()}
    return Target(filled["approved"], filled["forbidden"], tuple(key for key in TARGET_KEYS if "" in lists[key]),
                  section.get("say", _spoken_forms, ()))


def _spoken_forms(value: Any) -> tuple[tuple[str, str], ...]:
    """``{written: spoken}``: both filled in (a pronunciation of nothing, or as nothing, is a slip)."""
    if not isinstance(value, dict):
        raise ValueError(f"must map a rendering to how it is said, e.g. {{yuan: yuen}}, got {kind_of(value)}")
    pairs = tuple((text(written), text(spoken)) for written, spoken in value.items())
    empty = next((written for written, spoken in pairs if not written or not spoken), None)
    if empty is not None:
        raise ValueError(f"has an empty entry{f' for {empty}' if empty else ''}; write the rendering and how it is "
                         "said, or remove it")
    return pairs


def _nonempty(value: Any) -> str:
    result = text(value)
    if not result:
        raise ValueError("is empty; write the term")
    return result


def _texts(value: Any) -> tuple[str, ...]:
    """A list of texts (a single text is accepted as a list of one), blanks included."""
    return tuple(text(item) for item in (value if isinstance(value, list) else [value]))


def _renderings(value: Any) -> tuple[str, ...]:
    """Texts where a blank is a structural error (variants): refused, not dropped."""
    result = _texts(value)
    if any(not item for item in result):
        raise ValueError("has an empty entry; remove it or fill it in")
    return result


def dump_glossary(glossary: Glossary) -> str:
    """YAML text that ``read_glossary`` reads back to an equal ``Glossary`` (schema help on top)."""
    terms = []
    for term in glossary.terms:
        entry: dict[str, Any] = {"source": term.source, "kind": term.kind}
        if term.variants:
            entry["variants"] = list(term.variants)
        if term.scope != glossary.scope:
            entry["scope"] = term.scope
        if term.strictness:
            entry["strictness"] = term.strictness
        entry["targets"] = {locale: _target_dict(target) for locale, target in term.targets}
        entry["note"] = term.note
        terms.append(entry)
    body = {"source_language": glossary.source_language, "scope": glossary.scope, "terms": terms}
    return SCHEMA_HELP + "\n" + yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=120)


def _target_dict(target: Target) -> dict[str, Any]:
    out: dict[str, Any] = {"approved": list(target.approved)}
    if target.forbidden:
        out["forbidden"] = list(target.forbidden)
    if target.say:
        out["say"] = dict(target.say)
    return out


def common_scope(terms: tuple[Term, ...] | list[Term]) -> str:
    """The file-level default for imported terms: interchange formats carry scope per entry only."""
    series = sum(term.scope == "series" for term in terms)
    return "series" if series > len(terms) - series else "global"
