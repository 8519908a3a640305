"""Who says each cue, when the job has ``speakers:``: two stages after the source cues.

* ``voices``: one CAM++ voice vector per source cue (the expensive part: about 17× real time on one core), kept
  as an artifact so enrolment and a cast edit never embed an episode again.
* ``speakers``: the episode's voices clustered (never more than the cast's size + 2) and matched to the series
  cast; the source cues with their speaker (``speaker_cues``, what the drafts and fits then read) and a report
  naming every cue left ``unknown`` (a voice the cast does not know, or one too short to tell), every cue whose
  own voice disagrees with its cluster's, and every long cue whose two halves sound like two characters (ASR or
  an imported file merged two lines: flagged, not split, as cues carry no word times to cut at). Editing the
  cast re-runs only this cheap stage in every episode, and what follows only where an assignment changed.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from localize.job import Job
from localize.model import cues_from_json, cues_to_json
from localize.speakers.assign import UNKNOWN, assign_speakers, voice_scores
from localize.speakers.audio import MIN_EMBED_MS, embed_cues, read_wav
from localize.speakers.cast import Cast, load_cast
from localize.speakers.cluster import DEFAULT_MAX_DISTANCE, cluster_cues
from localize.speakers.weights import require_weights
from localize.stages.registry import Stage, StageCall, read_json
from localize.store import atomic_write_json, atomic_write_text

DECIMALS = 6  # the vectors as text: the same audio gives the same bytes, and cosines move by under 1e-5


def speaker_sources(job: Job) -> dict[str, Path]:
    """The cast file, once it exists (before enrolment every voice is unknown)."""
    return {"cast": job.speakers.cast} if job.speakers and job.speakers.cast.is_file() else {}


def cues_artifact(job: Job) -> str:
    """The source cues later stages read: with their speakers when the job recognises them."""
    return "speaker_cues" if job.speakers else "cues"


def _row(vector: np.ndarray | None) -> list[float] | None:
    return None if vector is None else [round(float(x), DECIMALS) for x in vector]


def _voices(call: StageCall) -> None:
    """A vector per cue, and per half of each cue long enough to hold two speakers' lines (a merged cue)."""
    cues = cues_from_json(read_json(call.inputs["cues"]))
    samples = read_wav(call.inputs["audio"])
    embedder, min_ms = call.engine("speakers"), call.settings["min_ms"]
    vectors = embed_cues(embedder, samples, [(c.start_ms, c.end_ms) for c in cues], min_ms=min_ms)
    long = [c for c in cues if c.end_ms - c.start_ms >= 2 * call.settings["half_ms"]]
    halves = embed_cues(embedder, samples, [span for c in long for span in _halves(c.start_ms, c.end_ms)],
                        min_ms=min_ms)
    by_cue = dict(zip((id(c) for c in long), zip(halves[::2], halves[1::2], strict=True), strict=True))
    rows = {"vectors": [_row(v) for v in vectors],
            "halves": [[_row(v) for v in by_cue[id(c)]] if id(c) in by_cue else None for c in cues]}
    atomic_write_text(call.output("voices"), json.dumps(rows, separators=(",", ":")) + "\n")


def _halves(start_ms: int, end_ms: int) -> tuple[tuple[int, int], tuple[int, int]]:
    middle = (start_ms + end_ms) // 2
    return (start_ms, middle), (middle, end_ms)


def read_voices(path: Path) -> list[np.ndarray | None]:
    return [None if row is None else np.array(row, dtype=np.float32) for row in read_json(path)["vectors"]]


def speaker_changes(path: Path, cast: Cast) -> list[int]:
    """The cues (from 1) whose two halves sound like two different cast members, both over the threshold: two
    lines merged into one cue, which a reviewer should split (the cue keeps its majority speaker meanwhile)."""
    changes = []
    for number, halves in enumerate(read_json(path)["halves"], 1):
        if not halves or None in halves or not any(m.voiceprints for m in cast.members):
            continue
        names, scores = voice_scores(np.array(halves, dtype=np.float32), cast)
        best = scores.argmax(axis=1)
        if best[0] != best[1] and min(scores[0, best[0]], scores[1, best[1]]) >= cast.threshold:
            changes.append(number)
    return changes


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
    clusters, assignment = recognise(read_voices(call.inputs["voices"]), cast, call.settings["max_voices"])
    named = [replace(cue, speaker="" if found.speaker == UNKNOWN else found.speaker)
             for cue, found in zip(cues, assignment.cues, strict=True)]
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
        "speaker_changes": speaker_changes(call.inputs["voices"], cast),
    })


def _check_cast(job: Job) -> None:
    """Refuse a broken cast file (naming the file and the key) and a missing speaker model (exit 3) up front."""
    require_weights()
    if job.speakers.cast.is_file():
        load_cast(job.speakers.cast)


HALF_MS = 1500  # a cue of twice this or more is also embedded by halves: enough for a voiceprint each

VOICES = Stage("voices", 2, needs=("audio", "cues"), makes={"voices": "voices.json"}, action=_voices,
               reads=lambda job: {"min_ms": MIN_EMBED_MS, "half_ms": HALF_MS}, engines=("speakers",),
               preflight=_check_cast,
               force_group="speakers")


def speakers_stage(job: Job) -> Stage:
    return Stage("speakers", 1, needs=("voices", "cues", *speaker_sources(job)),
                 makes={"speaker_cues": "cues.json", "speakers": "speakers.json"}, action=_speakers,
                 reads=lambda j: {"max_voices": j.speakers.max_voices}, force_group="speakers")
