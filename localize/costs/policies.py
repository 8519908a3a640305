"""Subsidy policies as data (``localize/data/subsidy_policies.yaml`` plus user files) and the claim a job
can make under one: eligible 译制 cost, subsidy before and after caps, and every unmet condition."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from localize.costs import launches as launch_records
from localize.costs import ledger
from localize.costs.money import GRANT, SHARE, cents, decimal_in, parse_amount
from localize.errors import BadInput
from localize.schema import Section, as_list, choice, load_yaml, text
from localize.store import WorkStore

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "subsidy_policies.yaml"
CONDITIONS = ("licence", "foreign_language", "overseas_launch", "producer_local")
KEYS = ("title", "title_zh", "source", "rate", "cap_per_work", "cap_per_company_year", "region", "platforms",
        "counts_as_translation", "conditions")


@dataclass(frozen=True)
class Policy:
    name: str
    title: str
    title_zh: str
    source: str
    rate: Decimal
    cap_per_work: Decimal | None
    cap_per_company_year: Decimal | None
    region: str
    platforms: tuple[str, ...]
    counts_as_translation: tuple[str, ...]
    conditions: tuple[str, ...]

    def counts(self, entry: dict) -> bool:
        """An entry is 译制 cost when its item or stage contains one of the policy's words."""
        where = f"{entry.get('item') or ''} {entry.get('stage') or ''}".casefold()
        return any(word.casefold() in where for word in self.counts_as_translation)


@dataclass(frozen=True)
class Work:
    """What a policy's conditions ask about the work itself, taken from the job's series and languages."""

    source_language: str
    targets: tuple[str, ...]
    licence: str = ""
    first_producer: str = ""
    first_producer_region: str = ""


def _read(file: Path, name: str, raw: Any) -> Policy:
    section = Section(file, f"policies.{name}", raw, KEYS)
    grant = decimal_in(GRANT)
    return Policy(
        name=name, title=section.get("title", text), title_zh=section.get("title_zh", text, ""),
        source=section.get("source", text, ""), rate=section.get("rate", decimal_in(SHARE)),
        cap_per_work=section.get("cap_per_work", grant, None),
        cap_per_company_year=section.get("cap_per_company_year", grant, None),
        region=section.get("region", text, ""),
        platforms=tuple(text(p) for p in as_list(section.get("platforms", lambda v: v, []))),
        counts_as_translation=tuple(text(w) for w in as_list(section.get("counts_as_translation", lambda v: v))),
        conditions=tuple(section.get("conditions", lambda v: [choice(CONDITIONS)(c) for c in as_list(v)],
                                     list(CONDITIONS))),
    )


def _read_file(file: Path) -> dict[str, Policy]:
    top = Section(file, "", load_yaml(file, "policy file"), ("policies",))
    raw = top.get("policies", lambda v: v)
    if not isinstance(raw, dict) or not raw:
        raise top.error("must map policy names to policies", "policies")
    return {str(name): _read(file, str(name), value) for name, value in raw.items()}


def load_policy(spec: str) -> Policy:
    """A shipped policy by name, or a user's: ``FILE.yaml`` (holding one policy) or ``FILE.yaml#NAME``."""
    path_part, _, name = spec.partition("#")
    if path_part.endswith((".yaml", ".yml")) or Path(path_part).is_file():
        found = _read_file(Path(path_part))
        if not name and len(found) == 1:
            return next(iter(found.values()))
        if not name:
            raise BadInput(f"--policy: {path_part} holds {len(found)} policies; pick one: "
                           + ", ".join(f"{path_part}#{n}" for n in found))
    else:
        found, name = _read_file(SHIPPED), spec
    if name not in found:
        raise BadInput(f"--policy: no policy '{name}'; known: {', '.join(found)}")
    return found[name]


def _primary(tag: str) -> str:
    return tag.split("-")[0].lower()


def unmet_conditions(policy: Policy, work: Work, launches: list[dict]) -> list[dict[str, str]]:
    """Every condition of the policy the work does not meet, each with what to do about it."""
    unmet = []
    source = _primary(work.source_language)
    foreign = [t for t in work.targets if _primary(t) != source]
    if "licence" in policy.conditions and not work.licence:
        unmet.append({"condition": "licence", "detail": "series.licence is empty; add the 发行许可证 or filing number"})
    if "foreign_language" in policy.conditions and not foreign:
        unmet.append({"condition": "foreign_language",
                      "detail": f"the job has no target language other than {work.source_language}"})
    if "overseas_launch" in policy.conditions:
        mainstream = {p.casefold() for p in policy.platforms}
        proof = [r for r in launches if _primary(r["language"]) != source
                 and (not mainstream or r["platform"].casefold() in mainstream)]
        if not proof:
            unmet.append({"condition": "overseas_launch",
                          "detail": "no launch record in a foreign language on a mainstream platform; add one with "
                                    "localize release record"})
    if "producer_local" in policy.conditions:
        region = work.first_producer_region
        missing = [f"series.{key} ({what})" for key, value, what in (
            ("first_producer", work.first_producer, "the 出品方, as registered"),
            ("first_producer_region", region, f"where it is registered, e.g. {policy.region or '杭州'}"))
            if not value]
        if missing:
            unmet.append({"condition": "producer_local", "detail": f"add {' and '.join(missing)} to the job"})
        elif policy.region and region.casefold() != policy.region.casefold():
            unmet.append({"condition": "producer_local",
                          "detail": f"series.first_producer_region is {region}; the policy requires {policy.region}"})
    return unmet


def claimed_amount(value: str) -> Decimal:
    """``--claimed-this-year``: CNY already granted under the policy this year, to the fen and never negative."""
    return parse_amount(value, "--claimed-this-year", GRANT)


def apply_caps(before: Decimal, policy: Policy, claimed_this_year: Decimal) -> dict[str, Any]:
    """The subsidy after caps: min(before, cap per work, what the yearly cap leaves), and which caps bound."""
    remaining = (None if policy.cap_per_company_year is None
                 else max(Decimal(0), policy.cap_per_company_year - claimed_this_year))
    caps = {"cap_per_work": policy.cap_per_work, "cap_per_company_year": remaining}
    after = min([before, *(cap for cap in caps.values() if cap is not None)])
    return {
        "cap_per_work": None if policy.cap_per_work is None else str(cents(policy.cap_per_work)),
        "cap_per_company_year": (None if policy.cap_per_company_year is None
                                 else str(cents(policy.cap_per_company_year))),
        "claimed_this_year": str(cents(claimed_this_year)),
        "company_year_remaining": None if remaining is None else str(cents(remaining)),
        "subsidy_after_caps": str(cents(after)), "capped": after < before,
        "capped_by": [name for name, cap in caps.items() if after < before and cap == after],
    }


def claim(store: WorkStore, work: Work, policy: Policy, claimed_this_year: Decimal = Decimal(0)) -> dict[str, Any]:
    """What the work can claim under ``policy``: all money as text with 2 decimals, in CNY.
    ``claimed_this_year`` is what the company was already granted under the policy this year (other works)."""
    entries = ledger.entries(store.db)
    launches = launch_records.launches(store.db)
    counted = [e for e in entries if policy.counts(e)]
    eligible = sum((Decimal(e["amount_cny"]) for e in counted), Decimal(0))
    before = cents(eligible * policy.rate)
    unmet = unmet_conditions(policy, work, launches)
    broken = ledger.verify(store.db) or launch_records.verify(store.db)
    if broken:
        unmet.insert(0, {"condition": "ledger_intact", "detail": str(broken)})
    return {
        "policy": policy.name, "title": policy.title, "title_zh": policy.title_zh, "currency": "CNY",
        "rate": str(policy.rate),
        "total_cost": str(cents(sum((Decimal(e["amount_cny"]) for e in entries), Decimal(0)))),
        "eligible_cost": str(cents(eligible)), "subsidy_before_caps": str(before),
        **apply_caps(before, policy, claimed_this_year),
        "entries_counted": [e["id"] for e in counted],
        "entries_excluded": [e["id"] for e in entries if not policy.counts(e)],
        "launches": len(launches), "unmet_conditions": unmet, "claimable": not unmet,
        "ledger_head": ledger.head_summary(store.db), "launches_head": launch_records.head_summary(store.db),
    }
