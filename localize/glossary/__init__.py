"""Culture-aware glossaries: the series' binding terminology, matched safely in Chinese text.

Schema (YAML; each shipped file in ``glossaries/`` repeats it in a comment on top)::

    source_language: zh-Hans          # BCP-47 tag of the source script
    scope: global                     # global | series: the default for every term
    terms:
      - source: 霸道总裁               # the term as the source writes it
        kind: archetype               # person_name, address, archetype, plot, idiom, slang, brand, place,
                                      # food, festival, number, dnt (do not translate: keep or romanize)
        variants: [霸总]               # optional: other source spellings, matched like the source
        scope: series                 # optional: overrides the file's scope
        strictness: required          # optional: required | preferred; by default required for person_name,
                                      # brand and dnt, preferred for every other kind (see below)
        targets:                      # locale -> renderings; pt-BR falls back to pt, never the reverse
          en:
            approved: [the domineering CEO, billionaire CEO]   # one or more; the first is preferred
            forbidden: [overbearing president]                  # must never appear in a translation
            say: {CEO: C E O}                                   # optional: how a dub voice must say an approved
                                                                # rendering it misreads as spelled (yuan: yuen)
        note: >-                      # required: why this rendering (the cultural choice), for translators
          …

Why each piece exists: ``forbidden`` lists the literal renderings MT produces ("failed to recognize Mount
Tai"), which QA then catches; ``note`` carries the reasoning so reviewers don't "fix" a deliberate choice;
``scope: series`` lets a series glossary override the genre glossary without a lint conflict.

``strictness`` says how terminology QA treats a translation without an approved rendering, because a flag a
reviewer learns to ignore is worse than none:

    strictness  default for the kinds                 missing approved rendering           forbidden rendering
    required    person_name, brand, dnt               error: term_missing (QC fails)       error: term_forbidden
    preferred   address, archetype, plot, idiom,      warning: term_preferred (QC passes)  error: term_forbidden
                slang, place, food, festival, number

Forms of address and idioms are what subtitlers drop or paraphrase for reading speed (求姐姐放他一条生路吧 →
"Please let him go!"); amounts are checked by value anyway (number_mismatch). Terms are matched in the source
on word edges only (万 is not found in 万事有我, nor 小弟 in 小弟弟).

Public API: ``read_glossary`` (structure only), ``load_glossary`` (also refuses lint errors), ``lint``,
``find_terms`` (``TermFinder`` for many lines), ``character_terms``, ``protected_names``, ``merge_terms``,
``import_glossary``, ``export_glossary`` (``Pronunciations`` in ``glossary.pronunciation`` applies ``say``); the
dataclasses ``Glossary``, ``Term``, ``Target``, ``TermMatch``, ``Finding``.
"""

from localize.glossary.interchange import export_glossary, import_glossary
from localize.glossary.lint import Finding, check_glossary, glossary_files, lint, load_glossary
from localize.glossary.matching import (
    TermFinder,
    TermMatch,
    character_terms,
    find_terms,
    merge_terms,
    protected_names,
)
from localize.glossary.terms import KINDS, SCOPES, STRICTNESS, Glossary, Target, Term, dump_glossary, read_glossary

__all__ = [
    "KINDS", "SCOPES", "STRICTNESS", "Finding", "Glossary", "Target", "Term", "TermFinder", "TermMatch",
    "character_terms", "check_glossary", "dump_glossary", "export_glossary", "find_terms", "glossary_files",
    "import_glossary", "lint", "load_glossary", "merge_terms", "protected_names", "read_glossary",
]
