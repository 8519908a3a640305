"""Pure rules that remove Whisper's known failure modes on noise and silence.

Whisper invents text where there is none (credits lines learnt from fan subtitles), loops on a phrase,
and repeats a whole segment. Each rule here is a pure function over segments so it is tested without audio.
A loop is cut out of its segment first (``localize.asr.loops``), so the guards judge what is left; what was
cut and the segments removed are returned with a reason and kept in the transcript for a reviewer to see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from localize.asr.loops import compression_ratio, cut_loops, normal
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
SAME_TEXT_REPEATS = 3  # the third segment in a row with the same text is Whisper repeating itself
# What is left of a segment after its loop is cut stays only if Whisper was fairly sure of those words: over
# reversed speech (noise) the remainder 哦,诶, had a mean word probability of 0.10, over fast tongue twisters 0.68-0.78.
LOOP_REMAINDER_PROBABILITY = 0.3


def text_of(words: tuple[Word, ...]) -> str:
    return "".join(w.text for w in words).strip()


def cut_window_loops(segments: list[Segment], windows: Sequence[int]) -> list[tuple[Segment, list[dict]]]:
    """Each segment with its loops cut out, and what was cut. Where something was cut, the compression ratio
    is measured again over the cut text of the whole decoding window: Whisper gives every segment of a window
    that window's ratio, so one looping segment would otherwise condemn the others.

    ``windows`` numbers each segment's window (faster-whisper's ``seek``).
    """
    results = [_cut(segment) for segment in segments]
    texts: dict[int, list[str]] = {}
    for window, (segment, _) in zip(windows, results, strict=True):
        texts.setdefault(window, []).append(segment.text)
    changed = {window for window, (_, cuts) in zip(windows, results, strict=True) if cuts}
    ratios = {window: round(compression_ratio("".join(texts[window])), 4) for window in changed}
    return [(replace(segment, compression_ratio=ratios[window]) if window in ratios else segment, cuts)
            for window, (segment, cuts) in zip(windows, results, strict=True)]


def _cut(segment: Segment) -> tuple[Segment, list[dict]]:
    words, cuts = cut_loops(segment.words)
    if not cuts:
        return segment, []
    records = [{"start_ms": c.words[0].start_ms, "end_ms": c.words[-1].end_ms, "text": text_of(c.words),
                "reason": "repeated phrase collapsed", "phrase": c.phrase, "repeats": c.repeats} for c in cuts]
    return replace(segment, words=words, text=text_of(words), end_ms=words[-1].end_ms), records


def _mean_probability(segment: Segment) -> float:
    return sum(w.probability for w in segment.words) / len(segment.words)


def clean_segments(segments: list[Segment], windows: Sequence[int] = ()) -> tuple[list[Segment], list[dict]]:
    """Cut loops, then apply every rule; return the kept segments and what was cut or dropped, with reasons.

    ``windows``: the decoding window of each segment (see ``cut_window_loops``); by default one per segment.
    """
    kept: list[Segment] = []
    dropped: list[dict] = []

    def drop(segment: Segment, reason: str) -> None:
        dropped.append({"start_ms": segment.start_ms, "end_ms": segment.end_ms, "text": segment.text,
                        "reason": reason})

    for segment, cuts in cut_window_loops(segments, windows or range(len(segments))):
        dropped.extend(cuts)
        key = normal(segment.text)
        if not key:
            drop(segment, "empty")
        elif key in KNOWN_PHRASES:
            drop(segment, "known hallucination phrase")
        elif segment.compression_ratio > MAX_COMPRESSION_RATIO:
            drop(segment, f"compression ratio {segment.compression_ratio:.2f} > {MAX_COMPRESSION_RATIO}")
        elif cuts and (certainty := _mean_probability(segment)) < LOOP_REMAINDER_PROBABILITY:
            drop(segment, f"loop over noise (word probability {certainty:.2f})")
        elif segment.no_speech_prob > NO_SPEECH_PROB and segment.avg_logprob < LOW_LOGPROB:
            drop(segment, f"no speech (p={segment.no_speech_prob:.2f}, logprob {segment.avg_logprob:.2f})")
        elif len(kept) >= SAME_TEXT_REPEATS - 1 and all(normal(k.text) == key for k in kept[1 - SAME_TEXT_REPEATS:]):
            drop(segment, "same text as the segments before it")
        else:
            kept.append(segment)
    return kept, dropped
