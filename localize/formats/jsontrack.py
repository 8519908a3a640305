"""Our own JSON: ``{"language": .., "cues": [{start_ms, end_ms, text, speaker}]}``, exactly the Track."""

from __future__ import annotations

import json
from typing import Any

from localize.errors import BadInput
from localize.model import Cue, Track, cues_to_json


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse(text: str, source: str) -> Track:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{source} line {exc.lineno}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cues"), list):
        raise BadInput(f'{source}: expected {{"language": "..", "cues": [..]}} at the top level')
    cues = []
    for number, item in enumerate(data["cues"], 1):
        if not (isinstance(item, dict) and _whole(item.get("start_ms")) and _whole(item.get("end_ms"))
                and isinstance(item.get("text"), str) and isinstance(item.get("speaker", ""), str)):
            raise BadInput(f"{source}: cue {number} needs integer start_ms and end_ms and a text string")
        cues.append(Cue(item["start_ms"], item["end_ms"], item["text"], item.get("speaker", "")))
    return Track(str(data.get("language", "")), tuple(cues))


def render(track: Track) -> str:
    return json.dumps(cues_to_json(list(track.cues), track.language), ensure_ascii=False, indent=2) + "\n"
