"""Segmentation: words with timestamps → cues that obey the profile; and the same for translated text
laid over the source timing (re-segmentation), so translated lines are never merged, shifted or dropped.

Words are first grouped at sentence ends and long pauses (a new sentence is usually a new speaker), then
each group is split recursively at its best break — punctuation, pauses, grammar, balance — until every
piece fits in the profile's lines and maximum duration. Reading speed is not a reason to split (splitting
does not slow speech down); the timing rules buy reading time, and QC flags what speech makes impossible.
"""

from __future__ import annotations

from dataclasses import replace

from localize.model import Cue, Transcript, Word
from localize.subtitles.linebreak import (
    CLAUSE_MARKS,
    NO_SPACE_LANGUAGES,
    SENTENCE_END,
    break_lines,
    fits_in_lines,
    word_break_penalty,
)
from localize.subtitles.profiles import SubtitleProfile
from localize.subtitles.punctuation import full_width, full_width_words
from localize.subtitles.textwidth import reading_length
from localize.subtitles.timing import TimedCue, retime

GROUP_PAUSE_MS = 450  # silence this long between words: a new sentence or speaker, always a new cue


def _joins_without_space(profile: SubtitleProfile) -> bool:
    return profile.language.language in NO_SPACE_LANGUAGES


def _text_and_boundaries(words: list[Word], profile: SubtitleProfile) -> tuple[str, frozenset[int]]:
    """The words' text, and the character offsets where one word ends (allowed CJK line breaks)."""
    if not _joins_without_space(profile):
        return " ".join(w.text.strip() for w in words if w.text.strip()), frozenset()
    text, ends = "", set()
    for word in words:
        text += word.text.strip()
        ends.add(len(text))
    return text, frozenset(ends)


def _ends(text: str, marks: str) -> bool:
    stripped = text.rstrip(" \"'”’」』）)")
    return bool(stripped) and stripped[-1] in marks


def _fits(words: list[Word], profile: SubtitleProfile) -> bool:
    if words[-1].end_ms - words[0].start_ms > profile.max_duration_ms:
        return False
    text, boundaries = _text_and_boundaries(words, profile)
    return fits_in_lines(text, profile, boundaries or None)


def _split_cost(words: list[Word], i: int, profile: SubtitleProfile) -> float:
    left, right = words[i - 1], words[i]
    cost = 0.0
    if _ends(left.text, SENTENCE_END):
        cost -= 8.0
    elif _ends(left.text, CLAUSE_MARKS):
        cost -= 5.0
    elif not _joins_without_space(profile):
        cost += word_break_penalty(left.text.strip(), right.text.strip(), profile.language.language)
    pause = right.start_ms - left.end_ms
    cost -= min(pause, 1000) / 100.0
    total = (words[-1].end_ms - words[0].start_ms) or 1
    first, second = left.end_ms - words[0].start_ms, words[-1].end_ms - right.start_ms
    cost += 6.0 * abs(first - second) / total
    if min(first, second) < profile.min_duration_ms:
        cost += 3.0  # a piece too short to read on its own
    return cost


def _split(words: list[Word], profile: SubtitleProfile) -> list[list[Word]]:
    if len(words) == 1 or _fits(words, profile):
        return [words]
    best = min(range(1, len(words)), key=lambda i: _split_cost(words, i, profile))
    return _split(words[:best], profile) + _split(words[best:], profile)


def group_words(words: list[Word], profile: SubtitleProfile) -> list[list[Word]]:
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
    return [piece for group in groups for piece in _split(group, profile)]


def _timed(pieces: list[list[Word]], profile: SubtitleProfile, speaker: str = "") -> list[TimedCue]:
    timed = []
    for piece in pieces:
        text, boundaries = _text_and_boundaries(piece, profile)
        if text:
            cue = Cue(piece[0].start_ms, piece[-1].end_ms, break_lines(text, profile, boundaries or None), speaker)
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
                media_end_ms: int | None = None) -> list[TimedCue]:
    """All cues of an episode from its transcript, timed to the profile's rules, with their speech spans.

    Imported subtitles were segmented by a person: each event stays one cue unless it breaks the rules.
    ASR segments often merge several lines, so recognised words are grouped afresh. Punctuation takes the
    language's subtitle style before anything is measured (a full-width mark is wider). Line-final full stops
    stay: sentences for translation end at them; ``subs fix`` drops them from a track that is delivered.
    """
    style = profile.language.punctuation
    if transcript.origin == "subtitles":
        pieces = [piece for segment in transcript.segments
                  for text in [full_width(segment.text, style)]
                  for piece in _split(proportional_words(text, segment.start_ms, segment.end_ms, profile)
                                      or [Word(segment.start_ms, segment.end_ms, text)], profile)]
    else:
        words = [w for segment in transcript.segments
                 for w in (segment.words or proportional_words(segment.text, segment.start_ms, segment.end_ms, profile))
                 if w.text.strip()]
        pieces = group_words(full_width_words(words, style), profile)
    return retime(_timed(pieces, profile), profile, shots_ms, media_end_ms or transcript.duration_ms or None)


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
