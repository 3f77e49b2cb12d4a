"""Hard pages: turned, skewed, inverted, faint, noisy and small text."""

from __future__ import annotations

import numpy as np
import pytest
from docsafe.contract.result import build_analyze_result
from docsafe.engines import preprocess
from docsafe.engines.tesseract import TesseractEngine
from PIL import Image, ImageDraw, ImageFont

from tests.support.documents import text_image, words_of

LINES = ["Quarterly revenue grew by twelve percent", "Invoice 4711 is due on March 3rd"]
EXPECTED = words_of(" ".join(LINES))


@pytest.fixture(scope="module")
def engine() -> TesseractEngine:
    return TesseractEngine()


def read_words(engine: TesseractEngine, image: Image.Image) -> set[str]:
    return words_of(" ".join(line.text for line in engine.read(image).lines))


@pytest.mark.parametrize("degrees", [-6, 3, 90, 180])
def test_turned_and_skewed_pages_are_read_and_their_angle_reported(
    engine: TesseractEngine, degrees: int
) -> None:
    original = text_image(LINES, size=(1500, 400))
    turned = original.rotate(degrees, expand=True, fillcolor=255)  # counter-clockwise
    page = engine.read(turned)
    assert words_of(" ".join(line.text for line in page.lines)) >= EXPECTED
    # The content was turned counter-clockwise: clockwise angle is the negative.
    expected = ((-degrees + 180) % 360) - 180 or 0
    assert page.angle == pytest.approx(expected if expected != -180 else 180, abs=0.6)


def test_polygons_of_a_skewed_page_land_on_its_ink(engine: TesseractEngine) -> None:
    turned = text_image(LINES, size=(1500, 400)).rotate(5, expand=True, fillcolor=255)
    result = build_analyze_result("prebuilt-read", [(1, engine.read(turned))])
    ink = np.asarray(turned.convert("L")) < 128
    for word in result["pages"][0]["words"]:
        xs, ys = word["polygon"][0::2], word["polygon"][1::2]
        cx, cy = int(sum(xs) / 4), int(sum(ys) / 4)
        assert ink[cy - 12 : cy + 12, cx - 25 : cx + 25].any(), word["content"]
        # a turned box: its top edge is not horizontal
        assert word["polygon"][1] != word["polygon"][3] or len(word["content"]) < 3


def test_white_on_black_regions_are_read(engine: TesseractEngine) -> None:
    page = text_image(["Normal dark text above the band"], size=(1500, 500))
    draw = ImageDraw.Draw(page)
    draw.rectangle([0, 250, 1500, 380], fill=0)
    draw.text((80, 290), "Hidden white words inside", font=ImageFont.load_default(size=40), fill=255)
    assert {"hidden", "white", "words", "inside", "normal"} <= read_words(engine, page)


def test_faint_noisy_and_small_text_is_read(engine: TesseractEngine) -> None:
    faint = text_image(LINES, size=(1500, 400)).point(lambda v: 170 if v < 128 else 215)
    assert read_words(engine, faint) >= EXPECTED

    noisy = np.asarray(text_image(LINES, size=(1500, 400))).copy()
    speckle = np.random.default_rng(7).random(noisy.shape) < 0.03
    noisy[speckle] = 0
    assert read_words(engine, Image.fromarray(noisy)) >= EXPECTED

    small = text_image(LINES, size=(520, 140), font_size=13)
    assert len(EXPECTED & read_words(engine, small)) >= len(EXPECTED) - 1


def test_preprocessing_leaves_clean_pages_alone() -> None:
    clean = text_image(LINES, size=(1500, 400))
    prepared = preprocess.prepare(clean)
    assert (prepared.scale, prepared.angle) == (1.0, 0.0)
    assert prepared.image.size == clean.size
    assert not preprocess.is_noisy(clean)


def test_receipt_rows_are_read_as_rows(engine: TesseractEngine) -> None:
    # Items in aligned columns, as a till prints them: Tesseract's column finder would
    # read all names, then all quantities (as vertical text), then all prices.
    items = [
        ("APPLES", 2, "3.10"),
        ("BREAD", 1, "2.45"),
        ("MILK", 3, "1.05"),
        ("RICE", 1, "4.99"),
        ("TEA", 2, "6.30"),
        ("SOAP", 4, "0.99"),
        ("EGGS", 1, "3.75"),
        ("SALT", 1, "0.80"),
    ]
    page = Image.new("L", (560, 560), 235)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=20)
    draw.text((25, 20), "STORE RECEIPT", font=font, fill=90)
    for row, (name, qty, price) in enumerate(items, start=1):
        y = 20 + row * 29
        draw.text((25, y), name, font=font, fill=90)
        draw.text((220, y), str(qty), font=font, fill=90)
        draw.text((243, y), "x", font=font, fill=90)
        draw.text((267, y), price, font=font, fill=90)
    read = [line.text for line in engine.read(page).lines]
    for name, _qty, price in items:
        assert any(name in line and price in line for line in read), read


def test_a_page_with_one_line_of_scanned_text_is_not_turned_into_speckle() -> None:
    # A JPEG-compressed scan with very little ink: stretching by a fixed share of dark
    # pixels once reached into the compression noise and the page read as nothing.
    import pypdfium2 as pdfium

    from tests.support.documents import scanned_pdf

    data = scanned_pdf([text_image(["Scanned page alpha"], size=(1275, 825))], resolution=150)
    page = pdfium.PdfDocument(data)[0].render(scale=300 / 72, grayscale=True).to_pil()
    assert preprocess.stretch_contrast(page) is page  # dark ink: left as it is
    assert [line.text for line in TesseractEngine().read(page).lines] == ["Scanned page alpha"]


def test_grey_ink_on_grey_paper_is_stretched() -> None:
    faint = text_image(["Faint grey letters"]).point(lambda v: 150 if v < 128 else 205)
    stretched = np.asarray(preprocess.stretch_contrast(faint))
    assert stretched.min() < 40 and stretched.max() > 240
