"""Font styles (features=styleFont): estimated from the pixels of each word on scans and
images, read from the font on born-digital PDF pages (engines/styles.py)."""

from __future__ import annotations

import io

import pytest
from docsafe.contract.result import build_analyze_result
from docsafe.documents import open_document
from docsafe.engines.styles import WithStyles, estimated_color, hex_color
from docsafe.engines.tesseract import TesseractEngine
from docsafe.specs import ResultOptions
from PIL import Image, ImageFilter

from tests.support.documents import encode, scanned_pdf, style_page, styled_text_pdf

BODY = "Payment is due within thirty days of the invoice date."


def styles_of(document_bytes: bytes, model: str = "prebuilt-read") -> dict[str, dict]:
    """Each styled run of content, by its text."""
    document = open_document(document_bytes)
    page = document.page_text(1, WithStyles(TesseractEngine()), 200)
    result = build_analyze_result(model, [(1, page)], ResultOptions(style_font=True))
    content = result["content"]
    found = {}
    for style in result["styles"]:
        for span in style["spans"]:
            for part in content[span["offset"] : span["offset"] + span["length"]].split("\n"):
                found[part] = {key: value for key, value in style.items() if key != "spans"}
    return found


def scanned(image: Image.Image) -> bytes:
    """The page printed and scanned: blurred a little, JPEG-compressed."""
    out = io.BytesIO()
    image.filter(ImageFilter.GaussianBlur(0.8)).save(out, "JPEG", quality=70)
    return out.getvalue()


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: encode(style_page(), "PNG"), id="image"),
        pytest.param(lambda: scanned(style_page()), id="scanned-jpeg"),
        pytest.param(lambda: scanned_pdf([style_page()], resolution=200), id="scanned-pdf"),
    ],
)
def test_colour_background_and_weight_are_estimated_from_the_pixels(make) -> None:  # type: ignore[no-untyped-def]
    found = styles_of(make())
    assert found[BODY] == {
        "fontWeight": "normal",
        "color": "#000000",
        "backgroundColor": "#FFFFFF",
        "confidence": 0.7,
    }
    assert found["Total due now"]["fontWeight"] == "bold"
    assert found["Account overdrawn"]["color"] == "#FF0000"  # drawn #CC0000: told as red
    band = found["Customer service"]
    assert (band["color"], band["backgroundColor"]) == ("#FFFFFF", "#0000FF")  # on #000066: blue
    # What a scan cannot tell reliably is not told.
    assert all("similarFontFamily" not in style and "fontStyle" not in style for style in found.values())


def test_a_born_digital_pages_styles_come_from_its_fonts() -> None:
    found = styles_of(styled_text_pdf())
    assert found["Regular words in Helvetica"] == {
        "similarFontFamily": "Helvetica",
        "fontStyle": "normal",
        "fontWeight": "normal",
        "color": "#000000",
        "confidence": 1.0,
    }
    assert found["Bold words here"]["fontWeight"] == "bold"
    assert (found["Italic words there"]["similarFontFamily"], found["Italic words there"]["fontStyle"]) == (
        "Times",
        "italic",
    )
    assert found["Red warning"]["color"] == "#FF0000"


def test_without_the_feature_no_style_is_given() -> None:
    document = open_document(encode(style_page(), "PNG"))
    page = document.page_text(1, TesseractEngine(), 200)
    assert all(word.style is None for line in page.lines for word in line.words)
    styled = open_document(encode(style_page(), "PNG")).page_text(1, WithStyles(TesseractEngine()), 200)
    assert build_analyze_result("prebuilt-read", [(1, styled)])["styles"] == []


def test_too_few_words_tell_no_weight_and_faint_words_no_colour() -> None:
    few = Image.new("RGB", (900, 300), "white")
    from PIL import ImageDraw, ImageFont

    ImageDraw.Draw(few).text((60, 100), "Two words", font=ImageFont.load_default(size=48), fill=(0, 0, 0))
    found = styles_of(encode(few, "PNG"))
    assert "fontWeight" not in found["Two words"] and found["Two words"]["color"] == "#000000"


def test_estimated_colours_snap_so_that_one_ink_is_one_colour_and_exact_ones_do_not() -> None:
    assert estimated_color(28, 31, 25) == estimated_color(0, 0, 0) == "#000000"
    assert estimated_color(250, 248, 252) == "#FFFFFF"
    assert (
        estimated_color(204, 51, 51) == estimated_color(153, 0, 0) == estimated_color(204, 0, 0) == "#FF0000"
    )
    assert estimated_color(0, 0, 102) == "#0000FF"
    assert hex_color(204, 0, 0) == "#CC0000"


def test_a_font_name_tells_its_family_and_a_crafted_one_costs_nothing() -> None:
    import time

    from docsafe.engines.styles import text_layer_style

    assert text_layer_style("ABCDEF+Arial-BoldItalicMT", 0, 700, (0, 0, 0)).family == "Arial"
    assert text_layer_style("TimesNewRomanPSMT", 0, 400, None).family == "TimesNewRoman"
    started = time.monotonic()
    text_layer_style("psmt" * 200 + "x", 0, 400, None)
    assert time.monotonic() - started < 0.5
    assert text_layer_style("Times-Roman", 0, 400, None).family == "Times"
