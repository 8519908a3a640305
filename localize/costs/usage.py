"""What one run of a stage consumed: the record a stage returns and the runner prices into the ledger."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Usage:
    """Quantities beside the compute seconds, which the runner measures itself."""

    on_gpu: bool = False  # compute priced at the rate card's gpu_second
    mt_engine: str = ""  # the machine engine's identity, when it translated anything
    mt_units: int = 0  # source units (characters for Chinese, words otherwise) sent to it
    llm_tokens: int = 0
    tm_bands: dict[str, dict[str, int]] = field(default_factory=dict)  # human translation work per TM match band
    # post-editing per reviewer import: {import id: {"file", "bands": {band: {"segments", "units"}}, "edited",
    # "tokens"}} (edited of tokens: target words, or characters for CJK)
    post_edit: dict[str, dict[str, Any]] = field(default_factory=dict)
    tts_seconds: float = 0.0  # seconds of dub speech synthesized (cached lines cost nothing)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Usage:
        return cls(**data)
