"""Job YAML → validated, frozen dataclasses.

Every error names the file, the key and the fix, because the people who write jobs are distributors,
not programmers. Unknown keys are rejected with a "did you mean" so a typo never silently falls back
to a default.
"""

from __future__ import annotations

import difflib
import glob as globlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from localize.errors import BadInput
from localize.languages import normalize_tag

DELIVERY_PROFILES = ("youtube-shorts", "tiktok", "reels", "vertical-app", "streaming")
COMPUTE_TYPES = ("int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16", "float16", "bfloat16",
                 "float32", "auto", "default")
DEVICES = ("cpu", "cuda", "auto")
_EPISODE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_MISSING = object()


@dataclass(frozen=True)
class Series:
    title: str
    original_title: str = ""
    first_producer: str = ""  # 出品方: subsidy measures require it to be local
    licence: str = ""  # NRTA 发行许可证 or filing number; must appear in every package's metadata


@dataclass(frozen=True)
class AsrSettings:
    model: str = "base"
    compute_type: str = "int8"
    device: str = "cpu"
    beam_size: int = 5
    vad: bool = True


@dataclass(frozen=True)
class Episode:
    id: str
    video: Path
    subtitles: Path | None = None  # existing source subtitles: imported instead of running ASR

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
    characters: Path | None
    glossaries: tuple[Path, ...]
    delivery: tuple[str, ...]

    @property
    def default_work_dir(self) -> Path:
        return self.path.parent / "work" / self.name


class _Section:
    """One YAML mapping being read: knows its place in the file so errors can point at it."""

    def __init__(self, file: Path, where: str, data: Any, allowed: tuple[str, ...]):
        self.file, self.where, self.allowed = file, where, allowed
        if not isinstance(data, dict):
            raise self.error(f"must be a mapping of keys ({', '.join(allowed)}), got {_kind(data)}")
        self.data = data
        for key in data:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else f"allowed keys: {', '.join(allowed)}"
                raise BadInput(f"{file}: {self._key(key)}: unknown key; {hint}")

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else str(key)

    def error(self, message: str, key: str | None = None) -> BadInput:
        place = self._key(key) if key else (self.where or "top level")
        return BadInput(f"{self.file}: {place}: {message}")

    def get(self, key: str, parse: Callable[[Any], Any], default: Any = _MISSING) -> Any:
        if key not in self.data or self.data[key] is None:
            if default is _MISSING:
                raise self.error("is required", key)
            return default
        try:
            return parse(self.data[key])
        except BadInput as exc:  # re-raise with the file and key in front
            raise self.error(str(exc), key) from None
        except (TypeError, ValueError) as exc:
            raise self.error(str(exc), key) from None


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}
    return names.get(type(value), type(value).__name__)


def _text(value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"must be text, got {_kind(value)}")
    return str(value).strip()


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got '{value}'")
    return value


def _int_between(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}, got '{value}'")
        return value
    return parse


def _choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in options:
            close = difflib.get_close_matches(str(value), options, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValueError(f"'{value}' is not one of {', '.join(options)}; {hint}".rstrip("; "))
        return value
    return parse


def _language_list(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        raise ValueError("must be a list of BCP-47 tags, e.g. [en, es-419, pt-BR]")
    return tuple(dict.fromkeys(normalize_tag(_text(v)) for v in items))


def _existing_file(base: Path) -> Callable[[Any], Path]:
    def parse(value: Any) -> Path:
        path = (base / _text(value)).resolve()
        if not path.is_file():
            raise ValueError(f"file not found: {value} (looked at {path}); fix the path, relative to the job file")
        return path
    return parse


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
        section = _Section(file, "episodes", raw, ("glob", "subtitles"))
        pattern = section.get("glob", _text)
        matches = sorted((Path(p) for p in globlib.glob(str(base / pattern))), key=_natural_key)
        videos = [p.resolve() for p in matches if p.is_file()]
        if not videos:
            raise section.error(f"the pattern '{pattern}' matches no file (looked in {base}); fix the pattern", "glob")
        subtitle_pattern = section.get("subtitles", _text, None)
        episodes = []
        for video in videos:
            subtitles = None
            if subtitle_pattern:
                subtitles = video.parent / subtitle_pattern.format(stem=video.stem)
                if not subtitles.is_file():
                    raise section.error(f"no subtitles for {video.name}: {subtitles} does not exist", "subtitles")
            episodes.append(Episode(id=_episode_id(_safe_stem(video)), video=video, subtitles=subtitles))
        return tuple(episodes)
    if not isinstance(raw, list) or not raw:
        raise BadInput(f"{file}: episodes: must be a list of videos or {{glob: PATTERN}}; got {_kind(raw)}")
    episodes = []
    for index, item in enumerate(raw):
        where = f"episodes[{index}]"
        if isinstance(item, str):
            item = {"video": item}
        section = _Section(file, where, item, ("id", "video", "subtitles"))
        video = section.get("video", _existing_file(base))
        episode_id = section.get("id", lambda v: _episode_id(_text(v)), None) or _episode_id(_safe_stem(video))
        subtitles = section.get("subtitles", _existing_file(base), None)
        episodes.append(Episode(id=episode_id, video=video, subtitles=subtitles))
    ids = [e.id for e in episodes]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise BadInput(f"{file}: episodes: the id '{duplicates[0]}' is used twice; give each episode its own id")
    return tuple(episodes)


def _safe_stem(path: Path) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", path.stem).strip("_.") or "episode"


TOP_KEYS = ("name", "series", "source_language", "targets", "episodes", "asr", "characters", "glossaries", "delivery")


def load_job(path: str | Path) -> Job:
    """Read and validate a job file; raise BadInput naming file, key and fix on any problem."""
    file = Path(path)
    if not file.is_file():
        raise BadInput(f"job file not found: {file}")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise BadInput(f"{file}: is not UTF-8 text; save the job file as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise BadInput(f"{file}:{where}: malformed YAML ({problem}); check indentation and quoting there") from None
    top = _Section(file, "", data, TOP_KEYS)
    series = _Section(file, "series", top.get("series", lambda v: v), ("title", "original_title", "first_producer",
                                                                       "licence"))
    asr = _Section(file, "asr", top.get("asr", lambda v: v, {}), ("model", "compute_type", "device", "beam_size",
                                                                   "vad"))
    base = file.parent
    return Job(
        name=top.get("name", lambda v: _episode_id(_text(v)), None) or _safe_stem(file),
        path=file.resolve(),
        series=Series(
            title=series.get("title", _text),
            original_title=series.get("original_title", _text, ""),
            first_producer=series.get("first_producer", _text, ""),
            licence=series.get("licence", _text, ""),
        ),
        source_language=top.get("source_language", lambda v: normalize_tag(_text(v))),
        targets=top.get("targets", _language_list, ()),
        episodes=top.get("episodes", lambda v: _read_episodes(file, v)),
        asr=AsrSettings(
            model=asr.get("model", _text, AsrSettings.model),
            compute_type=asr.get("compute_type", _choice(COMPUTE_TYPES), AsrSettings.compute_type),
            device=asr.get("device", _choice(DEVICES), AsrSettings.device),
            beam_size=asr.get("beam_size", _int_between(1, 20), AsrSettings.beam_size),
            vad=asr.get("vad", _bool, AsrSettings.vad),
        ),
        characters=top.get("characters", _existing_file(base), None),
        glossaries=tuple(top.get("glossaries", lambda v: [_existing_file(base)(p) for p in _as_list(v)], [])),
        delivery=tuple(top.get("delivery", lambda v: [_choice(DELIVERY_PROFILES)(p) for p in _as_list(v)], [])),
    )


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def select_episodes(job: Job, spec: str | None) -> tuple[Episode, ...]:
    """Pick episodes by 1-based position ("1-3,7") or by id ("ep01,ep03"); None means all."""
    if not spec:
        return job.episodes
    chosen: list[Episode] = []
    by_id = {e.id: e for e in job.episodes}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
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
