"""The voices dubbing can use offline: ``localize/data/voice_catalogue.yaml`` (what ships, per MODELS.md) plus,
optionally, a user's file of the same shape (the speakers of an XTTS model they brought).

Casting picks from it and a voice map is checked against it, so a map never names a voice that cannot be
synthesised, or one that cannot speak the language it is cast for. Both files are read strictly: every problem is a
``BadInput`` naming the file and the key.
"""

from __future__ import annotations

import difflib
import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from localize.languages import normalize_tag
from localize.schema import Section, choice, kind_of, load_yaml, text

DATA_FILE = Path("localize/data/voice_catalogue.yaml")
ENGINES = ("kokoro", "piper", "xtts")
BLENDING = ("kokoro",)  # engines whose voices are style vectors: a weighted sum of two is a new voice
GENDERS = ("female", "male")  # every catalogue voice has one: casting matches it to the character's
PITCH_LIMIT = 6  # semitones either way; rubberband's shift sounds processed past that


@dataclass(frozen=True)
class CatalogueVoice:
    engine: str
    voice: str  # an id, or a blend of two ids written "jf_alpha:0.5+jf_nezumi:0.5"
    gender: str
    languages: tuple[str, ...]  # BCP-47 tags as the catalogue lists them (see ``speaks``)


@dataclass(frozen=True)
class Catalogue:
    voices: tuple[CatalogueVoice, ...]  # plain voices, in the order casting prefers them
    mixes: tuple[CatalogueVoice, ...] = ()  # blends casting may use once the plain voices are taken
    pitch_offsets: tuple[int, ...] = ()  # semitones tried on every voice and mix once those are taken too

    def languages_of(self, engine: str, voice: str) -> tuple[str, ...]:
        """The languages ``voice`` (an id or a blend) speaks on ``engine``; ValueError saying what is wrong."""
        ids = {v.voice: v for v in self.voices if v.engine == engine}
        parts = parse_blend(voice) if "+" in voice or ":" in voice else ((voice, 1.0),)
        if len(parts) > 1 and engine not in BLENDING:
            raise ValueError(f"{engine} cannot blend voices (only {', '.join(BLENDING)} can); name one voice")
        for name, _ in parts:
            if name not in ids:
                close = difflib.get_close_matches(name, list(ids), n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                known = ", ".join(ids) or "none in the catalogue (add them to a voice catalogue file)"
                raise ValueError(f"'{name}' is not a {engine} voice; {hint}{engine} voices: {known}")
        first = ids[parts[0][0]].languages
        return tuple(tag for tag in first if all(tag in ids[name].languages for name, _ in parts[1:]))

    def engine_languages(self) -> dict[str, tuple[str, ...]]:
        """What each engine's voices speak, for messages that must say which languages are possible."""
        found: dict[str, list[str]] = {engine: [] for engine in ENGINES}
        for voice in self.voices:
            found[voice.engine] += [tag for tag in voice.languages if tag not in found[voice.engine]]
        return {engine: tuple(tags) for engine, tags in found.items()}


def speaks(languages: Iterable[str], tag: str) -> bool:
    """Whether a voice listed for ``languages`` can dub ``tag``: one listed for ``es`` dubs es-419 too, one listed
    for ``pt-BR`` dubs pt but not pt-PT (a listed region is an accent the voice has)."""
    primary = tag.split("-")[0]
    return any(listed in (tag, primary) or (tag == primary and listed.split("-")[0] == primary)
               for listed in languages)


def parse_blend(voice: str) -> tuple[tuple[str, float], ...]:
    """``"a:0.6+b:0.4"`` as ((a, 0.6), (b, 0.4)); ValueError unless it is two different voices whose weights,
    each between 0 and 1, add up to 1."""
    example = "write two voices and their weights, e.g. jf_alpha:0.6+jm_kumo:0.4"
    parts = []
    for part in voice.split("+"):
        name, _, weight = part.strip().partition(":")
        try:
            value = float(weight)
        except ValueError:
            raise ValueError(f"'{voice}' is not a blend: {example}") from None
        if not name or not 0 < value < 1:
            raise ValueError(f"'{voice}' is not a blend: {example}")
        parts.append((name.strip(), value))
    if len(parts) != 2 or parts[0][0] == parts[1][0]:
        raise ValueError(f"'{voice}' is not a blend of two different voices: {example}")
    if not math.isclose(parts[0][1] + parts[1][1], 1.0, abs_tol=1e-6):
        raise ValueError(f"the weights of '{voice}' add up to {parts[0][1] + parts[1][1]:g}; make them add up to 1")
    return tuple(parts)


def blend_text(voice: str) -> str:
    """The one way a voice is written: a blend heaviest voice first (then by id), so "b:0.4+a:0.6" and
    "a:0.6+b:0.4" are seen as the same voice and saved the same way."""
    if "+" not in voice and ":" not in voice:
        return voice
    parts = sorted(parse_blend(voice), key=lambda part: (-part[1], part[0]))
    return "+".join(f"{name}:{weight:g}" for name, weight in parts)


def load_catalogue(extra: Path | None = None) -> Catalogue:
    """The shipped catalogue, plus the voices, mixes and pitch offsets of a user's file when given."""
    voices, mixes, offsets = _shipped()
    if extra is not None:
        more, more_mixes, more_offsets = _read(extra, load_yaml(extra, "voice catalogue"), voices)
        voices, mixes, offsets = voices + more, mixes + more_mixes, more_offsets or offsets
    return Catalogue(voices=voices, mixes=mixes, pitch_offsets=offsets)


Parts = tuple[tuple[CatalogueVoice, ...], tuple[CatalogueVoice, ...], tuple[int, ...]]


@functools.lru_cache(maxsize=1)
def _shipped() -> Parts:
    raw = resources.files("localize.data").joinpath(DATA_FILE.name).read_text(encoding="utf-8")
    return _read(DATA_FILE, yaml.safe_load(raw), ())


def _read(file: Path, raw: Any, known: tuple[CatalogueVoice, ...]) -> Parts:
    """A catalogue file's voices (new ones only), then its mixes checked against every voice known by then."""
    top = Section(file, "", raw, ("pitch_offsets", "engines"))
    engines = top.get("engines", lambda v: v, {})
    if not isinstance(engines, dict):
        raise top.error(f"must map engine names ({', '.join(ENGINES)}) to their voices, got {kind_of(engines)}",
                        "engines")
    sections = {}
    for engine, body in engines.items():
        try:
            choice(ENGINES)(engine)
        except ValueError as exc:
            raise top.error(str(exc), f"engines.{engine}") from None
        sections[engine] = Section(file, f"engines.{engine}", {} if body is None else body, ("voices", "mixes"))
    voices = tuple(voice for engine, section in sections.items() for voice in _voices(section, engine, known))
    catalogue = Catalogue(voices=known + voices)
    mixes = tuple(mix for engine, section in sections.items() for mix in _mixes(section, engine, catalogue))
    return voices, mixes, top.get("pitch_offsets", _pitch_offsets, ())


def _voices(section: Section, engine: str, known: tuple[CatalogueVoice, ...]) -> list[CatalogueVoice]:
    entries = _mapping(section, "voices", "voice ids to {gender, languages}")
    taken = {v.voice for v in known if v.engine == engine}
    found = []
    for key, raw in entries.items():
        voice = text(key) if isinstance(key, (str, int)) and not isinstance(key, bool) else ""
        if not voice or any(mark in voice for mark in ":+"):
            raise section.error(f"{key!r} is not a voice id: quote it if YAML read it as something else (yes, no), "
                                "and leave out ':' and '+' (they write blends)", "voices")
        if voice in taken:
            raise section.error("is already in the catalogue; give the voice once", f"voices.{voice}")
        taken.add(voice)
        entry = Section(section.file, f"{section.where}.voices.{voice}", raw, ("gender", "languages"))
        found.append(CatalogueVoice(engine, voice, entry.get("gender", choice(GENDERS)),
                                    entry.get("languages", _languages)))
    return found


def _mixes(section: Section, engine: str, catalogue: Catalogue) -> list[CatalogueVoice]:
    entries = _mapping(section, "mixes", "blends to the gender they sound")
    found = []
    for key, gender in entries.items():
        place = f"mixes.{key}"
        if "+" not in str(key):
            raise section.error("is one voice, not a blend of two; list it under voices", place)
        try:
            languages = catalogue.languages_of(engine, str(key))
        except ValueError as exc:
            raise section.error(str(exc), place) from None
        if not languages:
            raise section.error("its two voices share no language", place)
        if gender not in GENDERS:
            raise section.error(f"'{gender}' is not one of {', '.join(GENDERS)}: the gender the blend sounds", place)
        found.append(CatalogueVoice(engine, blend_text(str(key)), gender, languages))
    return found


def _mapping(section: Section, key: str, what: str) -> dict[Any, Any]:
    value = section.get(key, lambda v: v, {})
    if not isinstance(value, dict):
        raise section.error(f"must map {what}, got {kind_of(value)}", key)
    return value


def _languages(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"must be a list of language tags, e.g. [en, es, pt-BR], got {kind_of(value)}")
    return tuple(normalize_tag(text(tag)) for tag in value)


def _pitch_offsets(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise ValueError(f"must be a list of whole semitones, e.g. [-3, 3], got {value!r}")
    if any(v == 0 or abs(v) > PITCH_LIMIT for v in value) or len(set(value)) != len(value):
        raise ValueError(f"must be different non-zero semitones from -{PITCH_LIMIT} to {PITCH_LIMIT}, got {value}")
    return tuple(value)
