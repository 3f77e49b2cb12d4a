"""The reading policy: Tesseract's reading is kept where it is sure of it; a page it reads
with doubt goes to PP-OCR."""

from __future__ import annotations

from typing import Any

from docsafe.engines import create_engine
from docsafe.engines.base import Line, PageText, Word
from docsafe.engines.cascade import CascadeEngine, hard
from PIL import Image

from tests.support.documents import text_image


def page_with(*confidences: float) -> PageText:
    words = tuple(Word(f"w{n}", (n * 10.0, 0.0, n * 10.0 + 8, 10.0), c) for n, c in enumerate(confidences))
    return PageText(width=100, height=20, unit="pixel", lines=(Line(words=words, box=(0, 0, 100, 10)),))


class Stub:
    def __init__(self, name: str, page: PageText):
        self.name = name
        self.page = page
        self.calls = 0

    def read(self, image: Any, layout: bool = False) -> PageText:
        self.calls += 1
        return self.page


def test_a_sure_reading_is_kept_and_a_doubtful_one_goes_to_the_second_engine() -> None:
    sure, doubtful, second = page_with(0.97, 0.96, 0.99), page_with(0.97, 0.83, 0.81), page_with(0.9)
    first = Stub("tesseract", sure)
    neural = Stub("ppocr", second)
    gray = Image.new("L", (100, 100), 255)
    assert CascadeEngine(first, neural).read(gray) is sure and neural.calls == 0
    first.page = doubtful
    assert CascadeEngine(first, neural).read(gray) is second and neural.calls == 1


def test_doubt_is_many_unsure_words_a_low_mean_or_too_few_words() -> None:
    assert not hard(page_with(*[0.97] * 20))
    assert not hard(page_with(*([0.96] * 24 + [0.05])))  # one stray mark: any clean page has some
    assert hard(page_with(*([0.97] * 17 + [0.85] * 3)))  # 15 % unsure (a receipt), mean still 0.95
    assert hard(page_with(*[0.8] * 20))  # read poorly throughout
    assert hard(page_with(0.99, 0.99))  # nearly nothing read: let the other engine look


def test_a_coloured_page_read_with_confidence_stays_with_tesseract() -> None:
    """Measured: photographs and ID-card-like pages gained nothing from PP-OCR (make
    bench-accuracy), so colour alone sends no page there."""
    photo = Image.new("RGB", (300, 200), (200, 60, 40))
    first, neural = Stub("tesseract", page_with(*[0.97] * 10)), Stub("ppocr", page_with(0.9))
    CascadeEngine(first, neural).read(photo)
    assert (first.calls, neural.calls) == (1, 0)


def test_the_cascade_reads_a_clean_page_with_tesseract_alone() -> None:
    engine = create_engine("cascade")
    assert isinstance(engine, CascadeEngine)
    assert (engine.first.name, engine.second.name) == ("tesseract", "ppocr")
    engine.second = neural = Stub("ppocr", page_with())
    page = engine.read(text_image(["Invoice number 4711", "Total amount due 99 EUR"]))
    assert [line.text for line in page.lines] == ["Invoice number 4711", "Total amount due 99 EUR"]
    assert neural.calls == 0
