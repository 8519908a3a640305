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
        targets:                      # locale -> renderings; pt-BR falls back to pt, never the reverse
          en:
            approved: [the domineering CEO, billionaire CEO]   # one or more; the first is preferred
            forbidden: [overbearing president]                  # must never appear in a translation
        note: >-                      # required: why this rendering (the cultural choice), for translators
          …

Why each piece exists: ``forbidden`` lists the literal renderings MT produces ("failed to recognize Mount
Tai"), which QA then catches; ``note`` carries the reasoning so reviewers don't "fix" a deliberate choice;
``scope: series`` lets a series glossary override the genre glossary without a lint conflict.

Public API: ``read_glossary`` (structure only), ``load_glossary`` (also refuses lint errors), ``lint``,
``find_terms``, ``character_terms``, ``protected_names``, ``merge_terms``, ``import_glossary``,
``export_glossary``; the dataclasses ``Glossary``, ``Term``, ``Target``, ``TermMatch``, ``Finding``.
"""

from localize.glossary.interchange import export_glossary, import_glossary
from localize.glossary.lint import Finding, check_glossary, glossary_files, lint, load_glossary
from localize.glossary.matching import TermMatch, character_terms, find_terms, merge_terms, protected_names
from localize.glossary.terms import KINDS, SCOPES, Glossary, Target, Term, dump_glossary, read_glossary

__all__ = [
    "KINDS", "SCOPES", "Finding", "Glossary", "Target", "Term", "TermMatch", "character_terms", "check_glossary",
    "dump_glossary", "export_glossary", "find_terms", "glossary_files", "import_glossary", "lint", "load_glossary",
    "merge_terms", "protected_names", "read_glossary",
]
