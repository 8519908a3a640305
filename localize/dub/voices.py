"""Voice casting: each character gets a voice per target language, kept in ``voices/<series>.voices.yaml`` and
reused for every episode, so a character sounds the same all series long (peers lose the map between jobs).

The default choice follows the cast file: the character's gender picks from the catalogue's voices of that gender,
main characters choose first and never share a voice in a language; once the plain voices are taken, blends and then
pitch-shifted voices keep them apart. Choices already in the saved map are never changed, so a character added in
episode 40 gets a voice without touching anyone else's. The file is plain YAML a distributor may edit::

    series: 龙王赘婿
    characters:
      林凡:
        en: {engine: kokoro, voice: jm_kumo, speed: 1.0, pitch: 0}
        es: {engine: kokoro, voice: "jf_alpha:0.6+jm_kumo:0.4", speed: 1.1, pitch: -3}
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from localize.dub.catalogue import ENGINES, PITCH_LIMIT, Catalogue, blend_text, speaks
from localize.errors import BadInput
from localize.languages import normalize_tag
from localize.schema import Section, choice, int_between, kind_of, load_yaml, tagged_items, text
from localize.speakers.cast import CastMember
from localize.store import atomic_write_text

SPEEDS = (0.8, 1.25)  # the dub-fitting limits (STANDARDS.md: ≥ 0.85×, cap 1.25×), a little slower allowed
MAIN_ROLES = ("lead", "main", "主角", "男主", "女主")  # role text that marks a main character
HEADER = ("# The series' dubbing voices, one per character and language, reused for every episode. Edit by hand:\n"
          "# voice is an id or a blend of two (a:0.6+b:0.4); speed 0.8–1.25; pitch in semitones, -6 to 6.\n")


@dataclass(frozen=True)
class VoiceChoice:
    engine: str
    voice: str  # an id of the engine's, or a blend "jf_alpha:0.6+jm_kumo:0.4" (heaviest first)
    speed: float = 1.0
    pitch: int = 0  # semitones

    @property
    def sound(self) -> tuple[str, str, int]:
        """What tells two characters apart: speed does not, since fitting changes it line by line anyway."""
        return self.engine, self.voice, self.pitch


@dataclass(frozen=True)
class VoiceMap:
    series: str
    choices: Mapping[str, Mapping[str, VoiceChoice]] = field(default_factory=dict)  # character → language → voice


def is_main(member: CastMember) -> bool:
    role = member.role.lower()
    return any(word in role for word in MAIN_ROLES)


def cast_voices(members: Sequence[CastMember], languages: Iterable[str], catalogue: Catalogue,
                existing: VoiceMap | None = None, *, series: str | None = None) -> VoiceMap:
    """The saved map (``existing``) with a voice for every member and language it lacks. Main characters (by role)
    choose first, then the rest, each in cast order; ``BadInput`` when no voice can speak a language, or when the
    main characters of one gender outnumber the catalogue's distinct voices for it."""
    if existing is None and series is None:
        raise ValueError("name the series, or pass its saved voice map")
    tags = list(dict.fromkeys(normalize_tag(tag) for tag in languages))
    for tag in tags:
        _require_voices(tag, catalogue)
    choices = {name: dict(by_tag) for name, by_tag in (existing.choices.items() if existing else ())}
    mains = {member.name for member in members if is_main(member)}
    order = sorted(members, key=lambda member: member.name not in mains)  # stable: cast order within each group
    for tag in tags:
        held = [(name, by_tag[tag]) for name, by_tag in choices.items() if tag in by_tag]
        taken = Counter(choice.sound for _, choice in held)
        main_sounds = {choice.sound for name, choice in held if name in mains}
        for member in order:
            if tag in choices.get(member.name, {}):
                continue
            picked = _pick(member, member.name in mains, tag, catalogue, taken, main_sounds)
            choices.setdefault(member.name, {})[tag] = picked
            taken[picked.sound] += 1
            if member.name in mains:
                main_sounds.add(picked.sound)
    return VoiceMap(series=existing.series if existing else str(series), choices=choices)


def describe(voice_map: VoiceMap) -> list[tuple[str, str, str]]:
    """(character, language, voice) rows in name and language order, for ``localize cast voices JOB``."""
    return [(name, tag, label(voice_map.choices[name][tag]))
            for name in sorted(voice_map.choices) for tag in sorted(voice_map.choices[name])]


def label(choice: VoiceChoice) -> str:
    """``kokoro jf_alpha, pitch +3, speed 1.1``: the knobs left at their defaults are not shown."""
    knobs = ([f"pitch {choice.pitch:+d}"] if choice.pitch else []) + ([f"speed {choice.speed:g}"]
                                                                        if choice.speed != 1 else [])
    return ", ".join([f"{choice.engine} {choice.voice}", *knobs])


def load_voice_map(path: Path, catalogue: Catalogue) -> VoiceMap:
    """The saved map, each voice checked against the catalogue; every problem names the file and the key."""
    top = Section(path, "", load_yaml(path, "voice map"), ("series", "characters"))
    characters = top.get("characters", lambda v: v, {})
    if not isinstance(characters, dict):
        raise top.error(f"must map character names to their voices, got {kind_of(characters)}", "characters")
    choices: dict[str, dict[str, VoiceChoice]] = {}
    for key, raw in characters.items():
        name = text(key) if isinstance(key, (str, int)) and not isinstance(key, bool) else ""
        where = f"characters.{name}"
        if not name:
            raise top.error(f"{key!r} is not a character's name; write it as in the cast file, e.g. 林凡",
                            "characters")
        if not isinstance(raw, dict):
            raise top.error(f"must map language tags to voices, e.g. en: {{engine: kokoro, voice: jm_kumo}}, got "
                            f"{kind_of(raw)}", where)
        by_tag = choices.setdefault(name, {})
        for tag, place, value in tagged_items(path, where, raw):
            if tag in by_tag:
                raise BadInput(f"{path}: {place}: {tag} is given twice for {name}; keep one")
            by_tag[tag] = _choice(Section(path, place, value, ("engine", "voice", "speed", "pitch")), tag, catalogue)
    return VoiceMap(series=top.get("series", text), choices=choices)


def dump_voice_map(voice_map: VoiceMap) -> str:
    """The file's text: characters and languages in order, one line per voice, so the same map gives the same
    bytes and a hand edit shows as a one-line diff."""
    characters = {name: {tag: _Flow(engine=c.engine, voice=c.voice, speed=float(c.speed), pitch=c.pitch)
                         for tag, c in sorted(voice_map.choices[name].items())}
                  for name in sorted(voice_map.choices)}
    body = {"series": voice_map.series, "characters": characters}
    return HEADER + yaml.dump(body, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1 << 20)


def save_voice_map(voice_map: VoiceMap, path: Path) -> None:
    """Write atomically: a crash leaves the old map or the new one, never half of it."""
    atomic_write_text(path, dump_voice_map(voice_map))


def _pick(member: CastMember, main: bool, tag: str, catalogue: Catalogue, taken: Counter[tuple[str, str, int]],
          main_sounds: set[tuple[str, str, int]]) -> VoiceChoice:
    """The first voice nobody has in this language; past the last one a supporting character shares the least
    used voice (a main character's last), a main character is refused."""
    candidates = _candidates(catalogue, member.gender, tag)
    if not candidates:
        raise BadInput(f"no {member.gender} voice speaks {tag}, so {member.name} has none; choose one by hand in the "
                       "series' voice map, or add one to a voice catalogue file")
    free = next((c for c in candidates if not taken[c.sound]), None)
    if free is not None:
        return free
    if main:
        raise BadInput(f"the {len(candidates)} distinct {member.gender} voices for {tag} (voices, blends and pitch "
                       f"offsets) are taken, so main character {member.name} would share one; choose one by hand "
                       "in the series' voice map, or add voices to a voice catalogue file")
    return min(candidates, key=lambda c: (c.sound in main_sounds, taken[c.sound]))


def _candidates(catalogue: Catalogue, gender: str, tag: str) -> list[VoiceChoice]:
    """The voices a character may get, best first: plain voices, then blends, then each pitch offset of those."""
    bases = [VoiceChoice(v.engine, v.voice) for v in (*catalogue.voices, *catalogue.mixes)
             if gender in ("unknown", v.gender) and speaks(v.languages, tag)]
    return bases + [replace(base, pitch=offset) for offset in catalogue.pitch_offsets for base in bases]


def _require_voices(tag: str, catalogue: Catalogue) -> None:
    if any(speaks(v.languages, tag) for v in catalogue.voices):
        return
    spoken = "; ".join(f"{engine} speaks {', '.join(tags)}" if tags else f"{engine} has no voices"
                       for engine, tags in catalogue.engine_languages().items())
    raise BadInput(f"no offline voice speaks {tag} ({spoken}); dub into one of those languages, or add voices "
                   f"that speak {tag} (e.g. your XTTS model's speakers) in a voice catalogue file")


def _choice(section: Section, tag: str, catalogue: Catalogue) -> VoiceChoice:
    engine = section.get("engine", choice(ENGINES))
    voice = section.get("voice", text)
    try:
        languages = catalogue.languages_of(engine, voice)
    except ValueError as exc:
        raise section.error(str(exc), "voice") from None
    if not speaks(languages, tag):
        raise section.error(f"{engine} {voice} does not speak {tag} (it speaks {', '.join(languages)}); choose a "
                            "voice that does", "voice")
    return VoiceChoice(engine, blend_text(voice), speed=section.get("speed", _speed, 1.0),
                       pitch=section.get("pitch", int_between(-PITCH_LIMIT, PITCH_LIMIT), 0))


def _speed(value: Any) -> float:
    low, high = SPEEDS
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"must be a number from {low} to {high} (1.0 is the voice's own pace), got '{value}'")
    return float(value)


class _Flow(dict):
    """One voice: written on one line."""


class _Dumper(yaml.SafeDumper):
    """Block style for the file, flow style for each voice."""


_Dumper.add_representer(_Flow, lambda dumper, data: dumper.represent_mapping("tag:yaml.org,2002:map", data,
                                                                             flow_style=True))
