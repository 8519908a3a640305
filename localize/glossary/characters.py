"""The series' character sheet (``characters.yaml``): who speaks, what they are called, their gender.

Mandarin 他 and 她 sound the same, so neither ASR nor MT can tell a character's gender: the sheet does.
Names are the series' most binding terms; here they also serve as recognition hotwords.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localize.schema import Section, load_yaml, tagged_items, text

GENDERS = ("female", "male", "unknown")


@dataclass(frozen=True)
class Character:
    name: str  # as written in the source script, e.g. 林凡
    gender: str = "unknown"
    role: str = ""
    aliases: tuple[str, ...] = ()  # other ways the dialogue names them: 林少, 凡哥
    renderings: tuple[tuple[str, str], ...] = ()  # (language tag, name on screen), e.g. ("en", "Lin Fan")
    addresses: tuple[tuple[str, str], ...] = ()  # (other character, how this one addresses them): ("林凡", "废物")


def _character(file: Path, index: int, raw: Any) -> Character:
    section = Section(file, f"characters[{index}]", raw,
                      ("name", "gender", "role", "aliases", "renderings", "addresses"))
    gender = section.get("gender", text, "unknown")
    if gender not in GENDERS:
        raise section.error(f"'{gender}' is not one of {', '.join(GENDERS)}", "gender")
    renderings = section.get("renderings", lambda v: v, {})
    if not isinstance(renderings, dict):
        raise section.error("must map language tags to names, e.g. {en: Lin Fan}", "renderings")
    aliases = section.get("aliases", lambda v: v, [])
    addresses = section.get("addresses", lambda v: v, {})
    if not isinstance(addresses, dict):
        raise section.error("must map other characters to how this one addresses them, e.g. {林凡: 女婿}",
                            "addresses")
    return Character(
        name=section.get("name", text),
        gender=gender,
        role=section.get("role", text, ""),
        aliases=tuple(text(a) for a in (aliases if isinstance(aliases, list) else [aliases])),
        renderings=tuple(sorted((tag, text(v)) for tag, _, v in tagged_items(file, f"characters[{index}].renderings",
                                                                               renderings))),
        addresses=tuple(sorted((text(k), text(v)) for k, v in addresses.items())),
    )


def load_characters(path: Path) -> tuple[Character, ...]:
    data = load_yaml(path, "character sheet")
    top = Section(path, "", data, ("characters",))
    raw = top.get("characters", lambda v: v)
    if not isinstance(raw, list) or not raw:
        raise top.error("must be a list of characters, each with at least a name", "characters")
    characters = tuple(_character(path, i, item) for i, item in enumerate(raw))
    names = [c.name for c in characters]
    unknown = next(((c, other) for c in characters for other, _ in c.addresses if other not in names), None)
    if unknown:
        raise top.error(f"{unknown[0].name} addresses '{unknown[1]}', who is not on the sheet", "characters")
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice:
        raise top.error(f"'{twice}' is listed twice", "characters")
    return characters


def hotwords(characters: tuple[Character, ...]) -> str:
    """Names and aliases as one space-separated hotword string for faster-whisper."""
    return " ".join(dict.fromkeys(word for c in characters for word in (c.name, *c.aliases)))


def addressee(speaker: str, line: str, characters: tuple[Character, ...]) -> str:
    """Who a line speaks to, when the sheet says how its speaker addresses someone and the line says it that way
    (王秀兰 calls 林凡 女婿: her 女婿 lines are spoken to him)."""
    person = next((c for c in characters if c.name == speaker), None)
    return next((other for other, form in person.addresses if form in line), "") if person else ""
