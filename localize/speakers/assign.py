"""Who says each cue: an episode's voice clusters matched to the series cast, then each cue checked on its own.

Why one-to-one: two voices in a scene are two people, so the clearest match claims a character first, and another
cluster gets the same character only when it also sounds like the first (one voice the clustering split in two,
say calm and shouting). Why ``unknown``: a voice the cast does not know (a new character, a walk-on) is reported
with its best score for a reviewer to name, never forced onto the nearest character.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from localize.speakers.cast import Cast
from localize.speakers.cluster import centroid, unit_rows

UNKNOWN = "unknown"
TOO_SHORT = "too-short"  # no embedding: too short to tell the voice, even with the quiet around it
DISAGREES = "disagrees"  # the cue's own voice would not get its cluster's verdict: worth a listen


@dataclass(frozen=True)
class ClusterMatch:
    speaker: str  # a cast member's name, or UNKNOWN
    score: float | None  # the centroid's cosine to the speaker (to ``nearest`` when UNKNOWN); None: no voiceprints
    nearest: str | None  # the member it sounds most like, even under the threshold; None: no voiceprints


@dataclass(frozen=True)
class CueSpeaker:
    speaker: str  # a cast member's name, or UNKNOWN
    score: float | None  # the cue's own cosine to the speaker (to the nearest member when UNKNOWN)
    cluster: int | None  # None: too short to embed
    flags: tuple[str, ...] = ()  # TOO_SHORT, DISAGREES


@dataclass(frozen=True)
class SpeakerAssignment:
    cues: tuple[CueSpeaker, ...]  # in cue order
    clusters: tuple[ClusterMatch, ...]  # by cluster id


def voice_scores(vectors: np.ndarray, cast: Cast) -> tuple[tuple[str, ...], np.ndarray]:
    """The members that have voiceprints, and each vector's best cosine to each of them: (rows, members)."""
    members = [m for m in cast.members if m.voiceprints]
    vectors = np.asarray(vectors)
    prints = unit_rows(np.array([p for m in members for p in m.voiceprints]).reshape(-1, vectors.shape[-1]))
    owner = np.repeat(np.arange(len(members)), [len(m.voiceprints) for m in members])
    similarity = unit_rows(vectors) @ prints.T
    scores = np.full((len(vectors), len(members)), -np.inf)
    for column, member in enumerate(owner):
        scores[:, member] = np.maximum(scores[:, member], similarity[:, column])
    return tuple(m.name for m in members), scores


def match_clusters(centroids: np.ndarray, cast: Cast) -> tuple[ClusterMatch, ...]:
    """Each cluster's speaker: pairs at or over the cast's threshold, best first (ties: earlier cluster, then
    member), each taking a free member, or a taken one whose first cluster sounds alike (cosine over the threshold)."""
    names, scores = voice_scores(centroids, cast)
    if not names:
        return tuple(ClusterMatch(UNKNOWN, None, None) for _ in centroids)
    alike = unit_rows(centroids) @ unit_rows(centroids).T
    chosen: dict[int, int] = {}  # cluster -> member
    first_of: dict[int, int] = {}  # member -> the cluster that claimed it
    pairs = sorted((-scores[c, m], c, m) for c in range(len(centroids)) for m in range(len(names))
                   if scores[c, m] >= cast.threshold)
    for _, cluster, member in pairs:
        if cluster in chosen:
            continue
        if member not in first_of:
            first_of[member], chosen[cluster] = cluster, member
        elif alike[cluster, first_of[member]] >= cast.threshold:
            chosen[cluster] = member
    matches = []
    for cluster, row in enumerate(scores):
        nearest = int(np.argmax(row))
        member = chosen.get(cluster)
        matches.append(ClusterMatch(UNKNOWN, float(row[nearest]), names[nearest]) if member is None
                       else ClusterMatch(names[member], float(row[member]), names[nearest]))
    return tuple(matches)


def assign_speakers(embeddings: Sequence[np.ndarray | None], clusters: Sequence[int | None],
                    cast: Cast) -> SpeakerAssignment:
    """The speaker of every cue from its embedding (None: too short) and its cluster (``cluster_cues``): the
    cluster's match, flagged where the cue's own voice disagrees with it."""
    if [e is None for e in embeddings] != [c is None for c in clusters]:
        raise ValueError("every cue with an embedding needs a cluster, and only those")
    labels = sorted({c for c in clusters if c is not None})
    if labels != list(range(len(labels))):
        raise ValueError(f"cluster ids must be 0..n-1, got {labels}")
    present = [i for i, e in enumerate(embeddings) if e is not None]
    if not present:
        return SpeakerAssignment(tuple(CueSpeaker(UNKNOWN, None, None, (TOO_SHORT,)) for _ in embeddings), ())
    vectors = np.array([embeddings[i] for i in present])
    grouped = np.array([clusters[i] for i in present])
    matches = match_clusters(np.array([centroid(vectors[grouped == c]) for c in labels]), cast)
    names, scores = voice_scores(vectors, cast)
    cues = [CueSpeaker(UNKNOWN, None, None, (TOO_SHORT,))] * len(embeddings)
    for row, (index, cluster) in enumerate(zip(present, grouped, strict=True)):
        match = matches[cluster]
        cues[index] = _cue_speaker(int(cluster), match, names, scores[row], cast.threshold)
    return SpeakerAssignment(tuple(cues), matches)


def _cue_speaker(cluster: int, match: ClusterMatch, names: tuple[str, ...], scores: np.ndarray,
                 threshold: float) -> CueSpeaker:
    """The cluster's verdict for one cue, with the cue's own score and DISAGREES where the cue alone would fall on
    the other side of the threshold (under it for the cluster's character, over it for some character when
    the cluster is UNKNOWN)."""
    if not names:
        return CueSpeaker(UNKNOWN, None, cluster)
    if match.speaker == UNKNOWN:
        score = float(scores.max())
        return CueSpeaker(UNKNOWN, score, cluster, (DISAGREES,) if score >= threshold else ())
    score = float(scores[names.index(match.speaker)])
    return CueSpeaker(match.speaker, score, cluster, (DISAGREES,) if score < threshold else ())
