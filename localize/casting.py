"""Enrolling the series cast from an episode the run has embedded: propose its voices as clusters with sample
lines, then put a cluster's voice into the cast under a character's name, or enrol straight from a source
subtitle file that names its speakers (ASS ``Name``, WebVTT ``<v>``, or ``林凡：`` before the line).

The cast file is the job's ``speakers.cast``, and the voices the dub gives its characters are kept beside it
(``<name>.voices.yaml``, ``localize cast voices``); proposals are kept in the work dir
(``cast/<episode>.clusters.json``) between ``localize cast enrol`` and ``localize cast name``. The next
``localize run`` re-runs the speakers stage of every episode (cheap: the voices are kept) and what follows only
where an assignment changed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from localize.dub.catalogue import load_catalogue
from localize.dub.voices import VoiceMap, cast_voices, load_voice_map, save_voice_map
from localize.errors import BadInput
from localize.formats import read_track
from localize.job import Episode, Job
from localize.model import Cue, cues_from_json
from localize.pipeline import current_outputs
from localize.speakers.assign import UNKNOWN
from localize.speakers.audio import embed_cues, read_wav
from localize.speakers.cast import Cast, enrol, load_cast, save_cast
from localize.speakers.embedder import SpeakerEmbedder
from localize.stages.registry import read_json
from localize.stages.speakers import read_voices, recognise
from localize.store import atomic_write_json

SAMPLE_LINES = 3
_NAME_PREFIX = re.compile(r"^\s*([^\s：:，,。！？]{1,8})[：:]\s*(.+)$", re.S)  # 林凡：我回来了


@dataclass(frozen=True)
class Proposal:
    """One voice of an episode: its cues, what the cast makes of it now, and a few lines to recognise it by."""

    cluster: int
    cues: tuple[int, ...]  # positions (from 0) in the episode's source cues
    speaker: str  # the cast member it matches now, or unknown
    score: float | None
    lines: tuple[str, ...]


def _cast(job: Job) -> Cast:
    path = _cast_path(job)
    return load_cast(path) if path.is_file() else Cast(series=job.series.title)


def _cast_path(job: Job) -> Path:
    if job.speakers is None:
        raise BadInput(f"{job.path}: the job does not recognise speakers; add e.g. speakers: {{cast: "
                       f"../voices/{job.name}.cast.yaml}}")
    return job.speakers.cast


def _episode(job: Job, episode_id: str) -> Episode:
    found = next((e for e in job.episodes if e.id == episode_id), None)
    if found is None:
        raise BadInput(f"--episode {episode_id}: no such episode (the job has {', '.join(e.id for e in job.episodes)})")
    return found


def _outputs(job: Job, work_dir: Path, episode: Episode, *stages: str) -> list[dict[str, Path]]:
    """The artifacts of each of ``stages`` of the episode (one look at the work store for all of them);
    BadInput naming the first that is not done."""
    _cast_path(job)
    outputs = current_outputs(job, work_dir)
    found = []
    for stage in stages:
        state, paths = outputs[(episode.id, stage)]
        if not paths:
            raise BadInput(f"{episode.id}: its {stage} stage is {state}; run it first: localize run {job.path} "
                           f"--episodes {episode.id}")
        found.append(paths)
    return found


def _proposals_path(work_dir: Path, episode: Episode) -> Path:
    return work_dir / "cast" / f"{episode.id}.clusters.json"


def propose(job: Job, work_dir: Path, episode_id: str) -> list[Proposal]:
    """The episode's voices as clusters, each with the cast member it matches now and its longest lines."""
    episode = _episode(job, episode_id)
    source, voices = _outputs(job, work_dir, episode, "source_cues", "voices")
    cues: list[Cue] = cues_from_json(read_json(source["cues"]))
    vectors = read_voices(voices["voices"])
    clusters, assignment = recognise(vectors, _cast(job), job.speakers.max_voices)
    proposals = []
    for cluster, match in enumerate(assignment.clusters):
        members = tuple(i for i, c in enumerate(clusters) if c == cluster)
        longest = sorted(members, key=lambda i: (-len(cues[i].text), i))[:SAMPLE_LINES]
        proposals.append(Proposal(cluster, members, match.speaker, match.score,
                                  tuple(cues[i].text.replace("\n", "") for i in sorted(longest))))
    atomic_write_json(_proposals_path(work_dir, episode), {
        "episode": episode.id, "clusters": [{"cluster": p.cluster, "cues": list(p.cues)} for p in proposals]})
    return proposals


def name_cluster(job: Job, work_dir: Path, episode_id: str, cluster: int, character: str) -> Cast:
    """Enrol the voice of a proposed cluster as ``character`` in the cast file; the new cast."""
    episode = _episode(job, episode_id)
    path = _proposals_path(work_dir, episode)
    if not path.is_file():
        raise BadInput(f"{episode.id}: no proposals yet; run: localize cast enrol {job.path} --episode {episode.id}")
    clusters = {c["cluster"]: c["cues"] for c in json.loads(path.read_text(encoding="utf-8"))["clusters"]}
    if cluster not in clusters:
        raise BadInput(f"cluster {cluster}: {episode.id} has clusters {', '.join(map(str, sorted(clusters)))}")
    (voices,) = _outputs(job, work_dir, episode, "voices")
    vectors = read_voices(voices["voices"])
    chosen = [vectors[i] for i in clusters[cluster] if vectors[i] is not None]
    if not chosen:
        raise BadInput(f"cluster {cluster} of {episode.id} has no line long enough to take a voiceprint from")
    cast = _with_sheet(enrol(_cast(job), character, np.array(chosen)), job)
    save_cast(cast, _cast_path(job))
    return cast


def _with_sheet(cast: Cast, job: Job) -> Cast:
    """Gender and role from the character sheet for members enrolled without them (the voice casting reads them)."""
    sheet = {c.name: c for c in job.characters}
    members = tuple(replace(m, gender=sheet[m.name].gender, role=m.role or sheet[m.name].role)
                    if m.name in sheet and m.gender == "unknown" else m for m in cast.members)
    return replace(cast, members=members)


def named_lines(cues: list[Cue], characters: set[str]) -> list[tuple[str, Cue]]:
    """(speaker, cue) of every cue a subtitle file names the speaker of: its own speaker field, else a ``林凡：``
    prefix naming a character (any name when the job has no character sheet)."""
    named = []
    for cue in cues:
        if cue.speaker:
            named.append((cue.speaker, cue))
            continue
        prefix = _NAME_PREFIX.match(cue.text)
        if prefix and (not characters or prefix[1] in characters):
            named.append((prefix[1], cue))
    return named


def enrol_from_subtitles(job: Job, work_dir: Path, episode_id: str, embedder: SpeakerEmbedder) -> dict[str, int]:
    """Enrol every speaker the episode's source subtitle file names; lines enrolled per character."""
    episode = _episode(job, episode_id)
    if episode.subtitles is None:
        raise BadInput(f"{episode.id} has no source subtitle file to read speakers from (episodes[].subtitles)")
    characters = {c.name for c in job.characters} | {a for c in job.characters for a in c.aliases}
    named = named_lines(list(read_track(episode.subtitles, job.source_language).cues), characters)
    if not named:
        raise BadInput(f"{episode.subtitles}: no cue names its speaker (ASS Name, WebVTT <v>, or 林凡： before "
                       "the line)")
    (ingest,) = _outputs(job, work_dir, episode, "ingest")
    samples = read_wav(ingest["audio"])
    vectors = embed_cues(embedder, samples, [(cue.start_ms, cue.end_ms) for _, cue in named])
    cast, counts = _cast(job), {}
    for name in dict.fromkeys(name for name, _ in named):
        mine = [v for (speaker, _), v in zip(named, vectors, strict=True) if speaker == name and v is not None]
        if mine:
            cast = enrol(cast, name, np.array(mine))
            counts[name] = len(mine)
    save_cast(_with_sheet(cast, job), _cast_path(job))
    return counts


def unknown_lines(proposals: list[Proposal]) -> int:
    """How many of the episode's lines are by voices the cast does not know yet."""
    return sum(len(p.cues) for p in proposals if p.speaker == UNKNOWN)


def voice_map_file(job: Job) -> Path:
    """The job's ``dub.voices``, else the file beside the cast."""
    _cast_path(job)
    return job.dub.voices if job.dub is not None and job.dub.voices is not None else job.speakers.voice_map


def cast_voices_for(job: Job) -> VoiceMap:
    """A voice per cast member and target language: the saved choices kept, new members and languages given one
    (by gender, main characters first, no two main characters alike); saved for every later episode."""
    catalogue = load_catalogue()
    path = voice_map_file(job)
    existing = load_voice_map(path, catalogue) if path.is_file() else None
    cast = _cast(job)
    if not cast.members:
        raise BadInput(f"{_cast_path(job)}: the cast is empty; enrol it first: localize cast enrol {job.path} "
                       "--episode ID")
    voice_map = cast_voices(cast.members, job.targets, catalogue, existing, series=job.series.title)
    save_voice_map(voice_map, path)
    return voice_map
