"""Word boundaries per language: where a line may break, where a sentence may end and where a glossary term
must start and stop to count as that term (万 is not found inside 万事有我).

Languages written with spaces split on them; Chinese uses rjieba (jieba's dictionary and algorithm in Rust:
4.6 MB, about 7 µs a line, MIT). Japanese and Thai have no segmenter yet: every character boundary is a word
boundary for them, as it was for Chinese before, until one is added here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

SEGMENTED = ("zh", "yue", "cmn")  # written without spaces, with a segmenter here
UNSEGMENTED = ("ja", "th")  # written without spaces, no segmenter yet: every character boundary counts
_WORD = re.compile(r"\w+(?:[-'’]\w+)*")  # letters and digits, inner hyphens and apostrophes: son-in-law, don't


def base_language(language: str) -> str:
    return language.split("-")[0].lower()


@functools.lru_cache(maxsize=8)
def _segmenter(extra_words: frozenset[str]):
    """A jieba segmenter knowing ``extra_words`` (glossary terms, character names) as whole words.

    One per word set, cached: adding words to the shared module-level dictionary would make one job's
    glossary change another's line breaks in the same process."""
    import rjieba  # loads its dictionary into the module's own segmenter: 0.2 s, only when Chinese is first segmented

    if not extra_words:
        return rjieba  # that module-level segmenter (rjieba.tokenize): another would load the dictionary again
    segmenter = rjieba.Jieba()
    for word in sorted(w for w in extra_words if w):
        segmenter.add_word(word, None, None)  # jieba's suggested frequency: kept whole, not forced
    return segmenter


def word_spans(text: str, language: str, extra_words: Iterable[str] = ()) -> list[tuple[int, int]]:
    """(start, end) character offsets of the words of ``text``, in order; spaces and punctuation are not
    words. ``extra_words`` are kept whole where they occur (Chinese only: spaced languages need no help)."""
    base = base_language(language)
    if base in SEGMENTED:
        # a frozenset is taken as it is: a glossary's terms are one set for a whole track, hashed once
        pieces = _segmenter(extra_words if isinstance(extra_words, frozenset) else frozenset(extra_words))
        return [(start, end) for token, start, end in pieces.tokenize(text, hmm=False)
                if not token.isspace() and any(c.isalnum() for c in token)]
    if base in UNSEGMENTED:
        return [(i, i + 1) for i, c in enumerate(text) if c.isalnum()]
    return [match.span() for match in _WORD.finditer(text)]


def word_edges(text: str, language: str, extra_words: Iterable[str] = ()) -> frozenset[int]:
    """Offsets where a word starts or ends: the only places a line or a term may begin or stop."""
    return frozenset(edge for span in word_spans(text, language, extra_words) for edge in span)


def find_word(text: str, term: str, edges: frozenset[int]) -> int:
    """Offset of the first occurrence of ``term`` in ``text`` that starts and ends on word ``edges`` (from
    ``word_edges`` of the same text), or -1. A term's end that is punctuation ("Mr.") needs no edge there.

    With the glossary's terms as the segmenter's extra words, 姐姐 is found in 求姐姐放他 while 小弟 is not
    found in 小弟弟, 我靠 not in 掩护我靠近点 and 万 not in 万事有我."""
    if not term:
        return -1
    start = text.find(term)
    while start != -1:
        if on_word_edges(text, start, start + len(term), edges):
            return start
        start = text.find(term, start + 1)
    return -1


def on_word_edges(text: str, start: int, end: int, edges: frozenset[int]) -> bool:
    """``text[start:end]`` starts and ends on word ``edges``; an end that is not a letter or digit ("Mr.") needs
    no edge there."""
    return (start in edges or not text[start].isalnum()) and (end in edges or not text[end - 1].isalnum())
