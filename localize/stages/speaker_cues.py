"""What the rest of the graph knows of the speaker step (``stages.speakers``) without loading it and its numpy
models: which source cues the later stages read, and the cast file it adds as a source."""

from __future__ import annotations

from pathlib import Path

from localize.job import Job


def speaker_sources(job: Job) -> dict[str, Path]:
    """The cast file, once it exists (before enrolment every voice is unknown)."""
    return {"cast": job.speakers.cast} if job.speakers and job.speakers.cast.is_file() else {}


def cues_artifact(job: Job) -> str:
    """The source cues later stages read: with their speakers when the job recognises them."""
    return "speaker_cues" if job.speakers else "cues"
