"""Pure rules that remove Whisper's known failure modes on noise and silence.

Whisper invents text where there is none (credits lines learnt from fan subtitles), loops on a phrase,
and repeats a whole segment. Each rule here is a pure function over segments so it is tested without audio.
Removed segments are returned with a reason and kept in the transcript for a reviewer to see.
"""

from __future__ import annotations

import re
from dataclasses import replace

from localize.model import Segment, Word

# Lines Whisper produces on silence or music, learnt from subtitle credits; never real drama dialogue.
KNOWN_PHRASES = (
    "请不吝点赞订阅转发打赏支持明镜与点点栏目",
    "字幕由amaraorg社区提供",
    "小编字幕由amaraorg社区提供",
    "中文字幕由amaraorg社区提供",
    "优优独播剧场yoyotelevisionseriesexclusive",
    "谢谢观看",
    "感谢观看",
    "明镜需要您的支持欢迎订阅明镜",
    "thanksforwatching",
    "subtitlesbytheamaraorgcommunity",
    "pleasesubscribe",
)
MAX_COMPRESSION_RATIO = 2.4  # Whisper's own threshold for looping output
NO_SPEECH_PROB = 0.6  # with a low log-probability: Whisper's own "this was silence" rule
LOW_LOGPROB = -1.0
MIN_REPEATS = 3  # a phrase said three times in a row inside one segment is a loop, not emphasis
MIN_REPEATS_SINGLE_CHARACTER = 6  # 哈哈哈 is laughter; 哈哈哈哈哈哈 and more is a loop


def _normal(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _collapse_loops(words: tuple[Word, ...]) -> tuple[Word, ...]:
    """Keep the first of N ≥ 3 consecutive repeats of the same word sequence (1–8 words long)."""
    kept: list[Word] = []
    i = 0
    keys = [_normal(w.text) for w in words]
    while i < len(words):
        best_unit, best_count = 0, 1
        for unit in range(1, 9):
            if i + unit > len(words) or not "".join(keys[i:i + unit]):
                break
            count = 1
            while keys[i + count * unit:i + (count + 1) * unit] == keys[i:i + unit]:
                count += 1
            needed = MIN_REPEATS_SINGLE_CHARACTER if len("".join(keys[i:i + unit])) == 1 else MIN_REPEATS
            if count >= needed and count * unit > best_count * best_unit:
                best_unit, best_count = unit, count
        if best_unit:
            kept.extend(words[i:i + best_unit])
            i += best_unit * best_count
        else:
            kept.append(words[i])
            i += 1
    return tuple(kept)


def text_of(words: tuple[Word, ...]) -> str:
    return "".join(w.text for w in words).strip()


def clean_segments(segments: list[Segment]) -> tuple[list[Segment], list[dict]]:
    """Apply every rule; return the kept segments and the dropped ones with their reasons."""
    kept: list[Segment] = []
    dropped: list[dict] = []

    def drop(segment: Segment, reason: str) -> None:
        dropped.append({"start_ms": segment.start_ms, "end_ms": segment.end_ms, "text": segment.text,
                        "reason": reason})

    for segment in segments:
        normal = _normal(segment.text)
        if not normal:
            drop(segment, "empty")
        elif normal in KNOWN_PHRASES:
            drop(segment, "known hallucination phrase")
        elif segment.compression_ratio > MAX_COMPRESSION_RATIO:
            drop(segment, f"compression ratio {segment.compression_ratio:.2f} > {MAX_COMPRESSION_RATIO}")
        elif segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_LOGPROB:
            drop(segment, f"no speech (p={segment.no_speech_prob:.2f}, logprob {segment.avg_logprob:.2f})")
        elif len(kept) >= MIN_REPEATS - 1 and all(_normal(k.text) == normal for k in kept[-(MIN_REPEATS - 1):]):
            drop(segment, "same text as the segments before it")
        else:
            if segment.words:
                words = _collapse_loops(segment.words)
                if len(words) < len(segment.words):
                    drop(segment, "repeated phrase collapsed")
                    segment = replace(segment, words=words, text=text_of(words), end_ms=words[-1].end_ms)
            kept.append(segment)
    return kept, dropped
