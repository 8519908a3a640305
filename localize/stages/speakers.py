"""Who says each cue, when the job has ``speakers:``: two stages after the source cues.

* ``voices``: one CAM++ voice vector per source cue (the expensive part: about 17× real time on one core), kept
  as an artifact so enrolment and a cast edit never embed an episode again.
* ``speakers``: the episode's voices clustered (never more than the cast's size + 2) and matched to the series
  cast; the source cues with their speaker (``speaker_cues``, what the drafts and fits then read) and a report
  naming every cue left ``unknown`` (a voice the cast does not know, or one too short to tell), every cue whose
  own voice disagrees with its cluster's. A long cue whose two sides of its quietest moment sound like two
  characters (ASR or an imported file merged two lines) is split there when its text has a punctuation mark at
  about that place, else flagged. Editing the cast re-runs only this cheap stage in every episode, and what
  follows only where an assignment changed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from localize.job import Job
from localize.model import Cue, cues_from_json, cues_to_json
from localize.speakers.assign import UNKNOWN, assign_speakers, voice_scores
from localize.speakers.audio import MIN_EMBED_MS, embed_cues, read_wav
from localize.speakers.cast import Cast, load_cast
from localize.speakers.cluster import DEFAULT_MAX_DISTANCE, cluster_cues
from localize.speakers.turns import MIN_SIDE_MS, quietest_point, split_cue, text_cut
from localize.speakers.weights import require_weights
from localize.stages.registry import Stage, StageCall, read_json
from localize.stages.speaker_cues import speaker_sources
from localize.store import atomic_write_json, atomic_write_text

DECIMALS = 6  # the vectors as text: the same audio gives the same bytes, and cosines move by under 1e-5


def _row(vector: np.ndarray | None) -> list[float] | None:
    return None if vector is None else [round(float(x), DECIMALS) for x in vector]


def _voices(call: StageCall) -> None:
    """A vector per cue; and for each cue long enough to hold two speakers' lines (a merged cue), its quietest
    moment and a vector of each side of it."""
    cues = cues_from_json(read_json(call.inputs["cues"]))
    samples = read_wav(call.inputs["audio"])
    embedder, min_ms = call.engine("speakers"), call.settings["min_ms"]
    vectors = embed_cues(embedder, samples, [(c.start_ms, c.end_ms) for c in cues], min_ms=min_ms)
    turns = []
    for cue in cues:
        at = quietest_point(samples, cue.start_ms, cue.end_ms, call.settings["side_ms"])
        sides = [] if at is None else embed_cues(embedder, samples, [(cue.start_ms, at), (at, cue.end_ms)],
                                                  min_ms=min_ms)
        whole = at is not None and all(v is not None for v in sides)
        turns.append({"at_ms": at, "sides": [_row(v) for v in sides]} if whole else None)
    rows = {"vectors": [_row(v) for v in vectors], "turns": turns}
    atomic_write_text(call.output("voices"), json.dumps(rows, separators=(",", ":")) + "\n")


def read_voices(path: Path) -> list[np.ndarray | None]:
    return _vectors(read_json(path))


def _vectors(voices: dict[str, Any]) -> list[np.ndarray | None]:
    return [None if row is None else np.array(row, dtype=np.float32) for row in voices["vectors"]]


def speaker_changes(turns: list[dict[str, Any] | None], cast: Cast) -> dict[int, tuple[int, str, str]]:
    """Cue position (from 0) → (ms, first, second) for the cues whose two sides of their quietest moment sound
    like two different cast members, both over the threshold: two speakers' lines merged into one cue."""
    changes = {}
    if not any(m.voiceprints for m in cast.members):
        return changes
    for index, turn in enumerate(turns):
        if turn is None:
            continue
        names, scores = voice_scores(np.array(turn["sides"], dtype=np.float32), cast)
        best = scores.argmax(axis=1)
        if best[0] != best[1] and min(scores[0, best[0]], scores[1, best[1]]) >= cast.threshold:
            changes[index] = (turn["at_ms"], names[best[0]], names[best[1]])
    return changes


def _with_turns(cues: list[Cue], changes: dict[int, tuple[int, str, str]]) -> tuple[list[Cue], list[dict]]:
    """The cues with each merged one split where its text allows (after a mark near the quiet moment), and the
    report of every change found (split or only flagged)."""
    out, found = [], []
    for index, cue in enumerate(cues):
        change = changes.get(index)
        cut = None if change is None else text_cut(cue.text, (change[0] - cue.start_ms) / (cue.end_ms - cue.start_ms))
        if change is not None:
            found.append({"cue": index + 1, "at_ms": change[0], "speakers": list(change[1:]), "split": cut is not None})
        out.extend(split_cue(cue, change[0], cut, *change[1:]) if cut is not None else (cue,))
    return out, found


def recognise(vectors: list[np.ndarray | None], cast: Cast, max_voices: int) -> tuple[tuple[int | None, ...], Any]:
    """The clusters of an episode's voices and their speakers: never more clusters than the cast's size + 2 (room
    for voices it does not know), nor than ``max_voices`` unless the cast needs more."""
    ceiling = max(len(cast.members) + 2, max_voices)
    clusters = cluster_cues(vectors, max_clusters=ceiling, max_distance=DEFAULT_MAX_DISTANCE)
    return clusters, assign_speakers(vectors, clusters, cast)


def _rounded(score: float | None) -> float | None:
    return None if score is None else round(score, 3)


def _speakers(call: StageCall) -> None:
    cues = cues_from_json(read_json(call.inputs["cues"]))
    cast = load_cast(call.inputs["cast"]) if "cast" in call.inputs else Cast(series="")
    voices = read_json(call.inputs["voices"])
    clusters, assignment = recognise(_vectors(voices), cast, call.settings["max_voices"])
    named = [replace(cue, speaker="" if found.speaker == UNKNOWN else found.speaker)
             for cue, found in zip(cues, assignment.cues, strict=True)]
    named, changes = _with_turns(named, speaker_changes(voices["turns"], cast))
    atomic_write_json(call.output("speaker_cues"), cues_to_json(named, read_json(call.inputs["cues"])["language"]))
    rows = [{"cue": number, "speaker": found.speaker, "cluster": found.cluster, "score": _rounded(found.score),
             "flags": list(found.flags)}
            for number, found in enumerate(assignment.cues, 1)]
    atomic_write_json(call.output("speakers"), {
        "cast": sorted(m.name for m in cast.members if m.voiceprints),
        "threshold": cast.threshold,
        "clusters": [{"cluster": i, "speaker": m.speaker, "nearest": m.nearest, "score": _rounded(m.score)}
                     for i, m in enumerate(assignment.clusters)],
        "cues": rows,
        "unknown": [row["cue"] for row in rows if row["speaker"] == UNKNOWN],
        "flagged": [row["cue"] for row in rows if row["flags"]],
        "speaker_changes": changes,  # two speakers in one source cue: split in speaker_cues, or only flagged
    })


def _check_cast(job: Job) -> None:
    """Refuse a broken cast file (naming the file and the key) and a missing speaker model (exit 3) up front."""
    require_weights()
    if job.speakers.cast.is_file():
        load_cast(job.speakers.cast)


VOICES = Stage("voices", 3, needs=("audio", "cues"), makes={"voices": "voices.json"}, action=_voices,
               reads=lambda job: {"min_ms": MIN_EMBED_MS, "side_ms": MIN_SIDE_MS}, engines=("speakers",),
               preflight=_check_cast,
               force_group="speakers")


def speakers_stage(job: Job) -> Stage:
    return Stage("speakers", 1, needs=("voices", "cues", *speaker_sources(job)),
                 makes={"speaker_cues": "cues.json", "speakers": "speakers.json"}, action=_speakers,
                 reads=lambda j: {"max_voices": j.speakers.max_voices}, force_group="speakers")
