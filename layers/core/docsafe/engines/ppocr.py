"""The neural embedded engine: PP-OCR (detection and recognition) through RapidOCR on
onnxruntime, with the models RapidOCR's wheel ships and nothing else.

RapidOCR is pinned (pyproject.toml, requirements.lock): its wheel carries PP-OCRv6 small
detection and recognition models, and any model it does not ship it would fetch from the
network at first use, which DocSafe never does (the engine is built with the shipped
files named, and tested with the network off). Its lines come in detection order;
DocSafe orders them itself (docsafe.engines.reading_order). A page turned by 90, 180 or
270 degrees is found by Tesseract's orientation detection, as for the Tesseract engine,
and read again upright: only a page that reads badly pays for that.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from statistics import median
from typing import Any

from docsafe.engines.base import Box, EngineFailed, Line, PageText, Word
from docsafe.engines.pool import InstancePool
from docsafe.engines.preprocess import cleaned, normalised_angle
from docsafe.engines.reading_order import in_reading_order

RAPIDOCR_VERSION = "3.10.0"  # the shipped models below come with this release
DETECTION_MODEL = "PP-OCRv6_det_small.onnx"
RECOGNITION_MODEL = "PP-OCRv6_rec_small.onnx"
# Below this mean word confidence (or with fewer words) a page may be turned.
DOUBTFUL_CONFIDENCE = 0.8
MIN_WORDS = 3

Orientation = Callable[[Any], int]  # a grey page image → clockwise degrees its text is turned


@dataclass(frozen=True)
class PpocrSettings:
    """RapidOCR's own settings that DocSafe chooses (make bench-ppocr measures them)."""

    # The detector enlarges a page so that its short side is at least this many pixels ...
    detection_min_side: int = 736
    # ... and shrinks a larger one so that its long side is at most this many (0: never).
    detection_max_side: int = 0
    # Text lines recognised in one batch (RapidOCR's default). One at a time was a little
    # faster on one thread, but read the shared Textract form a little worse.
    recognition_batch: int = 6


def shipped_models() -> tuple[Path, Path]:
    """The detection and recognition models inside the installed rapidocr package."""
    from importlib import metadata
    from importlib.util import find_spec

    spec = find_spec("rapidocr")
    try:
        installed = metadata.version("rapidocr")
    except metadata.PackageNotFoundError:
        installed = None
    if spec is None or spec.origin is None or installed != RAPIDOCR_VERSION:
        raise EngineFailed(f"rapidocr {RAPIDOCR_VERSION} is not installed (found {installed})")
    folder = Path(spec.origin).parent / "models"
    models = folder / DETECTION_MODEL, folder / RECOGNITION_MODEL
    if not all(path.is_file() for path in models):
        raise EngineFailed(f"rapidocr {RAPIDOCR_VERSION} lacks its shipped models")
    return models


class PpocrEngine:
    name = "ppocr"

    def __init__(
        self,
        threads: int = 0,
        orientation: Orientation | None = None,
        settings: PpocrSettings = PpocrSettings(),
    ):
        """`threads`: onnxruntime's threads per page (0: as many as the machine has)."""
        self.threads = threads
        self.settings = settings
        self._orientation = orientation
        self._models = shipped_models()
        # No more pipelines than cores: each holds about a gigabyte, and more would contend.
        self._pipelines = InstancePool(self._load, limit=os.cpu_count() or 1)

    def _load(self) -> Any:
        from rapidocr import RapidOCR

        detection, recognition = self._models
        threads = self.threads or -1
        params = {
            "Global.log_level": "error",
            "Global.use_cls": False,  # page orientation is found for the whole page instead
            "Det.model_path": str(detection),
            "Rec.model_path": str(recognition),
            "Det.limit_side_len": self.settings.detection_min_side,
            "Rec.rec_batch_num": self.settings.recognition_batch,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        return RapidOCR(params=params)

    def read(self, image: Any, layout: bool = False) -> PageText:
        upright, turn = image, 0
        page = self.recognize(image)
        if self._orientation is not None and _doubtful(page):
            degrees = self._orientation(image.convert("L"))
            if degrees:
                turned = image.convert("RGB").rotate(degrees, expand=True, fillcolor=(255, 255, 255))
                second = self.recognize(turned)
                # Upright it reads well (a page on its side may have read well too, its
                # words turned by PP-OCR one by one, but its lines in the wrong order).
                if not _doubtful(second) or second.quality > page.quality:
                    upright, turn, page = turned, degrees, second
        if layout:
            from docsafe.engines.layout import with_layout

            # On the page as Tesseract's preparation cleans it, not turned: a small form's
            # check boxes are found at the enlarged size.
            page = with_layout(page, *cleaned(upright))
        frame = (float(upright.width), float(upright.height))
        return replace(
            page,
            width=image.width,
            height=image.height,
            angle=normalised_angle(float(turn)),
            frame=frame if turn else None,
        )

    def recognize(self, image: Any) -> PageText:
        """PP-OCR's words and lines on `image` as it is, in reading order."""
        import numpy as np

        rgb = _within_aspect(image.convert("RGB"))
        # RapidOCR takes an array as OpenCV's BGR.
        bgr = np.ascontiguousarray(np.asarray(rgb)[:, :, ::-1])
        try:
            with self._pipelines.borrow() as pipeline:
                self._size_detection(pipeline, rgb.size)
                found = pipeline(bgr, return_word_box=True)
        except MemoryError:
            raise
        except Exception as exc:  # a model or runtime error: the page, not the document
            raise EngineFailed(f"PP-OCR could not read the page ({type(exc).__name__})") from None
        # Ordered by the detector's regions (their padding is even, which the reading order's
        # gaps are measured in), then shrunk to the ink.
        gray = np.asarray(rgb.convert("L"))
        ordered = tuple(_hugging_the_ink(list(in_reading_order(_lines(found), _slope(found))), gray))
        return PageText(width=image.width, height=image.height, unit="pixel", lines=ordered)

    def _size_detection(self, pipeline: Any, size: tuple[int, int]) -> None:
        """RapidOCR sizes the detector's input one way for every page: enlarging the short
        side of a small page, or shrinking the long side of a large one. DocSafe enlarges a
        small page, and shrinks a large one (when `detection_max_side` is set) only as far
        as its short side stays at the minimum. RapidOCR first brings any page within its
        own 2,000 px (`max_side_len`, for recognition too), and reads its detector's two
        attributes on every call (3.10.0, pinned)."""
        detector = pipeline._load_det_model()  # loaded on first use
        smallest, most = self.settings.detection_min_side, self.settings.detection_max_side
        fitted = min(1.0, pipeline.max_side_len / max(size))
        long_side, short_side = max(size) * fitted, min(size) * fitted
        if most and long_side > most and short_side * most / long_side >= smallest:
            detector.limit_type, detector.limit_side_len = "max", most
        else:
            detector.limit_type, detector.limit_side_len = "min", smallest


def _lines(found: Any) -> list[Line]:
    texts, boxes = getattr(found, "txts", None), getattr(found, "boxes", None)
    if texts is None or boxes is None:
        return []
    word_results = getattr(found, "word_results", ()) or ()
    words_of = word_results if len(word_results) == len(texts) else [None] * len(texts)
    lines = []
    for polygon, text, score, words in zip(boxes, texts, found.scores, words_of, strict=True):
        box = _bounds(polygon)
        read = [
            Word(word_text, _bounds(points), round(float(word_score), 3))
            for word_text, word_score, points in (words or ())
            if word_text.strip() and points is not None
        ]
        # RapidOCR drops lines without word boxes from its word list, so its entries can be
        # another line's: the words must spell this line's text, else it is split by length.
        if "".join(word.text for word in read) != "".join(text.split()):
            read = _split(text, box, float(score))
        if read:
            lines.append(
                Line(words=tuple(replace(word, text=_as_printed(word.text)) for word in read), box=box)
            )
    return lines


# A zero between letters of a word in one case (PP-OCR read "TOTAL" as "T0TAL").
_ZERO_FOR_O = re.compile(r"[A-Z]+(?:0+[A-Z]+)+|[a-z]+(?:0+[a-z]+)+")
_PUNCTUATED = re.compile(r"([^\w]*)(.*?)([^\w]*)", re.S)


def _as_printed(text: str) -> str:
    """PP-OCR's look-alike misreadings of English text, seen on receipts: its recognition
    model's alphabet is Chinese and English, so a monospaced "x" standing alone (the
    "2 x 15.97" of a receipt's line) comes back as the multiplication sign, and the O of a
    word in capitals as a zero. Only those two forms are changed (punctuation around a word
    kept); codes that mix letters and digits otherwise ("ID0042", "A0") are left as read."""
    if text == "×":
        return "x"
    lead, core, trail = _PUNCTUATED.fullmatch(text).groups()  # type: ignore[union-attr]
    if _ZERO_FOR_O.fullmatch(core):
        return lead + core.replace("0", "O" if core.isupper() else "o") + trail
    return text


# RapidOCR's detector enlarges a page's short side to 736 pixels: a long thin strip would
# grow to gigabytes. Such a page is padded with white to this aspect ratio first (below and
# to the right, so no coordinate moves).
MAX_ASPECT = 4.0


def _within_aspect(image: Any) -> Any:
    from PIL import Image

    width, height = image.size
    if max(width, height) <= MAX_ASPECT * min(width, height):
        return image
    padded = Image.new(
        "RGB", (max(width, round(height / MAX_ASPECT)), max(height, round(width / MAX_ASPECT))), "white"
    )
    padded.paste(image, (0, 0))
    return padded


def _hugging_the_ink(lines: list[Line], gray: Any) -> list[Line]:
    """Each word's box shrunk to the ink inside it, and each line's to its words.

    PP-OCR's boxes are the detector's regions widened on purpose (its unclip ratio), about
    twice the text's height: polygons that hug the text are what clients draw, and what the
    layout step sizes check boxes by."""
    import numpy as np

    tight = []
    for line in lines:
        words = []
        for word in line.words:
            left, top, right, bottom = (round(v) for v in word.box)
            region = gray[max(top, 0) : max(bottom, 0), max(left, 0) : max(right, 0)]
            if region.size == 0:
                words.append(word)
                continue
            # Ink is what stands out from the region's paper, dark on light or light on dark.
            paper = int(np.median(region))
            ink = np.abs(region.astype(np.int16) - paper) > 60
            rows, columns = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
            if rows.size == 0:
                words.append(word)
                continue
            box = (
                float(max(left, 0) + columns[0]),
                float(max(top, 0) + rows[0]),
                float(max(left, 0) + columns[-1] + 1),
                float(max(top, 0) + rows[-1] + 1),
            )
            words.append(replace(word, box=box))
        boxes = [word.box for word in words]
        bounds = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        tight.append(replace(line, words=tuple(words), box=bounds))
    return tight


def _slope(found: Any) -> float:
    """The text's direction on the page in degrees (a skewed scan's), from the top edges of
    the long lines' quadrilaterals (PP-OCR's boxes follow the text)."""
    if found is None or found.boxes is None:
        return 0.0
    angles = []
    for polygon in found.boxes:
        (x0, y0), (x1, y1) = polygon[0], polygon[1]
        length = math.hypot(x1 - x0, y1 - y0)
        height = math.hypot(polygon[3][0] - x0, polygon[3][1] - y0)
        if length >= 3 * height > 0:
            angles.append(math.degrees(math.atan2(y1 - y0, x1 - x0)))
    return float(median(angles)) if angles else 0.0


def _bounds(points: Sequence[Sequence[float]]) -> Box:
    xs = [float(point[0]) for point in points]
    ys = [float(point[1]) for point in points]
    return (min(xs), min(ys), max(xs), max(ys))


def _split(text: str, box: Box, score: float) -> list[Word]:
    """Words of a line RapidOCR gave no word boxes for, each a share of the line's width
    by its length."""
    pieces = text.split()
    total = sum(len(piece) for piece in pieces) + max(0, len(pieces) - 1)
    left, top, right, bottom = box
    unit = (right - left) / total if total else 0.0
    words, at = [], left
    for piece in pieces:
        words.append(Word(piece, (at, top, at + unit * len(piece), bottom), round(score, 3)))
        at += unit * (len(piece) + 1)
    return words


def _doubtful(page: PageText) -> bool:
    """Too few words, read badly, or lines standing on end (a page turned by 90 degrees,
    whose words PP-OCR reads well but whose lines run down the image)."""
    if page.read_poorly(MIN_WORDS, DOUBTFUL_CONFIDENCE):
        return True
    standing = sum(line.box[3] - line.box[1] > 1.5 * (line.box[2] - line.box[0]) for line in page.lines)
    return standing >= 0.5 * len(page.lines)
