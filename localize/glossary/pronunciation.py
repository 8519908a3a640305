"""How the dub's voice says what the translation writes: the glossaries' ``say`` entries for one language.

A voice reads a rendering the way its language's spelling suggests, so Piper says the "yuan" of "five million yuan"
in a way listeners (and Whisper) hear as "you won". A glossary target's ``say: {yuan: yuen}`` gives the spelling the
voice reads instead. It applies wherever the rendering is written in a line of that language (whole words, any
case): it is how the word sounds, whatever the source said. Subtitles, review files and the dub's reports keep the
written rendering; only the text handed to the voice changes.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from localize.glossary.terms import Glossary


@dataclass(frozen=True)
class Pronunciations:
    pairs: tuple[tuple[str, str], ...] = ()  # (rendering as written, as said), one per rendering, longest first

    @classmethod
    def of(cls, glossaries: Iterable[Glossary], locale: str) -> Pronunciations:
        """The ``say`` entries for ``locale`` (pt-BR falls back to pt). A rendering two glossaries pronounce
        differently takes the series-scope entry's, then the earlier glossary's (as ``merge_terms`` ranks terms)."""
        terms = [term for glossary in glossaries for term in glossary.terms]
        chosen: dict[str, tuple[str, str]] = {}
        for term in [t for t in terms if t.scope == "series"] + [t for t in terms if t.scope != "series"]:
            target = term.target(locale)
            for written, spoken in target.say if target else ():
                chosen.setdefault(written.casefold(), (written, spoken))
        return cls(tuple(sorted(chosen.values(), key=lambda pair: (-len(pair[0]), pair[0]))))

    @classmethod
    def from_pairs(cls, pairs: Sequence[Sequence[str]]) -> Pronunciations:
        """Back from the stage settings' JSON lists."""
        return cls(tuple((written, spoken) for written, spoken in pairs))

    @functools.cached_property
    def _pattern(self) -> re.Pattern[str]:
        words = "|".join(re.escape(written) for written, _ in self.pairs)  # longest first: "yuan notes" before "yuan"
        return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)

    def apply(self, text: str) -> str:
        """``text`` as the voice must read it: every pronounced rendering, as a whole word, replaced."""
        if not self.pairs:
            return text
        spoken = {written.casefold(): said for written, said in self.pairs}
        return self._pattern.sub(lambda match: spoken[match.group(0).casefold()], text)
