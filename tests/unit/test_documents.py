import pytest
from docsafe.documents import open_document
from docsafe.engines.base import PageText
from docsafe.failures import InvalidContent, InvalidContentDimensions
from PIL import Image

from tests.support.documents import encode, multipage_tiff, scanned_pdf, text_image, text_pdf


class RecordingEngine:
    """Stands in for OCR: records what it was given, returns one fixed line."""

    name = "recording"

    def __init__(self) -> None:
        self.images: list[Image.Image] = []

    def read(self, image: Image.Image, layout: bool = False) -> PageText:
        from docsafe.engines.base import Line, Word

        self.images.append(image.copy())
        word = Word("ocr", (10.0, 10.0, 50.0, 30.0), 0.5)
        return PageText(image.width, image.height, "pixel", (Line((word,), word.box),))


def test_every_image_format_opens_and_is_read_by_the_engine() -> None:
    image = text_image(["x"], size=(200, 100))
    for fmt in ("PNG", "JPEG", "BMP", "TIFF"):
        engine = RecordingEngine()
        document = open_document(encode(image, fmt))
        page = document.page_text(1, engine, 300)
        assert (document.page_count, page.width, page.height, page.unit) == (1, 200, 100, "pixel")
        assert engine.images[0].size == (200, 100)


def test_tiff_pages_are_read_one_by_one() -> None:
    engine = RecordingEngine()
    document = open_document(
        multipage_tiff([text_image(["a"], size=(200, 100)), text_image(["b"], size=(300, 100))])
    )
    assert document.page_count == 2
    assert document.page_text(2, engine, 300).width == 300


def test_scanned_pdf_pages_are_rendered_and_measured_in_inches() -> None:
    engine = RecordingEngine()
    document = open_document(scanned_pdf([text_image(["x"], size=(300, 150))], resolution=100))
    page = document.page_text(1, engine, 200)
    assert page.unit == "inch" and page.width == pytest.approx(3.0) and page.height == pytest.approx(1.5)
    assert engine.images[0].size == (600, 300)  # rendered at 200 dpi
    assert page.lines[0].words[0].box == pytest.approx((0.05, 0.05, 0.25, 0.15))


def test_text_layer_is_used_without_ocr() -> None:
    engine = RecordingEngine()
    page = open_document(text_pdf([["Born digital", "two lines"]])).page_text(1, engine, 300)
    assert engine.images == []
    assert [line.text for line in page.lines] == ["Born digital", "two lines"]
    left, top, _right, bottom = page.lines[0].box
    assert 0.9 < left < 1.1 and 0.7 < top < bottom < 1.2  # 72 pt from the left, near the top


def test_broken_documents_fail_with_invalid_content() -> None:
    for data in (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, b"%PDF-1.7 garbage", text_pdf([["x"]])[:200]):
        with pytest.raises(InvalidContent):
            open_document(data)


def test_images_outside_the_size_limits_are_refused() -> None:
    with pytest.raises(InvalidContentDimensions):
        open_document(encode(Image.new("L", (10, 10), 255), "PNG"))
    with pytest.raises(InvalidContentDimensions):
        open_document(encode(Image.new("1", (12_000, 60), 1), "PNG"))
