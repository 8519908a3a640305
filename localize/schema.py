"""Reading user YAML strictly: each mapping knows its place in the file, rejects unknown keys with a
"did you mean", and turns parse problems into errors naming the file, the key and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml

from localize.errors import BadInput
from localize.languages import normalize_tag

MISSING = object()
# libyaml's safe loader when PyYAML was built with it (the wheels are): a 3,000-line glossary loads in a tenth of
# the time, which matters when every review file and draft reads it.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(file: Path, what: str) -> Any:
    """Parse a user's YAML file; a syntax error names the line and column."""
    if not file.is_file():
        raise BadInput(f"{what} not found: {file}")
    try:
        return yaml.load(file.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except UnicodeDecodeError:
        raise BadInput(f"{file}: is not UTF-8 text; save the {what} as UTF-8") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise BadInput(f"{file}:{where}: malformed YAML ({problem}); check indentation and quoting there") from None


class Section:
    """One YAML mapping being read: knows its place in the file so errors can point at it."""

    def __init__(self, file: Path, where: str, data: Any, allowed: tuple[str, ...]):
        self.file, self.where, self.allowed = file, where, allowed
        if not isinstance(data, dict):
            raise self.error(f"must be a mapping of keys ({', '.join(allowed)}), got {kind_of(data)}")
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

    def get(self, key: str, parse: Callable[[Any], Any], default: Any = MISSING) -> Any:
        if key not in self.data or self.data[key] is None:
            if default is MISSING:
                raise self.error("is required", key)
            return default
        try:
            return parse(self.data[key])
        except BadInput as exc:  # re-raise with the file and key in front, unless a nested section put them there
            if str(exc).startswith(f"{self.file}: "):
                raise
            raise self.error(str(exc), key) from None
        except (TypeError, ValueError) as exc:
            raise self.error(str(exc), key) from None


def kind_of(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "text", type(None): "nothing"}
    return names.get(type(value), type(value).__name__)


def text(value: Any) -> str:
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ValueError(f"must be text, got {kind_of(value)}")
    return str(value).strip()


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got '{value}'")
    return value


def int_between(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}, got '{value}'")
        return value
    return parse


def share(value: Any) -> float:
    """A proportion from 0 to 1 (0.1 is 10 %)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"must be a share from 0 to 1 (0.1 is 10 %), got '{value}'")
    return float(value)


def choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in options:
            close = difflib.get_close_matches(str(value), options, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            raise ValueError(f"'{value}' is not one of {', '.join(options)}; {hint}".rstrip("; "))
        return value
    return parse


def existing_file(base: Path) -> Callable[[Any], Path]:
    def parse(value: Any) -> Path:
        path = (base / text(value)).resolve()
        if not path.is_file():
            raise ValueError(f"file not found: {value} (looked at {path}); fix the path, relative to the job file")
        return path
    return parse


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def tagged_items(file: Path, where: str, mapping: dict[Any, Any]) -> Iterator[tuple[str, str, Any]]:
    """(canonical language tag, key path, value) for a mapping keyed by language tags; a bad tag names its key."""
    for key, value in mapping.items():
        place = f"{where}.{key}"
        try:
            yield normalize_tag(str(key)), place, value
        except BadInput as exc:
            raise BadInput(f"{file}: {place}: {exc}") from None
