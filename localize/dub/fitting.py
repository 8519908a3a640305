"""Dub fitting: when each synthesized line plays and how much faster, so the dub stays inside its cues.

The pure rules of the ``fit.dub.<lang>`` stage, in integer milliseconds. In order:

1. Synthesis units (``synthesis_units``, before TTS). A short cue and its neighbour of the same speaker, no more
   than a subtitle gap apart, are spoken in one call. Subtitle fitting chains gaps of up to half a second down to
   two frames, so a gap that small means one utterance the subtitler cut in two. Spoken in two calls it would get
   two sentence-final cadences and a pitch reset, and the two halves would be kept apart by the minimum gap.
   Long cues stay alone, so a long speech keeps a cue start to anchor on every few seconds.
2. Room. A line starts on its cue and may run into the silence after it, by at most 500 ms (srt-voiceover
   borrows that much), never past the next cue's start minus the minimum gap, nor past the video's end. Borrowing
   comes before speeding up: speech running a little past the lips is heard less than a whole exchange sped up.
3. One tempo per chunk. Units are cut into chunks at pauses (half a second: a turn in the dialogue). A chunk's
   tempo is the highest tempo any of its lines needs, up to the cap. Lines sped up by different amounts with no
   pause between them are what VideoLingo's users heard as "each line squeezed alone" (VideoLingo #453); across a
   pause, neighbouring chunks still differ by at most 15 % (srt-voiceover's practice), so a slower chunk next to a
   fast one is raised towards it rather than the whole scene sped up. On the sample, whose turns are 0.56-0.92 s
   apart, pauses of a second made one chunk at 1.245×; now 11 of its 15 lines play at 1.0. VideoLingo's chunks
   lay their lines end to end, so a line's start drifts from its cue; here every line stays anchored on its own
   cue, which QC holds to 100 ms.
4. What still overruns at the cap. When the delivery profile lets subtitles follow the dub, the line is re-timed:
   it may start early, into the silence before it, and run on to the next cue. No other line moves, unlike
   pyvideotrans, whose shifts carry on down the episode; its users' first complaint is dubs out of sync.
   Otherwise the line is flagged with the most characters that would fit at the cap, for the translator (through
   the review file; KrillinAI asks an LLM to rewrite such a line instead). Its dub is cut where its room ends, so it
   never overlaps the next line, and QC fails until the line is shortened.

The fitting never slows a line down (tempo ≥ 1.0). Each line starts on its cue, so a short line just ends early,
and the scene's own sound fills the rest; slowed TTS drawls. ``min_tempo`` (0.85) is the floor QC holds any tempo
to. Preconditions: cues in time order, ``speech_ms`` measured from TTS at speed 1.0, one value per synthesis unit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from localize.errors import BadInput
from localize.model import Cue
from localize.words import SEGMENTED, UNSEGMENTED, base_language

OVERRUN = "overrun"  # the line does not fit even at the cap: its dub is cut, max_chars says how long it may be
RETIMED = "retimed"  # the line left its cue's slot (re-timing allowed): its subtitle follows the dub


@dataclass(frozen=True)
class FitSettings:
    """The dubbing numbers a delivery profile may change (defaults: STANDARDS.md, "Dubbing")."""

    max_tempo: float = 1.25  # the cap
    min_tempo: float = 0.85  # the floor QC holds any tempo to
    min_gap_ms: int = 100  # silence kept before the next line, so two voices never run together
    max_borrow_ms: int = 500  # silence after its cue a line may run into before it is sped up
    start_tolerance_ms: int = 100  # QC: a line starts within this of its cue
    merge_gap_ms: int = 250  # cues this close are one utterance (fitted subtitles chain such gaps to 2 frames)
    short_cue_ms: int = 1500  # a cue this short is spoken together with its same-speaker neighbour
    max_unit_ms: int = 7000  # a merged unit spans at most this: the longest subtitle
    pause_ms: int = 500  # a gap this long ends a chunk: after a pause a new tempo is not heard as a jump
    max_step: float = 1.15  # neighbouring chunks' tempos differ by at most this ratio (the slower one is raised)
    # QC: speech played this much past its place is cut unheard. atempo returns 5-20 ms more than speech / tempo,
    # and every TTS line ends on 80 ms of its voice's decay (``dub.speech.TRIM``), which this cuts into at most.
    cut_tolerance_ms: int = 40

    def __post_init__(self) -> None:
        if self.max_tempo < 1.0:
            raise BadInput(f"the dubbing tempo cap must be at least 1.0 (got {self.max_tempo})")
        if self.max_step < 1.0:
            raise BadInput(f"the dubbing tempo step between chunks must be at least 1.0 (got {self.max_step})")
        if not 0 < self.min_tempo <= 1.0:
            raise BadInput(f"the dubbing tempo floor must be above 0 and at most 1.0 (got {self.min_tempo})")
        for name in ("min_gap_ms", "max_borrow_ms", "start_tolerance_ms", "merge_gap_ms", "short_cue_ms",
                     "max_unit_ms", "pause_ms", "cut_tolerance_ms"):
            if getattr(self, name) < 0:
                raise BadInput(f"the dubbing setting {name} must not be negative (got {getattr(self, name)})")


DEFAULTS = FitSettings()


@dataclass(frozen=True)
class SpeechUnit:
    """What the voice engine speaks in one call: one cue, or a few merged."""

    cues: tuple[int, ...]  # positions (from 0) in the episode's target track
    start_ms: int
    end_ms: int
    text: str
    speaker: str


@dataclass(frozen=True)
class PlacedLine:
    """One synthesis unit on the dub's timeline."""

    cues: tuple[int, ...]  # positions (from 0) in the episode's target track
    start_ms: int
    end_ms: int  # the dub stops here: its speech at ``tempo`` ends here, or is cut here when overrun
    tempo: float  # its chunk's tempo
    speech_ms: int  # the speech as synthesized, at tempo 1.0
    flags: tuple[str, ...] = ()
    max_chars: int | None = None  # overrun only: the most characters of text that fit at the cap


@dataclass(frozen=True)
class Chunk:
    """Lines between two pauses, all spoken at one tempo."""

    lines: tuple[int, ...]  # positions in ``DubFit.lines``
    tempo: float


@dataclass(frozen=True)
class DubFit:
    lines: tuple[PlacedLine, ...]
    chunks: tuple[Chunk, ...]


def synthesis_units(cues: Sequence[Cue], language: str, settings: FitSettings = DEFAULTS) -> tuple[SpeechUnit, ...]:
    """The episode's cues as the voice engine should speak them. ``tts.<lang>`` and ``fit.dub.<lang>`` both call
    this with the same cues and settings, so each unit's measured duration comes back to the same unit."""
    groups: list[list[int]] = []
    for index, cue in enumerate(cues):
        if groups and _joins(cues, groups[-1], cue, settings):
            groups[-1].append(index)
        else:
            groups.append([index])
    joiner = "" if base_language(language) in SEGMENTED + UNSEGMENTED else " "
    return tuple(SpeechUnit(tuple(group), cues[group[0]].start_ms, cues[group[-1]].end_ms,
                            joiner.join(line.strip() for i in group for line in cues[i].text.split("\n")
                                        if line.strip()),
                            cues[group[0]].speaker)
                 for group in groups)


def _joins(cues: Sequence[Cue], group: list[int], cue: Cue, settings: FitSettings) -> bool:
    first, last = cues[group[0]], cues[group[-1]]
    return (cue.speaker == last.speaker
            and 0 <= cue.start_ms - last.end_ms <= settings.merge_gap_ms
            and min(last.end_ms - first.start_ms, cue.duration_ms) < settings.short_cue_ms
            and cue.end_ms - first.start_ms <= settings.max_unit_ms)


def fit_dub(units: Sequence[SpeechUnit], speech_ms: Sequence[int], *, video_end_ms: int, retime: bool = False,
            settings: FitSettings = DEFAULTS) -> DubFit:
    """Place every unit's speech (``speech_ms[k]`` for ``units[k]``) on the timeline: chunk tempos first, then each
    line in order. ``retime``: the delivery profile lets subtitles follow the dub (step 4 above)."""
    if len(speech_ms) != len(units):
        raise ValueError(f"{len(speech_ms)} speech durations for {len(units)} synthesis units")
    if not units:
        return DubFit((), ())
    cap = _permille(settings.max_tempo)
    hard = [min(units[k + 1].start_ms - settings.min_gap_ms, video_end_ms) if k + 1 < len(units) else video_end_ms
            for k in range(len(units))]
    rooms = [max(0, min(unit.end_ms + settings.max_borrow_ms, hard[k]) - unit.start_ms)
             for k, unit in enumerate(units)]
    spans = _chunk_spans(units, settings.pause_ms)
    needed = [int(min(cap, max(_needed(speech_ms[k], rooms[k]) for k in span))) for span in spans]
    chunks: list[Chunk] = []
    tempo_of = [0] * len(units)
    for span, permille in zip(spans, _stepped(needed, _permille(settings.max_step)), strict=True):
        chunks.append(Chunk(tuple(span), permille / 1000))
        for k in span:
            tempo_of[k] = permille
    lines: list[PlacedLine] = []
    free_from = 0
    for k, unit in enumerate(units):
        line = _place(unit, speech_ms[k], tempo_of[k], rooms[k], hard[k], free_from if retime else None, cap)
        lines.append(line)
        # a re-timed successor starts after this dub and this subtitle, whichever ends later
        free_from = max(line.end_ms, unit.end_ms) + settings.min_gap_ms
    return DubFit(tuple(lines), tuple(chunks))


def _chunk_spans(units: Sequence[SpeechUnit], pause_ms: int) -> list[range]:
    starts = [0] + [k for k in range(1, len(units)) if units[k].start_ms - units[k - 1].end_ms >= pause_ms]
    return [range(a, b) for a, b in zip(starts, starts[1:] + [len(units)], strict=True)]


def _stepped(needed: Sequence[int], step: int) -> list[int]:
    """Chunk tempos (thousandths) no lower than needed, each within ``step`` (thousandths, a ratio) of its
    neighbours': a slower chunk is raised. One pass each way carries every raise as far as it reaches."""
    tempos = list(needed)
    for i in range(1, len(tempos)):
        tempos[i] = max(tempos[i], -(-tempos[i - 1] * 1000 // step))
    for i in range(len(tempos) - 2, -1, -1):
        tempos[i] = max(tempos[i], -(-tempos[i + 1] * 1000 // step))
    return tempos


def _needed(speech: int, room: int) -> float:
    """The tempo (in thousandths) that fits ``speech`` into ``room``: never under 1.0, infinite without room."""
    if speech <= room:
        return 1000
    return -(-speech * 1000 // room) if room else math.inf


def _place(unit: SpeechUnit, speech: int, permille: int, room: int, hard: int, free_from: int | None,
           cap: int) -> PlacedLine:
    """The line on its cue. When it overruns its room and ``free_from`` (the earliest it may start) is given, it is
    re-timed: first run on towards the next cue (the in-time stays on the lips), then started early. What still does
    not fit is cut and flagged."""
    spoken = _spoken_ms(speech, permille)
    tempo = permille / 1000
    start = unit.start_ms
    if spoken <= room:
        return PlacedLine(unit.cues, start, start + spoken, tempo, speech)
    end = start + room
    if free_from is not None:
        start = max(min(free_from, unit.start_ms), min(unit.start_ms, hard - spoken))
        end = max(start, min(start + spoken, hard))
    flags = (RETIMED,) if (start, end) != (unit.start_ms, unit.start_ms + room) else ()
    if end - start >= spoken:
        return PlacedLine(unit.cues, start, end, tempo, speech, flags)
    # floor(len(text) * room / (speech at the cap)), in integers; an overrun line's chunk is always at the cap
    max_chars = len(unit.text) * (end - start) * cap // (speech * 1000)
    return PlacedLine(unit.cues, start, end, tempo, speech, flags + (OVERRUN,), max_chars)


def subtitles_following(cues: Sequence[Cue], lines: Sequence[PlacedLine]) -> list[Cue]:
    """The cues with each re-timed line's subtitles stretched over its dub: its first cue starts no later than the
    dub does, its last ends no earlier. The fitting re-times a line only into silence at least ``min_gap_ms`` from
    the other lines and subtitles, so the stretched cues never meet their neighbours; other cues are kept."""
    result = list(cues)
    for line in lines:
        if RETIMED in line.flags:
            first, last = line.cues[0], line.cues[-1]
            result[first] = replace(result[first], start_ms=min(result[first].start_ms, line.start_ms))
            result[last] = replace(result[last], end_ms=max(result[last].end_ms, line.end_ms))
    return result


def _permille(tempo: float) -> int:
    return round(tempo * 1000)


def _spoken_ms(speech: int, permille: int) -> int:
    """How long ``speech`` lasts at a tempo of ``permille`` thousandths, rounded up so it never outgrows its room."""
    return -(-speech * 1000 // permille)


DUB_RULES = {
    "start_offset": "a line starting too far from its cue",
    "ends_late": "a line still speaking when the next cue or line starts, or after the video ends",
    "tempo_max": "a line sped up beyond the profile's cap",
    "tempo_min": "a line slowed below the profile's floor",
    "cut": "speech longer than its place, so its end is cut off: shorten the line to its max_chars",
}


@dataclass(frozen=True)
class DubViolation:
    cue: int  # 1-based, the line's first cue, as subtitle editors number them
    rule: str
    measured: str
    limit: str

    def to_json(self) -> dict:
        return {"cue": self.cue, "rule": self.rule, "measured": self.measured, "limit": self.limit,
                "description": DUB_RULES[self.rule]}


def check_dub(lines: Sequence[PlacedLine], cues: Sequence[Cue], *, video_end_ms: int, retime: bool = False,
              played_ms: Sequence[int] | None = None, settings: FitSettings = DEFAULTS) -> list[DubViolation]:
    """Every rule a placed dub breaks; any violation fails the run (exit 1). A re-timed line is judged against the
    cue it moved with only when ``retime`` says the delivery profile allows moving it. ``played_ms``: each line's
    speech as measured after the tempo change; without it, the length its tempo gives."""
    found: list[DubViolation] = []
    for index, line in enumerate(lines):
        first, last = line.cues[0], line.cues[-1]
        number = first + 1
        if not (retime and RETIMED in line.flags):
            offset = line.start_ms - cues[first].start_ms
            if abs(offset) > settings.start_tolerance_ms:
                found.append(DubViolation(number, "start_offset", f"{offset:+d} ms from its cue",
                                          f"within ±{settings.start_tolerance_ms} ms"))
        bounds = [video_end_ms]
        if last + 1 < len(cues):
            bounds.append(cues[last + 1].start_ms)
        if index + 1 < len(lines):
            bounds.append(lines[index + 1].start_ms)
        bound = min(bounds)
        if line.end_ms > bound:
            found.append(DubViolation(number, "ends_late", f"ends at {line.end_ms} ms", f"≤ {bound} ms"))
        permille = _permille(line.tempo)
        if permille > _permille(settings.max_tempo):
            found.append(DubViolation(number, "tempo_max", f"{line.tempo:g}×", f"≤ {settings.max_tempo:g}×"))
        if permille < _permille(settings.min_tempo):
            found.append(DubViolation(number, "tempo_min", f"{line.tempo:g}×", f"≥ {settings.min_tempo:g}×"))
        room = line.end_ms - line.start_ms
        if permille > 0 and _spoken_ms(line.speech_ms, permille) > room:
            found.append(DubViolation(number, "cut", f"{_spoken_ms(line.speech_ms, permille)} ms of speech",
                                      f"≤ {room} ms"))
        elif played_ms is not None and played_ms[index] - room > settings.cut_tolerance_ms:
            found.append(DubViolation(number, "cut", f"{played_ms[index]} ms of speech as played",
                                      f"≤ {room + settings.cut_tolerance_ms} ms"))
    return found


def atempo_chain(tempo: float) -> str:
    """ffmpeg's ``-af`` for ``tempo``: one ``atempo`` per factor within 0.5–2.0. The shipped ffmpeg takes 0.5–100
    in one instance, but above 2.0 it skips samples rather than blending them (its filter docs), so larger
    changes are chained."""
    if tempo <= 0:
        raise ValueError(f"a tempo must be positive (got {tempo})")
    factors = []
    while tempo > 2.0:
        factors.append(2.0)
        tempo /= 2.0
    while tempo < 0.5:
        factors.append(0.5)
        tempo /= 0.5
    factors.append(tempo)
    return ",".join(f"atempo={factor:.6g}" for factor in factors)


def rubberband_filter(tempo: float) -> str:
    """ffmpeg's ``-af`` for ``tempo`` through librubberband (0.01–100 in one instance; in the ffmpeg imageio-ffmpeg
    ships, as pitch offsets already require)."""
    if not 0.01 <= tempo <= 100:
        raise ValueError(f"rubberband's tempo must be within 0.01–100 (got {tempo})")
    return f"rubberband=tempo={tempo:.6g}"


def placed_lines(report: dict) -> list[PlacedLine]:
    """The dub's lines as ``fit.dub.<lang>``'s QC report places them (its cue numbers count from 1)."""
    return [PlacedLine(tuple(cue - 1 for cue in line["cues"]), line["start_ms"], line["end_ms"], line["tempo"],
                       line["speech_ms"], tuple(line["flags"]), line.get("max_chars")) for line in report["lines"]]
