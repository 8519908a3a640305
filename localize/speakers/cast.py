"""The series cast file, ``voices/<series>.cast.yaml``: each character's voiceprints, kept across the episodes.

Enrolment writes the voiceprints; a distributor edits the rest by hand (names, gender, role), so the file is plain
YAML read strictly: an unknown key or a malformed voiceprint is one error naming the file and the key. Saving the
same cast gives the same bytes (characters in name order, numbers rounded), so the file diffs cleanly in git::

    series: 龙王赘婿
    threshold: 0.5          # optional: how alike (cosine, 0–1) a voice must be to count as a character's
    characters:
      林凡:
        gender: male        # optional: female, male or unknown, as on the character sheet
        role: lead          # optional, free text
        voiceprints:        # written by enrolment: up to 4 lists of 192 numbers, one per line
        - [0.01234, -0.05678, ...]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from localize.errors import BadInput
from localize.glossary.characters import GENDERS
from localize.schema import Section, kind_of, load_yaml, text
from localize.speakers.cluster import centroid
from localize.store import atomic_write_text

VOICEPRINT_SIZE = 192  # CAM++'s embedding
DEFAULT_THRESHOLD = 0.5  # measured on our voices: a line scores 0.52–0.93 to its own voiceprint, ≤ 0.37 to others
MAX_VOICEPRINTS = 4  # a few ways of speaking (calm, shouting, on the phone); past that new ones are folded in
DECIMALS = 5  # cosines move by under 1e-4: the file stays readable and stable
HEADER = ("# The series cast: who speaks, learnt from the episodes' audio. Names, gender and role may be edited\n"
          "# by hand; voiceprints are written by enrolment.\n")

Voiceprint = tuple[float, ...]


@dataclass(frozen=True)
class CastMember:
    name: str  # as on the character sheet, e.g. 林凡
    gender: str = "unknown"
    role: str = ""
    voiceprints: tuple[Voiceprint, ...] = ()  # unit vectors when enrolled, rounded to DECIMALS


@dataclass(frozen=True)
class Cast:
    series: str
    threshold: float = DEFAULT_THRESHOLD
    members: tuple[CastMember, ...] = ()  # in name order


def load_cast(path: Path) -> Cast:
    """The cast file, validated; every problem is a ``BadInput`` naming the file and the key."""
    top = Section(path, "", load_yaml(path, "cast file"), ("series", "threshold", "characters"))
    characters = top.get("characters", lambda v: v, {})
    if not isinstance(characters, dict):
        raise top.error(f"must map character names to their voices, got {kind_of(characters)}", "characters")
    members = tuple(_member(path, name, raw) for name, raw in characters.items())
    return Cast(series=top.get("series", text), threshold=top.get("threshold", _threshold, DEFAULT_THRESHOLD),
                members=tuple(sorted(members, key=lambda m: m.name)))


def dump_cast(cast: Cast) -> str:
    """The file's text: the same cast always gives the same bytes."""
    characters = {member.name: {"gender": member.gender, **({"role": member.role} if member.role else {}),
                                "voiceprints": [_Row(vector) for vector in member.voiceprints]}
                  for member in sorted(cast.members, key=lambda m: m.name)}
    body = {"series": cast.series, "threshold": cast.threshold, "characters": characters}
    return HEADER + yaml.dump(body, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1 << 20)


def save_cast(cast: Cast, path: Path) -> None:
    """Write atomically: a crash leaves the old file or the new one, never half a cast."""
    atomic_write_text(path, dump_cast(cast))


def voiceprint(embeddings: np.ndarray) -> Voiceprint:
    """One voice from the (lines, 192) embeddings of lines said in it: their unit mean, rounded for the file."""
    return _rounded(centroid(embeddings))


def enrol(cast: Cast, name: str, embeddings: np.ndarray, *, max_voiceprints: int = MAX_VOICEPRINTS) -> Cast:
    """The cast with a voiceprint of ``name`` (a new member if need be) from the embeddings of lines said in their
    voice, usually one cluster's. Past ``max_voiceprints`` the new voiceprint is averaged into the most alike one:
    the file stays small and nothing heard is thrown away."""
    if len(embeddings) == 0:
        raise ValueError(f"no lines to enrol {name} from")
    new, name = voiceprint(embeddings), str(name)  # str: a numpy string would not write as YAML
    member = next((m for m in cast.members if m.name == name), CastMember(name))
    prints = list(member.voiceprints)
    if len(prints) < max_voiceprints:
        prints.append(new)
    else:
        nearest = int(np.argmax(np.array(prints) @ np.array(new)))
        prints[nearest] = voiceprint(np.array([prints[nearest], new]))
    others = [m for m in cast.members if m.name != name]
    members = sorted([*others, replace(member, voiceprints=tuple(prints))], key=lambda m: m.name)
    return replace(cast, members=tuple(members))


def _member(path: Path, key: Any, raw: Any) -> CastMember:
    name = str(key).strip() if isinstance(key, (str, int)) and not isinstance(key, bool) else ""
    if not name:
        raise BadInput(f"{path}: characters: {key!r} is not a character's name; write the name as on the "
                       "character sheet, e.g. 林凡")
    section = Section(path, f"characters.{name}", {} if raw is None else raw, ("gender", "role", "voiceprints"))
    gender = section.get("gender", text, "unknown")
    if gender not in GENDERS:
        raise section.error(f"'{gender}' is not one of {', '.join(GENDERS)}", "gender")
    prints = section.get("voiceprints", lambda v: v, [])
    if not isinstance(prints, list):
        raise section.error(f"must be a list of voiceprints (each {VOICEPRINT_SIZE} numbers), got {kind_of(prints)}",
                            "voiceprints")
    return CastMember(name=name, gender=gender, role=section.get("role", text, ""),
                      voiceprints=tuple(_voiceprint(section, f"voiceprints[{i}]", v) for i, v in enumerate(prints)))


def _voiceprint(section: Section, key: str, raw: Any) -> Voiceprint:
    if not isinstance(raw, list):
        raise section.error(f"expected a list of {VOICEPRINT_SIZE} numbers, got {kind_of(raw)}", key)
    if len(raw) != VOICEPRINT_SIZE:
        raise section.error(f"expected {VOICEPRINT_SIZE} numbers, got {len(raw)}", key)
    bad = next((i for i, x in enumerate(raw) if isinstance(x, bool) or not isinstance(x, (int, float))
                or not math.isfinite(x)), None)
    if bad is not None:
        raise section.error(f"item {bad} is not a number: {raw[bad]!r}", key)
    if not any(raw):
        raise section.error("is all zeros: it matches no voice; delete it", key)
    return _rounded(np.array(raw, dtype=np.float64))  # as written: matching scales every voiceprint to length 1


def _threshold(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValueError(f"must be a number between 0 and 1 (a cosine similarity), got '{value}'")
    return float(value)


def _rounded(vector: np.ndarray) -> Voiceprint:
    return tuple(round(float(x), DECIMALS) + 0.0 for x in vector)  # + 0.0 turns -0.0 into 0.0


class _Row(tuple):
    """A voiceprint: written on one line, in flow style."""


class _Dumper(yaml.SafeDumper):
    """Block style for the file, flow style for each voiceprint."""


_Dumper.add_representer(_Row, lambda dumper, row: dumper.represent_sequence("tag:yaml.org,2002:seq", row,
                                                                            flow_style=True))
