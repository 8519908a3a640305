"""What a stage is: data the runner reads (name, version, needs, makes, the job slice, preflight, force group,
how its usage is priced) plus one action that does the work.

The action is a function of its inputs: it reads the files it declared in ``needs``, writes the files it
declared in ``makes`` into a private folder, and returns a ``Usage`` (or None: compute seconds only). It never
opens ``state.sqlite``, never prices anything and never prints; the runner owns all of that, so any executor can
run it. Adding a stage: write it in its step's module under ``localize/stages/`` and list it in ``graph.py``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from localize.costs.usage import Usage

if TYPE_CHECKING:
    from localize.engines import Engines  # built by workers; the graph (and `localize status`) need not load it
from localize.job import Episode, Job


@dataclass(frozen=True)
class StageCall:
    """Everything one run of a stage gets: its input files, its slice of the job, the engines it declared."""

    episode: Episode
    inputs: dict[str, Path]
    out: Path  # a private staging folder; what is written here is published atomically afterwards
    settings: Any  # what ``Stage.reads`` returned
    files: dict[str, str]  # artifact name -> file name inside ``out``
    progress: Callable[[float], None]
    engines: Engines
    allowed: tuple[str, ...]  # the engines the stage declared

    def output(self, artifact: str) -> Path:
        return self.out / self.files[artifact]

    def engine(self, name: str) -> Any:
        if name not in self.allowed:
            raise RuntimeError(f"the stage uses engine {name!r} without declaring it in Stage.engines")
        return self.engines.get(name)

    @property
    def ffmpeg(self) -> str:
        return self.engines.ffmpeg


def _nothing(job: Job) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Stage:
    """One step of an episode's graph.

    ``needs`` names artifacts of earlier stages or source files of the episode and job; ``makes`` maps each
    artifact the stage writes to its file name inside the stage folder (a stage's QC report is the artifact
    ``qc_artifact(name)``). ``reads`` returns the slice of the job the action depends on: it goes into the cache
    key, so changing it re-runs the stage and what follows. ``preflight`` checks, before anything runs, what
    must hold for this job (models, engines, fonts); ``check_episode`` what must hold for each episode's own
    files. ``force_group`` is a name ``--force`` accepts for all stages of a kind (``translate``: every draft).
    ``priced``: the usage the ledger records: ``compute`` always, ``translation`` adds machine units, LLM tokens
    and TM-weighted human work, ``post_edit`` each reviewer import's post-editing. ``delivers``: the stage hands
    its inputs to viewers, so it does not run on an input whose QC failed (unless the job's ``qc.deliver_flagged``).
    """

    name: str
    version: int  # bump when the output for the same inputs changes
    needs: tuple[str, ...]
    makes: dict[str, str]
    action: Callable[[StageCall], Usage | None]
    reads: Callable[[Job], Any] = _nothing
    engines: tuple[str, ...] = ()
    preflight: Callable[[Job], None] | None = None
    check_episode: Callable[[Job, Episode], None] | None = None
    force_group: str = ""
    priced: tuple[str, ...] = ("compute",)
    language: str = ""  # the target language of a per-language stage: it labels the ledger entries
    delivers: bool = False

    def settings_key(self, job: Job) -> Any:
        """The job slice as plain JSON, for the cache key."""
        return json.loads(json.dumps(self.reads(job), default=_plain, sort_keys=True, ensure_ascii=False))


def qc_artifact(stage_name: str) -> str:
    """The artifact name of a stage's QC report: unique in the episode, recognised by the runner."""
    return f"qc.{stage_name}"


def qc_findings(qc: dict[str, Any]) -> list[dict[str, Any]]:
    """What a QC report found: subtitle QC lists ``violations``, package QC ``failures``."""
    return qc.get("violations", qc.get("failures")) or []


def qc_rule(finding: dict[str, Any]) -> str:
    """The rule a finding broke: subtitle QC names it ``rule``, package QC ``check``."""
    return str(finding.get("rule") or finding.get("check") or "")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (Path, Decimal)):
        return str(value)
    raise TypeError(f"cannot put {type(value).__name__} into a cache key")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
