"""Adapters that put the argos and llm engines behind the draft's one protocol (``MtEngine``)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from localize.translate.argos import ArgosEngine, installed_package, require_runtime
from localize.translate.draft import MtRequest, MtResult
from localize.translate.llm import LlmEngine, LlmItem, LlmOptions, LlmSettings


class ArgosMt:
    """Argos/CTranslate2 with the glossary guard: each term crosses the model as a placeholder."""

    def __init__(self, engine: ArgosEngine):
        self.engine = engine
        self.identity = f"argos:{engine.package.pair}:{engine.package.version}"

    @property
    def tokens(self) -> int:
        return 0  # a local model: nothing billed per token

    def translate(self, requests: Sequence[MtRequest]) -> list[MtResult]:
        protected = [[(term.source, term.approved[0]) for term in r.terms] for r in requests]
        results = self.engine.translate([r.text for r in requests], protected)
        return [MtResult(result.text, tuple(result.lost_placeholders)) for result in results]


class LlmMt:
    """An OpenAI-compatible model, given only the terms and characters present in each batch."""

    def __init__(self, engine: LlmEngine, source_language: str, language: str, synopsis: str):
        self.engine, self.source_language, self.language, self.synopsis = engine, source_language, language, synopsis
        digest = hashlib.sha256(synopsis.encode()).hexdigest()[:12]  # a new synopsis may change every answer
        self.identity = f"llm:{engine.settings.model}:{digest}"

    @property
    def tokens(self) -> int:
        """Prompt and completion tokens the endpoint billed so far (cached answers cost none)."""
        return self.engine.usage.prompt_tokens + self.engine.usage.completion_tokens

    def translate(self, requests: Sequence[MtRequest]) -> list[MtResult]:
        items = [LlmItem(str(i), r.text, tuple((t.source, t.approved[0], t.note) for t in r.terms), r.characters,
                         r.speaker, r.addressee)
                 for i, r in enumerate(requests)]
        context = {str(i): (r.before, r.after) for i, r in enumerate(requests)}
        answers = self.engine.translate(items, self.source_language, self.language, self.synopsis, context)
        return [MtResult(answers[str(i)]) for i in range(len(requests))]


def argos_code(language: str) -> str:
    """Argos packages name languages by ISO 639-1 code: zh-Hans → zh, pt-BR → pt, es-419 → es."""
    return language.split("-")[0]


def machine_engine_name(engines: Sequence[str]) -> str | None:
    """The machine engine that translates what the TM cannot: the first of argos/llm in the job's list."""
    return next((name for name in engines if name in ("argos", "llm")), None)


def check_engine(name: str, source_language: str, language: str, llm: LlmOptions) -> None:
    """Fail before anything runs (exit 3) when a job names an engine that cannot work here."""
    if name == "argos":
        require_runtime()
        installed_package(argos_code(source_language), argos_code(language))
    elif name == "llm":
        LlmSettings.from_env(llm.base_url, llm.model)
