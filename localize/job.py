"""Job YAML → validated, frozen dataclasses.

Every error names the file, the key and the fix, because the people who write jobs are distributors,
not programmers. Unknown keys are rejected with a "did you mean" so a typo never silently falls back
to a default.
"""

from __future__ import annotations

import datetime as dt
import glob as globlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from localize.costs.money import EXCHANGE_RATE, PRICE, SHARE, decimal_in
from localize.costs.settings import CostSettings, ExchangeRate
from localize.errors import BadInput
from localize.glossary.characters import Character, load_characters
from localize.languages import normalize_tag
from localize.numbers import CURRENCY_POLICIES
from localize.package.profiles import DeliveryProfile, load_delivery_profile
from localize.review.effort import DEFAULT_POST_EDIT_GRID
from localize.schema import (
    Section,
    as_list,
    boolean,
    choice,
    existing_file,
    int_between,
    kind_of,
    load_yaml,
    share,
    tagged_items,
    text,
)
from localize.subtitles.profiles import shipped_profiles, with_overrides
from localize.translate.leverage import DEFAULT_GRID
from localize.translate.llm import LlmOptions

COMPUTE_TYPES = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16",
                 "float32", "auto", "default")
DEVICES = ("cpu", "cuda", "auto")
_EPISODE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Series:
    title: str
    original_title: str = ""
    first_producer: str = ""  # 出品方: subsidy measures require it to be local
    first_producer_region: str = ""  # where the first producer is registered, compared with a policy's region
    licence: str = ""  # NRTA 发行许可证 or filing number; must appear in every package's metadata


@dataclass(frozen=True)
class AsrSettings:
    model: str = "base"
    compute_type: str = "int8"
    device: str = "cpu"
    beam_size: int = 5
    vad: bool = True
    # Offer character names to the recogniser. Off by default: measured on our four recordings, names the
    # dialogue doesn't say raised CER from 2.4 % to 4.5 % on average and were hallucinated into silences.
    hotwords: bool = False


@dataclass(frozen=True)
class SubtitleSettings:
    profile: str = "vertical"  # the screen subtitles are made for (localize/data/subtitle_profiles.yaml)
    burned_in_band_top: int | None = None  # y in px where the original burned-in subtitles begin, if any
    rules: dict[str, Any] = field(default_factory=shipped_profiles)  # the profile data with the job's overrides


ENGINES = ("tm", "argos", "llm")


@dataclass(frozen=True)
class TranslationSettings:
    engines: tuple[str, ...] = ("tm",)  # tried in order for each sentence: a good TM match wins, MT fills the rest
    tm: tuple[Path, ...] = ()  # TMX files: exactly what a draft's translation memory holds
    tm_threshold: int = 75  # the lowest TM score used as the translation itself
    synopsis: str = ""  # a few sentences about the series, sent to the llm engine
    llm: LlmOptions = LlmOptions()
    languages: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (target language, its own engine list)
    currency: str = "yuan"  # how amounts are said: yuan, dollars (relabelled, not converted) or plain
    currencies: tuple[tuple[str, str], ...] = ()  # (target language, its market's currency policy)
    condense: bool = False  # lines still over the reading speed after fit go to the llm engine for a shorter one

    def engines_for(self, language: str) -> tuple[str, ...]:
        return dict(self.languages).get(language, self.engines)

    def currency_for(self, language: str) -> str:
        return dict(self.currencies).get(language, self.currency)


@dataclass(frozen=True)
class SpeakerSettings:
    """``speakers:``: recognise who says each cue against the series cast (``localize[speakers]``)."""

    cast: Path  # the cast file; it may not exist yet: `localize cast enrol` and `cast name` make it
    max_voices: int = 6  # the most voices one episode is split into (the cast's size + 2 when that is more)

    @property
    def voice_map(self) -> Path:
        """Where `localize cast voices` keeps the dubbing voices: beside the cast, x.cast.yaml → x.voices.yaml."""
        return self.cast.with_name(f"{self.cast.name.removesuffix('.yaml').removesuffix('.cast')}.voices.yaml")


@dataclass(frozen=True)
class DubSettings:
    """``dub:``: the languages to dub, in the voices of the series' voice map (``localize cast voices``)."""

    targets: tuple[str, ...]
    voices: Path | None  # the voice map (`localize cast voices`), for the lines of known speakers
    voice: tuple[str, str] | None = None  # (engine, voice) for every other line; None: the language's first voice
    max_wer: float = 0.10  # listen.<lang>: the most of an episode's dubbed words Whisper may mishear
    max_line_wer: float = 0.5  # and of one line's
    # fit.dub.<lang>: a line too long at the tempo cap may leave its cue (start early, run on towards the next cue),
    # and the subtitles of every package that carries the dub follow it; else such a line is cut and flagged
    retime: bool = False


@dataclass(frozen=True)
class QcSettings:
    deliver_flagged: bool = False  # package a track that failed QC anyway (its manifest carries the flags)


@dataclass(frozen=True)
class Episode:
    id: str
    video: Path
    subtitles: Path | None = None  # existing source subtitles: imported instead of running ASR
    me: Path | None = None  # music and effects stem (no dialogue): the dub is laid over it instead of the ducked sound

    @property
    def source(self) -> str:
        return "subtitles" if self.subtitles else "asr"


@dataclass(frozen=True)
class Job:
    name: str
    path: Path
    series: Series
    source_language: str
    targets: tuple[str, ...]
    episodes: tuple[Episode, ...]
    asr: AsrSettings
    subtitles: SubtitleSettings
    translation: TranslationSettings
    characters_file: Path | None
    characters: tuple[Character, ...]
    glossaries: tuple[Path, ...]
    delivery: tuple[DeliveryProfile, ...]  # shipped profiles with the job's overrides merged in
    costs: CostSettings = CostSettings()
    qc: QcSettings = QcSettings()
    speakers: SpeakerSettings | None = None
    dub: DubSettings | None = None

    @property
    def default_work_dir(self) -> Path:
        return self.path.parent / "work" / self.name

    def approvals_file(self, episode: str, language: str) -> Path:
        """Where reviewers' imports of one episode and language are kept: beside the job, not in the work dir,
        which is a cache anyone may delete; approvals are human work, an input like a glossary."""
        return self.path.parent / "review" / self.name / f"{episode}.{language}.json"


def _language_list(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("must be a list of BCP-47 tags, e.g. [en, es-419, pt-BR]")
    tags = [normalize_tag(text(v)) for v in items]
    twice = next((tag for index, tag in enumerate(tags) if tag in tags[:index]), None)
    if twice:
        raise ValueError(f"'{twice}' is listed twice; list each language once")
    return tuple(tags)


def _natural_key(path: Path) -> list[Any]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def _episode_id(value: str) -> str:
    if not _EPISODE_ID.match(value):
        raise ValueError(f"episode id '{value}' may hold only letters, digits, '.', '_' and '-'")
    return value


def _read_episodes(file: Path, raw: Any) -> tuple[Episode, ...]:
    base = file.parent
    if isinstance(raw, str):
        raw = {"glob": raw}
    if isinstance(raw, dict):
        section = Section(file, "episodes", raw, ("glob", "subtitles", "me"))
        pattern = section.get("glob", text)
        matches = sorted((Path(p) for p in globlib.glob(str(base / pattern))), key=_natural_key)
        videos = [p.resolve() for p in matches if p.is_file()]
        if not videos:
            raise section.error(f"the pattern '{pattern}' matches no file (looked in {base}); fix the pattern", "glob")
        patterns = {key: section.get(key, text, None) for key in ("subtitles", "me")}
        episodes = []
        for video in videos:
            beside: dict[str, Path | None] = {}
            for key, pattern in patterns.items():
                beside[key] = video.parent / pattern.format(stem=video.stem) if pattern else None
                if beside[key] is not None and not beside[key].is_file():
                    raise section.error(f"no {key} file for {video.name}: {beside[key]} does not exist", key)
            episodes.append(Episode(id=_episode_id(_safe_stem(video)), video=video, **beside))
        return tuple(episodes)
    if raw == []:
        raise BadInput(f"{file}: episodes: the list is empty; list at least one video, or give {{glob: PATTERN}}")
    if not isinstance(raw, list):
        raise BadInput(f"{file}: episodes: must be a list of videos or {{glob: PATTERN}}, got {kind_of(raw)}")
    episodes = []
    for index, item in enumerate(raw):
        where = f"episodes[{index}]"
        if isinstance(item, str):
            item = {"video": item}
        section = Section(file, where, item, ("id", "video", "subtitles", "me"))
        video = section.get("video", existing_file(base))
        episode_id = section.get("id", lambda v: _episode_id(text(v)), None) or _episode_id(_safe_stem(video))
        subtitles = section.get("subtitles", existing_file(base), None)
        episodes.append(Episode(id=episode_id, video=video, subtitles=subtitles,
                                me=section.get("me", existing_file(base), None)))
    ids = [e.id for e in episodes]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise BadInput(f"{file}: episodes: the id '{duplicates[0]}' is used twice; give each episode its own id")
    return tuple(episodes)


def _safe_stem(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem).strip("_.") or "episode"


TOP_KEYS = ("name", "series", "source_language", "targets", "episodes", "asr", "subtitles", "translation",
            "characters", "glossaries", "delivery", "costs", "qc", "speakers", "dub")


def load_job(path: str | Path) -> Job:
    """Read and validate a job file; raise BadInput naming file, key and fix on any problem."""
    file = Path(path)
    data = load_yaml(file, "job file")
    top = Section(file, "", data, TOP_KEYS)
    series = Section(file, "series", top.get("series", lambda v: v), ("title", "original_title", "first_producer",
                                                                       "first_producer_region", "licence"))
    asr = Section(file, "asr", top.get("asr", lambda v: v, {}), ("model", "compute_type", "device", "beam_size",
                                                                   "vad", "hotwords"))
    subtitles = Section(file, "subtitles", top.get("subtitles", lambda v: v, {}),
                        ("profile", "burned_in_band_top", "timing", "languages", "screens", "burned_in_clearance_px"))
    rule_overrides = {k: v for k, v in subtitles.data.items() if k not in ("profile", "burned_in_band_top")}
    rules = with_overrides(rule_overrides, f"{file}: subtitles")
    base = file.parent
    translation = _read_translation(file, top.get("translation", lambda v: v, {}))
    characters_file = top.get("characters", existing_file(base), None)
    targets = top.get("targets", _language_list, ())
    speakers = _read_speakers(file, top.get("speakers", lambda v: v, None))
    return Job(
        name=top.get("name", lambda v: _episode_id(text(v)), None) or _safe_stem(file),
        path=file.resolve(),
        series=Series(
            title=series.get("title", text),
            original_title=series.get("original_title", text, ""),
            first_producer=series.get("first_producer", text, ""),
            first_producer_region=series.get("first_producer_region", text, ""),
            licence=series.get("licence", text, ""),
        ),
        source_language=top.get("source_language", lambda v: normalize_tag(text(v))),
        targets=targets,
        episodes=top.get("episodes", lambda v: _read_episodes(file, v)),
        asr=AsrSettings(
            model=asr.get("model", text, AsrSettings.model),
            compute_type=asr.get("compute_type", choice(COMPUTE_TYPES), AsrSettings.compute_type),
            device=asr.get("device", choice(DEVICES), AsrSettings.device),
            beam_size=asr.get("beam_size", int_between(1, 20), AsrSettings.beam_size),
            vad=asr.get("vad", boolean, AsrSettings.vad),
            hotwords=asr.get("hotwords", boolean, AsrSettings.hotwords),
        ),
        subtitles=SubtitleSettings(
            profile=subtitles.get("profile", choice(tuple(rules["screens"])), SubtitleSettings.profile),
            burned_in_band_top=subtitles.get("burned_in_band_top", int_between(1, 10_000), None),
            rules=rules,
        ),
        translation=translation,
        characters_file=characters_file,
        characters=load_characters(characters_file) if characters_file else (),
        glossaries=tuple(top.get("glossaries", lambda v: [existing_file(base)(p) for p in as_list(v)], [])),
        delivery=_read_delivery(file, top.get("delivery", as_list, [])),
        costs=_read_costs(file, top.get("costs", lambda v: v, {})),
        qc=_read_qc(file, top.get("qc", lambda v: v, {})),
        speakers=speakers,
        dub=_read_dub(file, top.get("dub", lambda v: v, None), targets, speakers),
    )


def _read_dub(file: Path, raw: Any, targets: tuple[str, ...], speakers: SpeakerSettings | None) -> DubSettings | None:
    """Dubbed languages must be subtitle targets too (the dub speaks the fitted lines); the voice map defaults to
    the one ``localize cast voices`` writes beside the cast."""
    if raw is None:
        return None
    section = Section(file, "dub", raw, ("targets", "voices", "voice", "max_wer", "max_line_wer", "retime"))
    languages = section.get("targets", _language_list)
    stray = [language for language in languages if language not in targets]
    if stray:
        raise section.error(f"{stray[0]} is not in targets ({', '.join(targets)}): the dub speaks the translated "
                            "lines, so translate into it too", "targets")
    voices = section.get("voices", lambda v: (file.parent / text(v)).resolve(), speakers and speakers.voice_map)
    voice = None
    if "voice" in section.data:
        chosen = Section(file, "dub.voice", section.data["voice"], ("engine", "voice"))
        voice = (chosen.get("engine", text), chosen.get("voice", text))
    return DubSettings(targets=languages, voices=voices, voice=voice,
                       max_wer=section.get("max_wer", share, DubSettings.max_wer),
                       max_line_wer=section.get("max_line_wer", share, DubSettings.max_line_wer),
                       retime=section.get("retime", boolean, DubSettings.retime))


def _read_speakers(file: Path, raw: Any) -> SpeakerSettings | None:
    """The cast path is relative to the job file; the file itself is read (and refused if broken) by the stage's
    preflight, since enrolment creates it."""
    if raw is None:
        return None
    section = Section(file, "speakers", raw, ("cast", "max_voices"))
    return SpeakerSettings(cast=(file.parent / section.get("cast", text)).resolve(),
                           max_voices=section.get("max_voices", int_between(2, 50), SpeakerSettings.max_voices))


def _read_qc(file: Path, raw: Any) -> QcSettings:
    section = Section(file, "qc", raw, ("deliver_flagged",))
    return QcSettings(deliver_flagged=section.get("deliver_flagged", boolean, QcSettings.deliver_flagged))


def _read_delivery(file: Path, items: list[Any]) -> tuple[DeliveryProfile, ...]:
    """``delivery:`` lists shipped profile names, each either bare or as ``{name: {overrides}}``."""
    chosen: list[DeliveryProfile] = []
    for index, item in enumerate(items):
        if isinstance(item, dict) and len(item) == 1:
            name, overrides = next(iter(item.items()))
        else:
            name, overrides = item, None
        if not isinstance(name, str) or not (overrides is None or isinstance(overrides, dict)):
            raise BadInput(f"{file}: delivery[{index}]: give a profile name, or name: {{key: override}}")
        try:
            profile = load_delivery_profile(name, overrides, file, "delivery")
        except BadInput as exc:
            message = str(exc)
            raise BadInput(message if message.startswith(str(file)) else f"{file}: delivery[{index}]: {message}") \
                from None
        if any(p.name == profile.name for p in chosen):
            raise BadInput(f"{file}: delivery: '{name}' is listed twice; list each profile once")
        chosen.append(profile)
    return tuple(chosen)


_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _currency(value: Any) -> str:
    code = text(value).upper()
    if not _CURRENCY.match(code):
        raise ValueError(f"'{value}' is not a three-letter ISO 4217 currency code such as USD or EUR")
    return code


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(text(value))
    except ValueError:
        raise ValueError(f"'{value}' is not a date; write YYYY-MM-DD") from None


def _read_costs(file: Path, raw: Any) -> CostSettings:
    section = Section(file, "costs", raw, ("rates", "rate_card", "policy"))
    raw_rates = section.get("rates", lambda v: v, [])
    if not isinstance(raw_rates, list):
        raise section.error("must be a list of {currency, date, cny}", "rates")
    rates = []
    for index, item in enumerate(raw_rates):
        entry = Section(file, f"costs.rates[{index}]", item, ("currency", "date", "cny"))
        rate = ExchangeRate(entry.get("currency", _currency), entry.get("date", _day),
                            entry.get("cny", decimal_in(EXCHANGE_RATE)))
        if rate.currency == "CNY":
            raise entry.error("CNY needs no rate; remove this entry", "currency")
        if any((r.currency, r.date) == (rate.currency, rate.date) for r in rates):
            raise entry.error(f"a second {rate.currency} rate for {rate.date}; keep one", "date")
        rates.append(rate)
    card = Section(file, "costs.rate_card", section.get("rate_card", lambda v: v, {}), RATE_CARD_KEYS)
    rate_card: dict[str, Any] = {"currency": card.get("currency", _currency, "CNY")}
    rate_card |= {key: card.get(key, decimal_in(PRICE), Decimal(0)) for key in RATE_CARD_PRICES}
    rate_card["leverage_grid"] = _read_grid(file, "leverage_grid", card.get("leverage_grid", lambda v: v, None),
                                            DEFAULT_GRID)
    rate_card["post_edit_grid"] = _read_grid(file, "post_edit_grid", card.get("post_edit_grid", lambda v: v, None),
                                             DEFAULT_POST_EDIT_GRID)
    return CostSettings(rates=tuple(rates), rate_card=rate_card, policy=section.get("policy", text, ""))


# Prices: compute per second (gpu_second for a stage that ran on a GPU: Whisper on cuda), machine translation
# per source unit, LLM per 1000 tokens, human translation per TM-weighted source unit (a character for
# Chinese), the weights coming from leverage_grid, and post-editing per source unit of the lines a reviewer
# imported, weighted by how much of each line was edited (post_edit_grid), and dub speech per second synthesized
# (tts_second). Each is bounded (money.PRICE: 0 to
# 1000000, 6 decimals), so no price can overflow the ledger's arithmetic once the run is under way.
RATE_CARD_PRICES = ("compute_second", "gpu_second", "mt_unit", "llm_1k_tokens", "translation_unit", "post_edit_unit",
                    "tts_second")
RATE_CARD_KEYS = ("currency", *RATE_CARD_PRICES, "leverage_grid", "post_edit_grid")


def _read_grid(file: Path, key: str, raw: Any, default: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """Weight per band (a share of a unit price); every band must be priced, so a band left out is an error
    rather than silently free or full price. Band keys may be YAML numbers (100: "0.30")."""
    if raw is None:
        return dict(default)
    bands = tuple(default)
    where = f"costs.rate_card.{key}"
    named = {str(key).strip(): value for key, value in raw.items()} if isinstance(raw, dict) else raw
    if isinstance(raw, dict) and len(named) != len(raw):
        raise BadInput(f"{file}: {where}: a band is given twice (e.g. 100 and \"100\"); keep one")
    grid = Section(file, where, named, bands)
    missing = [band for band in bands if band not in grid.data]
    if missing:
        raise grid.error(f"has no weight for {', '.join(repr(b) for b in missing)}; give one for every band "
                         f"({', '.join(bands)}), e.g. \"1.00\" for no discount")
    return {band: grid.get(band, decimal_in(SHARE)) for band in bands}


def _engine_list(value: Any) -> tuple[str, ...]:
    engines = tuple(choice(ENGINES)(e) for e in as_list(value))
    if not engines:
        raise ValueError(f"name at least one engine: {', '.join(ENGINES)}")
    return engines


def _read_translation(file: Path, raw: Any) -> TranslationSettings:
    section = Section(file, "translation", raw,
                      ("engines", "tm", "tm_threshold", "synopsis", "llm", "languages", "currency", "condense"))
    llm = Section(file, "translation.llm", section.get("llm", lambda v: v, {}), ("base_url", "model", "max_batch"))
    languages = section.get("languages", lambda v: v, {})
    if not isinstance(languages, dict):
        raise section.error("must map target languages to {engines: [...]}", "languages")
    per_language, currencies = [], []
    for language, where, entry in tagged_items(file, "translation.languages", languages):
        entry_section = Section(file, where, entry, ("engines", "currency"))
        per_language.append((language, entry_section.get("engines", _engine_list, section.get("engines", _engine_list,
                                                                                                TranslationSettings.engines))))
        if "currency" in entry_section.data:
            currencies.append((language, entry_section.get("currency", choice(CURRENCY_POLICIES))))
    return TranslationSettings(
        engines=section.get("engines", _engine_list, TranslationSettings.engines),
        tm=tuple(section.get("tm", lambda v: [existing_file(file.parent)(p) for p in as_list(v)], [])),
        tm_threshold=section.get("tm_threshold", int_between(50, 101), TranslationSettings.tm_threshold),
        synopsis=section.get("synopsis", text, ""),
        llm=LlmOptions(base_url=llm.get("base_url", text, ""), model=llm.get("model", text, ""),
                       max_batch=llm.get("max_batch", int_between(1, 200), LlmOptions.max_batch)),
        languages=tuple(per_language),
        currency=section.get("currency", choice(CURRENCY_POLICIES), TranslationSettings.currency),
        currencies=tuple(currencies),
        condense=section.get("condense", boolean, TranslationSettings.condense),
    )


def select_episodes(job: Job, spec: str | None) -> tuple[Episode, ...]:
    """Pick episodes by 1-based position ("1-3,7") or by id ("ep01,ep03"); None means all. A spec naming
    nothing ("", ",") is a mistake, never "all" or "none"."""
    if spec is None:
        return job.episodes
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts:
        raise BadInput(f"--episodes: '{spec}' names no episode; give positions or ids, e.g. 1-3,7 or ep01,ep02")
    chosen: list[Episode] = []
    by_id = {e.id: e for e in job.episodes}
    for part in parts:
        if part in by_id:
            chosen.append(by_id[part])
            continue
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not match:
            raise BadInput(f"--episodes: '{part}' is neither an episode id nor a number or range like 1-3,7")
        first, last = int(match[1]), int(match[2] or match[1])
        if not 1 <= first <= last <= len(job.episodes):
            raise BadInput(f"--episodes: '{part}' is outside 1-{len(job.episodes)} (the job has "
                           f"{len(job.episodes)} episodes)")
        chosen.extend(job.episodes[first - 1:last])
    return tuple(dict.fromkeys(chosen))
