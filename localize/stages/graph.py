"""The stages a job makes: for each episode, its source stages (and who speaks, with ``speakers:``), a draft and a
fit per target language (with a review between them once reviewers' approvals were imported), the speech of each
dubbed language, the band search when a profile needs it, and a package per delivery profile. Every need is
checked against the episode's source files and the outputs of earlier stages before anything runs.

Adding a stage: write it in its step's module and put it in ``episode_stages`` where its needs are made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from localize.errors import BadInput
from localize.job import Episode, Job
from localize.stages.delivery import BAND, package_stage
from localize.stages.registry import Stage
from localize.stages.review import approvals_source, review_stage, reviewed_sources
from localize.stages.source import IMPORT, INGEST, SHOTS, TRANSCRIBE, source_cues_stage
from localize.stages.speaker_cues import speaker_sources
from localize.stages.translation import draft_stage, fit_stage, job_files


class GraphError(BadInput):
    """A stage needs an artifact that neither a source file nor an earlier stage provides."""


def sources_of(episode: Episode, job: Job) -> dict[str, Path]:
    """The files the stages read that no stage made: the episode's own, the job's glossaries and TMX, and the
    reviewers' approvals of this episode and the ones before it."""
    sources = {"video": episode.video}
    if episode.subtitles:
        sources["subtitles"] = episode.subtitles
    if episode.me:
        sources["me"] = episode.me
    return sources | job_files(job) | speaker_sources(job) | reviewed_sources(job, episode)


def episode_stages(episode: Episode, job: Job) -> tuple[Stage, ...]:
    """The stages one episode goes through, in an order where every stage comes after those it needs."""
    source = (INGEST, SHOTS, IMPORT if episode.subtitles else TRANSCRIBE, source_cues_stage(job))
    speakers = _speaker_stages(job) if job.speakers else ()
    approvals = reviewed_sources(job, episode)
    reviewed = [language for language in job.targets if approvals_source(language) in approvals]
    drafts = tuple(draft_stage(language, job, tuple(name for name in approvals
                                                    if name.startswith(approvals_source(language) + ".")))
                   for language in job.targets)
    reviews = tuple(review_stage(language, job) for language in reviewed)
    fits = tuple(fit_stage(language, job, reviewed=language in reviewed) for language in job.targets)
    dubs = _dub_stages(job, episode) if job.dub and job.dub.targets else ()
    detection = (BAND,) if any(profile.detects_band for profile in job.delivery) else ()
    packages = tuple(package_stage(profile, job, episode) for profile in job.delivery)
    return source + speakers + drafts + reviews + fits + dubs + detection + packages


# The speaker and dubbing steps bring numpy and their models' code (0.15 s of every start): imported only for the
# jobs that have them.
def _speaker_stages(job: Job) -> tuple[Stage, ...]:
    from localize.stages.speakers import VOICES, speakers_stage

    return VOICES, speakers_stage(job)


def _dub_stages(job: Job, episode: Episode) -> tuple[Stage, ...]:
    from localize.stages.dub import fit_dub_stage, listen_stage, mix_stage, tts_stage

    return tuple(stage for language in job.dub.targets
                 for stage in (tts_stage(language, job), fit_dub_stage(language), mix_stage(language, episode),
                               listen_stage(language)))


@dataclass(frozen=True)
class EpisodeGraph:
    episode: Episode
    sources: dict[str, Path]
    stages: tuple[Stage, ...]

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


def build_graph(job: Job, episodes: tuple[Episode, ...]) -> list[EpisodeGraph]:
    """Every episode's stages, with each need checked against what is available before it."""
    if job.delivery and not job.targets:
        raise BadInput(f"{job.path}: delivery names {', '.join(p.name for p in job.delivery)} but targets is "
                       "empty: a package carries subtitles in the target languages; add e.g. targets: [en]")
    graphs = []
    for episode in episodes:
        sources = sources_of(episode, job)
        stages = episode_stages(episode, job)
        check_needs(stages, set(sources))
        graphs.append(EpisodeGraph(episode, sources, stages))
    return graphs


def check_needs(stages: tuple[Stage, ...], available: set[str]) -> None:
    """Raise GraphError naming the stage and the artifact when a need is made by no earlier stage, and when two
    stages make the same artifact."""
    made = set(available)
    for stage in stages:
        missing = [need for need in stage.needs if need not in made]
        if missing:
            raise GraphError(f"stage {stage.name} needs {', '.join(missing)}, which no earlier stage makes "
                             f"(available: {', '.join(sorted(made))})")
        twice = made & set(stage.makes)
        if twice:
            raise GraphError(f"stage {stage.name} makes {', '.join(sorted(twice))}, which an earlier stage or a "
                             "source already provides; give the artifact a name of its own")
        made |= set(stage.makes)
