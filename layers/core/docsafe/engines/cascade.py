"""A reading policy, page by page: Tesseract first, PP-OCR where the page is hard.

Tesseract reads a clean page well and fast; PP-OCR reads the hard ones far better
(receipts' faint small print, the shared form and paystub) at several times the cost. A
page is hard when Tesseract's own confidence says so. Sending coloured pages (photographs,
ID cards) to PP-OCR unasked was measured too, and dropped: Tesseract read their words as
well, and PP-OCR on them made the corpus a third slower. The figures behind the choice
are in docs/benchmarks.md (make bench-accuracy, make bench-pages).
"""

from __future__ import annotations

from typing import Any

from docsafe.engines.base import OcrEngine, PageText

# A page goes to PP-OCR when more than this share of Tesseract's words are read with less
# than DOUBTFUL_WORD confidence (measured: a clean page 0 to 5 %, receipts 20 %, the shared
# form 14 %, the paystub 33 %; docs/benchmarks.md) ...
DOUBTFUL_WORD = 0.9
MAX_DOUBTFUL_SHARE = 0.10
# ... or its mean confidence is this low, or it read almost nothing.
MIN_MEAN = 0.85
MIN_WORDS = 3


class CascadeEngine:
    name = "cascade"

    def __init__(self, first: OcrEngine, second: OcrEngine):
        self.first = first
        self.second = second

    def read(self, image: Any, layout: bool = False) -> PageText:
        page = self.first.read(image, layout=layout)
        if not hard(page):
            return page
        return self.second.read(image, layout=layout)


def hard(page: PageText) -> bool:
    """Whether Tesseract's reading of a page is doubtful by its own confidences: many words
    it is unsure of (a few unsure ones, a stray mark or a smudged figure, are any page's)."""
    if page.read_poorly(MIN_WORDS, MIN_MEAN):
        return True
    confidences = page.confidences
    return sum(confidence < DOUBTFUL_WORD for confidence in confidences) > MAX_DOUBTFUL_SHARE * len(
        confidences
    )
