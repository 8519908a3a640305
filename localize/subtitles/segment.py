"""Segmentation: words with timestamps → cues that obey the profile; and the same for translated text
laid over the source timing (re-segmentation), so translated lines are never merged, shifted or dropped.

Words are first grouped at sentence ends, long pauses and the ends of recognised segments (a new sentence is
usually a new speaker), then each group is split recursively at its best break — punctuation, pauses, grammar,
balance — until every piece fits in the profile's lines and maximum duration. Text written without spaces is
cut only between words (``localize.words``), never between two recognised tokens of one word. Reading speed is
not a reason to split (splitting does not slow speech down); the timing rules buy reading time, and QC flags
what speech makes impossible.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from localize.model import Cue, Transcript, Word
from localize.subtitles.linebreak import (
    CLAUSE_MARKS,
    FORBIDDEN,
    NO_SPACE_LANGUAGES,
    SENTENCE_END,
    break_lines,
    layout,
    unspaced_breaks,
    word_break_penalty,
)
from localize.subtitles.profiles import SubtitleProfile
from localize.subtitles.punctuation import full_width, full_width_words
from localize.subtitles.textwidth import reading_length
from localize.subtitles.timing import TimedCue, retime

GROUP_PAUSE_MS = 450  # silence this long between words: a new sentence or speaker, always a new cue


def _joins_without_space(profile: SubtitleProfile) -> bool:
    return profile.language.language in NO_SPACE_LANGUAGES


def _text(words: list[Word], profile: SubtitleProfile) -> str:
    joiner = "" if _joins_without_space(profile) else " "
    return joiner.join(w.text.strip() for w in words if w.text.strip())


def _ends(text: str, marks: str) -> bool:
    stripped = text.rstrip(" \"'”’」』）)")
    return bool(stripped) and stripped[-1] in marks


def _split_points(words: list[Word], profile: SubtitleProfile, extra_words: Collection[str]) -> dict[int, float]:
    """Where a cue may start inside a group (the index of its first word), with the grammar cost of cutting
    there. Text without spaces is cut only between the segmenter's words: Whisper's Chinese "words" are tokens
    that split words (经|验), so a token end is no place for a cue or line to end."""
    language = profile.language.language
    points: dict[int, float] = {}
    if _joins_without_space(profile):
        text, offsets = "", []
        for word in words:
            offsets.append(len(text))
            text += word.text.strip()
        breaks = unspaced_breaks(text, language, extra_words)
        allowed = {i: breaks[offsets[i]] for i in range(1, len(words)) if offsets[i] in breaks}
    else:
        allowed = {i: word_break_penalty(words[i - 1].text.strip(), words[i].text.strip(), language)
                   for i in range(1, len(words))}
    for i, phrase in allowed.items():
        if _ends(words[i - 1].text, SENTENCE_END):
            points[i] = -8.0
        elif _ends(words[i - 1].text, CLAUSE_MARKS):
            points[i] = -5.0
        else:
            points[i] = phrase
    return points


def _fits(words: list[Word], profile: SubtitleProfile, extra_words: Collection[str], points: dict[int, float]) -> bool:
    """Within the maximum duration and the profile's lines. Text without spaces must also break its lines where
    the rules allow: a run that fits only by ending a line on 的 or a conjunction (or by starting one on 了) is
    cut into two cues instead, unless every cut would be as bad."""
    if words[-1].end_ms - words[0].start_ms > profile.max_duration_ms:
        return False
    laid_out = layout(_text(words, profile), profile, extra_words)
    return laid_out.fits and (laid_out.penalty < FORBIDDEN or not _joins_without_space(profile)
                              or min(points.values(), default=FORBIDDEN) >= FORBIDDEN)


def _split_cost(words: list[Word], i: int, grammar: float, profile: SubtitleProfile) -> float:
    left, right = words[i - 1], words[i]
    pause = right.start_ms - left.end_ms
    cost = grammar - min(pause, 1000) / 100.0
    total = (words[-1].end_ms - words[0].start_ms) or 1
    first, second = left.end_ms - words[0].start_ms, words[-1].end_ms - right.start_ms
    cost += 6.0 * abs(first - second) / total
    if min(first, second) < profile.min_duration_ms:
        cost += 3.0  # a piece too short to read on its own
    return cost


def _split(words: list[Word], profile: SubtitleProfile, extra_words: Collection[str] = (),
           points: dict[int, float] | None = None) -> list[list[Word]]:
    """The group cut recursively at its best point until every piece fits. ``points`` are those of the whole
    group (a word's neighbours decide where it starts and ends), shifted to each piece."""
    if points is None:
        points = _split_points(words, profile, extra_words)
    if len(words) == 1 or not points or _fits(words, profile, extra_words, points):
        return [words]  # no point left: one word longer than a cue, kept whole for QC to report
    best = min(points, key=lambda i: _split_cost(words, i, points[i], profile))
    return (_split(words[:best], profile, extra_words, {i: c for i, c in points.items() if i < best})
            + _split(words[best:], profile, extra_words, {i - best: c for i, c in points.items() if i > best}))


def group_words(words: list[Word], profile: SubtitleProfile, extra_words: Collection[str] = ()) -> list[list[Word]]:
    """Recognised words → the word lists of the cues."""
    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current and (_ends(current[-1].text, SENTENCE_END) or word.start_ms - current[-1].end_ms >= GROUP_PAUSE_MS):
            groups.append(current)
            current = []
        current.append(word)
    if current:
        groups.append(current)
    return [piece for group in groups for piece in _split(group, profile, extra_words)]


def _timed(pieces: list[list[Word]], profile: SubtitleProfile, extra_words: Collection[str] = ()) -> list[TimedCue]:
    timed = []
    for piece in pieces:
        text = _text(piece, profile)
        if text:
            cue = Cue(piece[0].start_ms, piece[-1].end_ms, break_lines(text, profile, extra_words))
            timed.append(TimedCue(cue, piece[0].start_ms, piece[-1].end_ms))
    return timed


def proportional_words(text: str, start_ms: int, end_ms: int, profile: SubtitleProfile) -> list[Word]:
    """Text without word timings (imported subtitles, translations): words timed by their length."""
    if _joins_without_space(profile):
        tokens = [ch for ch in text if not ch.isspace()]
        weights = [1] * len(tokens)
    else:
        tokens = text.split()
        weights = [len(t) + 1 for t in tokens]  # the space after a word is read too
    total = sum(weights) or 1
    words, done = [], 0
    for token, weight in zip(tokens, weights, strict=True):
        first = start_ms + round(done * (end_ms - start_ms) / total)
        done += weight
        words.append(Word(first, start_ms + round(done * (end_ms - start_ms) / total), token))
    return words


def source_cues(transcript: Transcript, profile: SubtitleProfile, shots_ms: tuple[int, ...] = (),
                media_end_ms: int | None = None, extra_words: Collection[str] = ()) -> list[TimedCue]:
    """All cues of an episode from its transcript, timed to the profile's rules, with their speech spans.

    Imported subtitles were segmented by a person: each event stays one cue unless it breaks the rules.
    ASR segments often merge several lines, so recognised words are grouped afresh — but never across the end
    of a recognised segment: the recogniser ends one where the speaker stopped, even where its word times
    show no pause (it hands the silence to the next segment's first word). Punctuation takes the language's
    subtitle style before anything is measured (a full-width mark is wider). Line-final full stops stay:
    sentences for translation end at them; ``subs fix`` drops them from a track that is delivered.
    ``extra_words`` (glossary terms, character names) are never cut by a cue or line break.
    """
    style = profile.language.punctuation
    extra_words = frozenset(extra_words)  # one set for the whole episode: the segmenter is cached by it
    if transcript.origin == "subtitles":
        pieces = [piece for segment in transcript.segments
                  for text in [full_width(segment.text, style)]
                  for piece in _split(proportional_words(text, segment.start_ms, segment.end_ms, profile)
                                      or [Word(segment.start_ms, segment.end_ms, text)], profile, extra_words)]
    else:
        runs = [[w for w in (segment.words or proportional_words(segment.text, segment.start_ms, segment.end_ms,
                                                                 profile)) if w.text.strip()]
                for segment in transcript.segments]
        styled = iter(full_width_words([w for run in runs for w in run], style))  # judged across segments too
        pieces = [piece for run in runs if run
                  for piece in group_words([next(styled) for _ in run], profile, extra_words)]
    return retime(_timed(pieces, profile, extra_words), profile, shots_ms,
                  media_end_ms or transcript.duration_ms or None)


def resegment(spans: list[tuple[int, int, str]], profile: SubtitleProfile, shots_ms: tuple[int, ...] = (),
              media_end_ms: int | None = None) -> list[TimedCue]:
    """Translated text over source time spans (start, end, text) → cues that obey the target's rules.

    Each span keeps its own text: a long translation is split inside its span, never moved to another.
    The time a span may linger after speech (up to the next span) is shared by all its pieces, because a
    translation is often longer to read than the line was to say.
    """
    timed: list[TimedCue] = []
    for index, (start, end, text) in enumerate(spans):
        limit = spans[index + 1][0] - profile.min_gap_ms if index + 1 < len(spans) else media_end_ms
        reach = end + profile.out_time_max_ms if limit is None else min(end + profile.out_time_max_ms, limit)
        reach = max(end, reach)
        words = proportional_words(text, start, reach, profile)
        if words:
            timed.extend(_share_span([p.cue for p in _timed(_split(words, profile), profile)], start, end, reach,
                                     profile))
    return retime(timed, profile, shots_ms, media_end_ms)


def _share_span(cues: list[Cue], start: int, end: int, reach: int, profile: SubtitleProfile) -> list[TimedCue]:
    """Pieces of one span timed so that each gets reading time in proportion to its length, after the
    minimum gaps between them are set aside — so no piece reads faster than the span as a whole.

    Speech is the source span: the pieces share it (one that falls in the linger after speech gets an empty
    speech span at the span's end)."""
    lengths = [max(reading_length(c.text, profile.language), 1.0) for c in cues]
    usable = (reach - start) - profile.min_gap_ms * (len(cues) - 1)
    timed, clock = [], float(start)
    for cue, length in zip(cues, lengths, strict=True):
        duration = usable * length / sum(lengths)
        first, last = round(clock), round(clock + duration)
        speech_start = min(max(first, start), end)
        timed.append(TimedCue(replace(cue, start_ms=first, end_ms=last), speech_start,
                              max(min(last, end), speech_start)))
        clock += duration + profile.min_gap_ms
    return timed
