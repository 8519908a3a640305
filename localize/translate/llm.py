"""The ``llm`` engine: any OpenAI-compatible chat endpoint (Ollama, vLLM, llama.cpp server, hosted APIs).

Peers' users hurt most when an LLM breaks the batch: invalid JSON, rows missing or merged, terms ignored
because the whole glossary was pasted in. So: each request carries only the glossary terms and characters
present in its lines, the neighbouring lines as context (not to translate) and a synopsis; the answer must
be JSON with exactly one translation per input id; a bad answer is retried once, then the batch is halved
until single lines; every good answer is cached by the hash of its request, so a re-run costs nothing.
The same endpoint shortens lines too long to read (``condense``): the same answer shape, each line with its
glossary terms, its speaker and the characters it may have.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from localize.errors import Unavailable

if TYPE_CHECKING:
    import urllib.error

SYSTEM_PROMPT = (
    "You translate subtitles of a Chinese vertical micro-drama (短剧) for an overseas audience. Write natural, "
    "idiomatic {target} that a viewer of such shows expects, not a literal rendering: localize forms of address, "
    "idioms and slang; keep the tone (melodrama, romance, revenge). Use every glossary rendering exactly as given "
    "and each character's name as given. An item's speaker and spoken_to name characters of the list: let their "
    "genders and how they address each other decide pronouns and forms of address. Lines are subtitles: keep "
    "them short. Translate only the items; the "
    "context lines are there to help you. Answer with JSON only: "
    '{{"translations": [{{"id": <id>, "text": <translation>}}, ...]}} with exactly one entry per item id.'
)
CONDENSE_PROMPT = (
    "You edit {target} subtitles of a Chinese vertical micro-drama (短剧). Each item is a subtitle line too long to "
    "read in the time it is on screen. Rewrite it in at most max_characters characters (spaces and punctuation "
    "count) so that it still says what it said, in the speaker's voice: drop filler, repetition and what the "
    "picture shows, say it more tightly, add nothing. Keep every glossary rendering exactly as given, every name and "
    "every number. The source is the original Chinese line, there for its meaning. Answer with JSON only: "
    '{{"translations": [{{"id": <id>, "text": <shorter line>}}, ...]}} with exactly one entry per item id.'
)
MAX_RATE_LIMITED = 5  # 429 answers in a row we wait out before calling the batch failed
CACHE_SCHEMA = """CREATE TABLE IF NOT EXISTS llm_cache (
    request_sha256 TEXT PRIMARY KEY, response TEXT NOT NULL, prompt_tokens INTEGER, completion_tokens INTEGER)"""


@dataclass(frozen=True)
class LlmOptions:
    base_url: str = ""  # empty: LOCALIZE_LLM_BASE_URL
    model: str = ""  # empty: LOCALIZE_LLM_MODEL
    max_batch: int = 20


@dataclass(frozen=True)
class LlmItem:
    id: str
    text: str
    terms: tuple[tuple[str, str, str], ...] = ()  # (source term, approved rendering, translator note) in this line
    characters: tuple[tuple[str, ...], ...] = ()  # (name, rendering, gender, how they address others) named here
    speaker: str = ""  # who says it, when known
    addressee: str = ""  # who it is said to, when known


@dataclass(frozen=True)
class CondenseItem:
    """A translated line too long to read, with what a shorter rendering must keep."""

    id: str
    text: str  # the translation as it stands
    source: str  # the source line, for its meaning
    max_chars: int  # the most characters the line can have and still be read in its time
    speaker: str = ""  # who says it ("Lin Fan, male"), so the voice stays theirs
    terms: tuple[tuple[str, str, str], ...] = ()  # (source term, approved rendering, translator note) in this line


Item = TypeVar("Item", LlmItem, CondenseItem)


@dataclass(frozen=True)
class LlmSettings:
    base_url: str
    model: str
    api_key: str = ""
    timeout_s: float = 120.0
    max_batch: int = 20
    retries: int = 1  # per batch size, before halving
    max_wait_s: float = 60.0  # the longest Retry-After we honour before treating a 429 as a failure

    @classmethod
    def from_env(cls, base_url: str | None = None, model: str | None = None) -> LlmSettings:
        base = base_url or os.environ.get("LOCALIZE_LLM_BASE_URL", "")
        name = model or os.environ.get("LOCALIZE_LLM_MODEL", "")
        if not base or not name:
            raise Unavailable("the llm engine needs an endpoint: set LOCALIZE_LLM_BASE_URL (e.g. "
                              "http://localhost:11434/v1 for Ollama) and LOCALIZE_LLM_MODEL, or the job's llm settings")
        key = os.environ.get("LOCALIZE_LLM_API_KEY") or os.environ.get("OPENAI_API_KEY", "")
        return cls(base_url=base.rstrip("/"), model=name, api_key=key)


@dataclass
class Usage:
    requests: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    failures: list[str] = field(default_factory=list)


class BadAnswer(Exception):
    """The endpoint answered, but not with one valid translation per id."""


class LlmEngine:
    def __init__(self, settings: LlmSettings, cache_path: Path | None = None):
        self.settings = settings
        self.usage = Usage()
        self._cache = sqlite3.connect(cache_path, timeout=30, isolation_level=None) if cache_path else None
        if self._cache is not None:
            self._cache.execute(CACHE_SCHEMA)

    def translate(self, items: list[LlmItem], source: str, target: str, synopsis: str = "",
                  context: dict[str, tuple[str, str]] | None = None) -> dict[str, str]:
        """Translations by item id. ``context`` maps an id to (line before, line after) for the prompt."""
        return self._in_batches(items, lambda batch: self._request(batch, source, target, synopsis, context or {}),
                                required=True)

    def condense(self, items: list[CondenseItem], target: str) -> dict[str, str]:
        """Shorter renderings by item id. A line the endpoint never answers usably is left out rather than failing
        the run: condensing is a repair, and the line as it stands is still a translation."""
        return self._in_batches(items, lambda batch: self._condense_request(batch, target), required=False)

    def _in_batches(self, items: list[Item], request: Callable[[list[Item]], dict[str, Any]],
                    required: bool) -> dict[str, str]:
        results: dict[str, str] = {}
        size = self.settings.max_batch
        for first in range(0, len(items), size):
            results.update(self._batch(items[first:first + size], request, required))
        return results

    def _batch(self, items: list[Item], request: Callable[[list[Item]], dict[str, Any]],
               required: bool) -> dict[str, str]:
        body = request(items)
        for _ in range(self.settings.retries + 1):
            try:
                return self._ask(body, [item.id for item in items])
            except BadAnswer as problem:
                self.usage.failures.append(f"{len(items)} lines: {problem}")
        if len(items) == 1:
            if not required:
                return {}
            raise Unavailable(f"the llm endpoint {self.settings.base_url} gave no usable translation for line "
                              f"{items[0].id} after {self.settings.retries + 1} tries: {self.usage.failures[-1]}")
        half = len(items) // 2
        return {**self._batch(items[:half], request, required), **self._batch(items[half:], request, required)}

    def _request(self, items: list[LlmItem], source: str, target: str, synopsis: str,
                 context: dict[str, tuple[str, str]]) -> dict[str, Any]:
        terms = sorted({term for item in items for term in item.terms})
        characters = sorted({person for item in items for person in item.characters})
        payload = {
            "source_language": source,
            "target_language": target,
            "synopsis": synopsis,
            "glossary": [{"source": s, "use": a, "note": n} for s, a, n in terms],
            "characters": [{"name": n, "render_as": r, "gender": g, **({"addresses": a} if a else {})}
                           for n, r, g, a in characters],
            "items": [{"id": item.id, "text": item.text,
                       **({"before": context[item.id][0], "after": context[item.id][1]} if item.id in context else {}),
                       **({"speaker": item.speaker} if item.speaker else {}),
                       **({"spoken_to": item.addressee} if item.addressee else {})}
                      for item in items],
        }
        return self._chat(SYSTEM_PROMPT.format(target=target), payload)

    def _condense_request(self, items: list[CondenseItem], target: str) -> dict[str, Any]:
        terms = sorted({term for item in items for term in item.terms})
        payload = {
            "target_language": target,
            "glossary": [{"source": s, "use": a, "note": n} for s, a, n in terms],
            "items": [{"id": item.id, "text": item.text, "source": item.source, "max_characters": item.max_chars,
                       **({"speaker": item.speaker} if item.speaker else {})} for item in items],
        }
        return self._chat(CONDENSE_PROMPT.format(target=target), payload)

    def _chat(self, system: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {
            "model": self.settings.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": system},
                         {"role": "user", "content": json.dumps(payload, ensure_ascii=False)}],
        }

    def _ask(self, request: dict[str, Any], ids: list[str]) -> dict[str, str]:
        body = json.dumps(request, ensure_ascii=False, sort_keys=True)
        key = hashlib.sha256(body.encode()).hexdigest()
        cached = self._cached(key)
        if cached is not None:
            self.usage.cached += 1
            return _translations(cached, ids)
        answer = self._post(body)
        translations = _translations(answer, ids)  # raises BadAnswer before anything is cached
        usage = answer.get("usage") or {}
        self.usage.prompt_tokens += int(usage.get("prompt_tokens", 0))
        self.usage.completion_tokens += int(usage.get("completion_tokens", 0))
        if self._cache is not None:
            self._cache.execute("INSERT OR REPLACE INTO llm_cache VALUES (?, ?, ?, ?)",
                                (key, json.dumps(answer, ensure_ascii=False), usage.get("prompt_tokens"),
                                 usage.get("completion_tokens")))
        return translations

    def _cached(self, key: str) -> dict[str, Any] | None:
        if self._cache is None:
            return None
        row = self._cache.execute("SELECT response FROM llm_cache WHERE request_sha256=?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def _post(self, body: str) -> dict[str, Any]:
        import urllib.error  # http.client and friends: loaded by the runs that call an LLM, not by every command
        import urllib.request

        headers = {"Content-Type": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        request = urllib.request.Request(f"{self.settings.base_url}/chat/completions", data=body.encode(),
                                         headers=headers, method="POST")
        for _ in range(MAX_RATE_LIMITED):
            self.usage.requests += 1
            try:
                with urllib.request.urlopen(request, timeout=self.settings.timeout_s) as response:
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as error:
                wait = _retry_after(error)
                if error.code == 429 and wait is not None and wait <= self.settings.max_wait_s:
                    time.sleep(wait)
                    continue
                if error.code in (401, 403, 404):
                    raise Unavailable(f"the llm endpoint refused the request (HTTP {error.code}); check "
                                      "LOCALIZE_LLM_BASE_URL, LOCALIZE_LLM_MODEL and the API key") from None
                raise BadAnswer(f"HTTP {error.code}") from None
            except TimeoutError:
                raise BadAnswer(f"no answer within {self.settings.timeout_s:g} s") from None
            except urllib.error.URLError as error:
                if isinstance(error.reason, TimeoutError):
                    raise BadAnswer(f"no answer within {self.settings.timeout_s:g} s") from None
                raise Unavailable(f"cannot reach the llm endpoint {self.settings.base_url}: {error.reason}") from None
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise BadAnswer("the response body is not JSON") from None
        raise BadAnswer(f"rate-limited (HTTP 429) {MAX_RATE_LIMITED} times in a row")


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    try:
        return float(value) if value is not None else 1.0
    except ValueError:
        return None


def _translations(answer: dict[str, Any], ids: list[str]) -> dict[str, str]:
    """Exactly one non-empty translation per id, from the chat completion's JSON content."""
    try:
        content = answer["choices"][0]["message"]["content"]
        data = json.loads(content.strip().removeprefix("```json").removeprefix("```").removesuffix("```"))
        rows = data["translations"] if isinstance(data, dict) else data
        found = {str(row["id"]): str(row["text"]).strip() for row in rows}
    except (KeyError, IndexError, TypeError, ValueError, AttributeError) as problem:
        raise BadAnswer(f"the answer is not the JSON asked for ({type(problem).__name__})") from None
    if len(rows) != len(ids) or set(found) != set(ids):
        raise BadAnswer(f"asked for {len(ids)} ids, got {len(rows)} rows with ids {sorted(found)[:5]}")
    if any(not text for text in found.values()):
        raise BadAnswer("an empty translation")
    return found
