"""Glossary guard for machine translation: protected terms cross the engine as placeholders.

Why: an MT model translates 少爷 however it likes ("young master", "little lord", "Shao Ye"…) and drifts from
line to line. So before translation each protected source term is replaced by a numbered placeholder, and
after translation each placeholder becomes the series' approved rendering. The engine never sees the term.

Token forms. ``⟨n⟩`` when the tokenizer keeps it as one known piece (a SentencePiece
``user_defined_symbol``; our test model declares them). Real Argos models don't know it: it would become
``<unk>`` and be dropped or garbled, so there we fall back to ``Z{n}Z``, which any Latin-script vocabulary
spells without ``<unk>`` and which NMT models tend to copy like a code or a serial number. The trade-off:
it is several pieces, so the model *can* split, respell or translate it; that is caught below, never hidden.

Policy when restoring (``restore``), per protected occurrence:

- found exactly once, exactly as sent → replaced by the approved rendering;
- found exactly once but respelt in a recognisable way (``⟨ 0 ⟩``, ``z0z``, ``Z 0 Z``) → replaced too, and
  ``repaired`` is set so QA can show that the guard had to help;
- missing, or found more than once → its source term is listed in ``lost_placeholders``; any copies found
  are still replaced by the rendering (a raw placeholder must never reach a subtitle), but nothing is
  inserted where the model dropped it: we cannot know where it belongs, so the caller's QA flags the line.

Placeholders with a number we never sent (a model can emit any symbol it knows) stand for no source text and
are removed. A source that already contains text shaped like a placeholder is counted as one; subtitles
don't contain ``⟨0⟩`` or ``Z0Z``, and if one ever does, the line is flagged, not silently changed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

# Both forms, tolerant of the respellings engines produce; the lookarounds keep Z0Z out of Latin words.
_ANY_PLACEHOLDER = re.compile(r"⟨\s?(\d+)\s?⟩|(?<![A-Za-z0-9])[Zz]\s?(\d+)\s?[Zz](?![A-Za-z0-9])")


def atomic_token(index: int) -> str:
    """The single-piece form, for tokenizers that declare it (``user_defined_symbols``)."""
    return f"⟨{index}⟩"


def fallback_token(index: int) -> str:
    """The form any Latin-script vocabulary can spell."""
    return f"Z{index}Z"


@dataclass(frozen=True)
class Protected:
    """One protected occurrence: what the engine sees, and what it stands for."""

    index: int
    token: str
    source: str
    rendering: str


class Restored(NamedTuple):
    """A guarded translation: its text, the source terms whose placeholder went wrong, and whether a
    respelt placeholder was recognised and replaced."""

    text: str
    lost_placeholders: list[str]
    repaired: bool


def protect(source: str, pairs: Sequence[tuple[str, str]],
            token: Callable[[int], str]) -> tuple[str, list[Protected]]:
    """Replace every occurrence of each pair's source term, longest term first, numbering left to right.

    A pair whose term does not occur is ignored: there is nothing to protect, and the terminology QA still
    checks the line against the glossary.
    """
    renderings = dict(sorted(pairs, key=lambda pair: -len(pair[0])))
    terms = [term for term in renderings if term]
    if not terms:
        return source, []
    pattern = re.compile("|".join(re.escape(term) for term in terms))  # alternation tries longer terms first
    protected: list[Protected] = []

    def _mask(match: re.Match[str]) -> str:
        index = len(protected)
        item = Protected(index, token(index), match.group(), renderings[match.group()])
        protected.append(item)
        return item.token

    return pattern.sub(_mask, source), protected


def restore(output: str, protected: Sequence[Protected]) -> Restored:
    """Turn placeholders in an engine's output back into approved renderings (policy: module docstring)."""
    by_index = {item.index: item for item in protected}
    copies: dict[int, list[str]] = {index: [] for index in by_index}
    for match in _ANY_PLACEHOLDER.finditer(output):
        copies.get(_index(match), []).append(match.group())

    def _unmask(match: re.Match[str]) -> str:
        item = by_index.get(_index(match))
        return item.rendering if item else ""

    text = re.sub(r"\s{2,}", " ", _ANY_PLACEHOLDER.sub(_unmask, output)).strip()
    lost = [by_index[index].source for index, seen in copies.items() if len(seen) != 1]
    repaired = any(seen != [by_index[index].token] for index, seen in copies.items() if len(seen) == 1)
    return Restored(text, lost, repaired)


def _index(match: re.Match[str]) -> int:
    return int(match.group(1) or match.group(2))
