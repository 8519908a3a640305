"""BCP-47 language tags: validation with suggestions, and the few facts the pipeline needs.

We accept ``language[-Script][-REGION]`` (e.g. ``zh-Hans``, ``pt-BR``, ``es-419``); that covers every
tag a subtitle or dubbing deliverable uses without pulling in a full registry dependency.
"""

from __future__ import annotations

import difflib
import re

from localize.errors import BadInput

# ISO 639-1 codes, plus the ISO 639-3 codes a Chinese drama pipeline meets (Cantonese, Min Nan, Filipino).
LANGUAGES = frozenset(
    """
    aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv
    dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig
    ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh
    mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru
    rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug
    uk ur uz ve vi vo wa wo xh yi yo za zh zu yue nan cmn fil
    """.split()
)
SCRIPTS = frozenset("Hans Hant Latn Cyrl Arab Thai Kore Jpan Hira Kana Deva Beng Hebr Grek Ethi Khmr Mymr".split())
_TAG = re.compile(r"^(?P<lang>[a-z]{2,3})(?:-(?P<script>[A-Z][a-z]{3}))?(?:-(?P<region>[A-Z]{2}|\d{3}))?$")
_EXAMPLES = ["zh-Hans", "zh-Hant", "en", "en-US", "es-419", "pt-BR", "id", "th", "vi", "ar", "ja", "ko", "yue"]


def normalize_tag(tag: str) -> str:
    """Return the canonical casing of a tag (``ZH-hans`` → ``zh-Hans``) or raise BadInput with a hint."""
    parts = str(tag).replace("_", "-").split("-")
    fixed = [parts[0].lower()]
    for part in parts[1:]:
        fixed.append(part.title() if len(part) == 4 else part.upper())
    candidate = "-".join(fixed)
    match = _TAG.match(candidate)
    if match and match["lang"] in LANGUAGES and (match["script"] is None or match["script"] in SCRIPTS):
        return candidate
    close = difflib.get_close_matches(str(tag), _EXAMPLES + sorted(LANGUAGES), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    raise BadInput(f"unknown language code '{tag}': {hint}use a BCP-47 tag such as zh-Hans, en, pt-BR or es-419")


def whisper_language(tag: str) -> str:
    """The code Whisper expects: the bare language subtag (``zh-Hans`` → ``zh``)."""
    lang = tag.split("-")[0]
    return {"cmn": "zh", "fil": "tl"}.get(lang, lang)


def chinese_script(tag: str) -> str | None:
    """``Hans`` or ``Hant`` for Chinese tags (regions imply a script), None for other languages."""
    parts = tag.split("-")
    if parts[0] not in {"zh", "cmn", "yue"}:
        return None
    if "Hant" in parts or any(p in {"TW", "HK", "MO"} for p in parts) or parts[0] == "yue":
        return "Hant" if "Hans" not in parts else "Hans"
    return "Hans"
