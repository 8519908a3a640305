"""Find the band of the original burned-in Chinese subtitles with the bundled OCR over sampled frames.

Micro-dramas carry their Chinese subtitles burned into the picture; before our captions are burned in,
that band must be blurred or boxed. Its place differs from series to series, so ``mask: {band: auto}``
samples frames evenly through the episode, reads them with RapidOCR (PP-OCRv4 models shipped inside the
``rapidocr-onnxruntime`` wheel: offline), keeps the boxes holding Han characters and takes the rows that
several frames agree on. Chinese text in the scenery (a shop sign in one shot) does not reach the vote.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from statistics import median
from typing import Any

from localize import children, media
from localize.cpus import engine_threads
from localize.errors import BadInput, Unavailable

OCR_INSTALL = "pip install 'localize[ocr]'"
SAMPLES = 12  # frames read per episode: about 4 s of OCR on two cores
SCAN_WIDTH = 540  # frames are read at half of 1080: Chinese subtitles stay 25+ px high, OCR runs 8x faster
MIN_SCORE = 0.5  # RapidOCR's recognition confidence below which a box is ignored
MIN_SHARE = 0.25  # share of sampled frames that must show text on a row for it to belong to the band
MIN_CHANGE = 0.5  # distinct texts per frame shown, at least: subtitles change, a watermark does not

Ocr = Callable[[Any], Sequence[tuple[Any, str, float]]]  # image (H×W×3 BGR) → [(box points, text, score)]


@dataclass(frozen=True)
class TextBox:
    """One line of Chinese text the OCR read, in rows and columns of the full-size frame."""

    time_ms: int
    top: int
    bottom: int
    left: int
    right: int
    text: str
    score: float


@dataclass(frozen=True)
class BandSearch:
    """What the search found: the band (or None and why), from which frames and boxes."""

    band: tuple[int, int] | None
    reason: str
    times_ms: tuple[int, ...]
    boxes: tuple[TextBox, ...]

    def to_json(self) -> dict[str, Any]:
        return {"band": list(self.band) if self.band else None, "reason": self.reason,
                "times_ms": list(self.times_ms), "boxes": [asdict(box) for box in self.boxes]}


def require_ocr() -> type:
    """The OCR class; a missing extra fails at once (exit 3, with the install line), before a run starts."""
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError:
        raise Unavailable(f"finding the original subtitle band (mask band: auto) needs the bundled OCR: "
                          f"{OCR_INSTALL}; or give the band as TOP:BOTTOM pixel rows") from None
    return RapidOCR


def load_ocr(threads: int | None = None) -> Ocr:
    """RapidOCR with its bundled models (loading takes about a second, so a run loads it once), on ``threads``
    threads (default ``engine_threads()``).

    Its text detector reads the frame at the size it is given ("max": only a frame over 2000 px is shrunk).
    RapidOCR's default ("min", 736) scales the short side up to 736 px: a 540×960 scan frame became 736×1308,
    and read the same subtitles 2.2× slower."""
    engine = require_ocr()(intra_op_num_threads=threads or engine_threads(), det_limit_type="max")

    def read(image: Any) -> Sequence[tuple[Any, str, float]]:
        found, _ = engine(image)
        return found or []
    return read


def sample_times(duration_ms: int, count: int = SAMPLES) -> list[int]:
    """The middles of ``count`` equal slices of the episode: spread evenly, never the very first or last frame."""
    return [round(duration_ms * (index + 0.5) / count) for index in range(count)]


def has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def grab_frame(video: Path, time_ms: int, width: int, height: int, ffmpeg: str) -> Any:
    """The frame at ``time_ms`` scaled to ``width``×``height``, as a BGR array (what OpenCV-based OCR reads)."""
    import numpy as np

    command = [ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-ss", f"{time_ms / 1000:.3f}",
               "-i", str(video), "-frames:v", "1", "-vf", f"scale={width}:{height}", "-f", "rawvideo",
               "-pix_fmt", "bgr24", "-"]
    done = children.run(command)
    if done.returncode != 0 or len(done.stdout) != width * height * 3:
        reason = children.failure_reason(done, "no frame decoded")
        raise BadInput(f"{video}: could not read the frame at {time_ms} ms: {reason}")
    return np.frombuffer(done.stdout, dtype=np.uint8).reshape(height, width, 3)


def han_boxes(found: Sequence[tuple[Any, str, float]], time_ms: int, scale: float) -> list[TextBox]:
    """OCR results holding Chinese, confident enough, mapped back to full-frame pixels."""
    boxes = []
    for points, text, score in found:
        if float(score) < MIN_SCORE or not has_han(text):
            continue
        ys = [float(point[1]) * scale for point in points]
        xs = [float(point[0]) * scale for point in points]
        boxes.append(TextBox(time_ms, math.floor(min(ys)), math.ceil(max(ys)), math.floor(min(xs)),
                             math.ceil(max(xs)), text, round(float(score), 3)))
    return boxes


def band_from_boxes(boxes: Sequence[TextBox], frames: int, frame_height: int) -> tuple[tuple[int, int] | None, str]:
    """The rows most sampled frames show changing Chinese text on, padded by a quarter of a line; None when
    too few frames agree.

    Each frame votes once per row it has text on; rows with at least ``MIN_SHARE`` of the frames (and two
    frames, when more than one was read) form runs, runs closer than a line height merge (two-line
    subtitles). Subtitles change from frame to frame while a platform watermark or a "纯属虚构" disclaimer
    reads the same in every one, so runs whose text mostly repeats are left out; of the rest, the run with
    the most votes is the band, widened to the boxes that touch it.
    """
    if not boxes:
        return None, f"no Chinese text in {frames} sampled frames"
    votes = [0] * (frame_height + 1)
    for time_ms in sorted({box.time_ms for box in boxes}):
        rows = set()
        for box in boxes:
            if box.time_ms == time_ms:
                rows.update(range(max(0, box.top), min(frame_height, box.bottom) + 1))
        for row in rows:
            votes[row] += 1
    needed = min(frames, max(2, math.ceil(MIN_SHARE * frames)))
    line = median(box.bottom - box.top for box in boxes)
    runs: list[list[int]] = []
    for row, count in enumerate(votes):
        if count < needed:
            continue
        if runs and row - runs[-1][1] <= line:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    if not runs:
        return None, (f"Chinese text in {len({b.time_ms for b in boxes})} of {frames} sampled frames, "
                      f"but no rows shared by {needed}: scenery, not subtitles")
    changing, fixed = [], []
    for top, bottom in runs:
        touching = [box for box in boxes if box.bottom >= top and box.top <= bottom]
        shown = len({box.time_ms for box in touching})
        texts = len({box.text for box in touching})
        (changing if texts >= MIN_CHANGE * shown else fixed).append((sum(votes[top:bottom + 1]), shown, touching))
    if not changing:
        rows = ", ".join(f"{min(b.top for b in t)}-{max(b.bottom for b in t)}" for _, _, t in fixed)
        return None, f"Chinese text at rows {rows} reads the same in every frame (a watermark or title): not subtitles"
    _, shown, touching = max(changing, key=lambda candidate: candidate[0])
    pad = max(6, round(median(b.bottom - b.top for b in touching) / 4))  # a quarter of the band's own line
    band = (max(0, min(b.top for b in touching) - pad), min(frame_height, max(b.bottom for b in touching) + pad))
    ignored = f"; fixed text elsewhere ignored ({len(fixed)} place{'s' * (len(fixed) != 1)})" if fixed else ""
    return band, f"Chinese text on these rows in {shown} of {frames} sampled frames{ignored}"


def find_band(video: Path, ffmpeg: str, ocr: Ocr, count: int = SAMPLES,
              progress: Callable[[float], None] | None = None) -> BandSearch:
    """Search ``video`` for its burned-in Chinese subtitle band (rows of the full-size frame)."""
    info = media.probe(video)
    if not info.width or not info.height:
        raise BadInput(f"{video}: no video stream to search for burned-in subtitles")
    width = min(SCAN_WIDTH, info.width)
    height = round(info.height * width / info.width / 2) * 2
    scale = info.height / height
    times = sample_times(info.duration_ms, count)
    boxes: list[TextBox] = []
    for done, time_ms in enumerate(times, start=1):
        boxes += han_boxes(ocr(grab_frame(video, time_ms, width, height, ffmpeg)), time_ms, scale)
        if progress:
            progress(done / len(times))
    band, reason = band_from_boxes(boxes, len(times), info.height)
    return BandSearch(band, reason, tuple(times), tuple(boxes))
