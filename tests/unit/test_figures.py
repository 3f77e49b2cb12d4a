"""Figures: pictures, charts and drawings found as the ink left once words and tables are
taken away (engines/figures.py), and how the result gives them."""

from __future__ import annotations

import io

import pytest
from docsafe.contract.result import build_analyze_result
from docsafe.documents import open_document
from docsafe.engines.figures import find_figures
from docsafe.engines.layout import binarize
from docsafe.engines.tesseract import TesseractEngine
from PIL import Image

from tests.support.documents import (
    CHART_BOX,
    PHOTO_BOX,
    REPORT_PAGE,
    captioned_table_page,
    encode,
    figure_page,
    form_image,
    scanned_pdf,
    styled_page,
    text_image,
)


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection over union of two boxes."""
    width = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    height = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = width * height
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


def layout_of(image: Image.Image) -> dict:
    document = open_document(encode(image, "PNG"))
    page = document.page_text(1, TesseractEngine(), 200, layout=True)
    return build_analyze_result("prebuilt-layout", [(1, page)])


def test_a_chart_and_a_photo_are_found_where_they_are_with_the_charts_caption() -> None:
    result = layout_of(figure_page())
    chart, photo = result["figures"]
    assert (chart["id"], photo["id"]) == ("1.1", "1.2")
    for figure, drawn in ((chart, CHART_BOX), (photo, PHOTO_BOX)):
        polygon = figure["boundingRegions"][0]["polygon"]
        assert overlap((polygon[0], polygon[1], polygon[4], polygon[5]), drawn) > 0.8
    assert chart["caption"]["content"] == "Figure 1: Shipments by quarter"
    assert "caption" not in photo


@pytest.mark.parametrize(
    "page",
    [
        pytest.param(lambda: styled_page(REPORT_PAGE), id="report"),
        pytest.param(captioned_table_page, id="ruled-table"),
        pytest.param(form_image, id="form"),
        pytest.param(lambda: text_image(["Quarterly report", "for the Zurich office"]), id="text"),
    ],
)
def test_text_tables_and_forms_are_no_figures(page) -> None:  # type: ignore[no-untyped-def]
    assert layout_of(page())["figures"] == []


def test_a_frame_drawn_around_text_is_no_figure() -> None:
    image = text_image(["Boxed notice", "inside a frame"], size=(1400, 700))
    from PIL import ImageDraw

    ImageDraw.Draw(image).rectangle([40, 40, 1360, 660], outline=0, width=4)
    assert layout_of(image)["figures"] == []
    empty = Image.new("L", (1400, 700), 255)
    ImageDraw.Draw(empty).rectangle([40, 40, 1360, 660], outline=0, width=4)
    assert find_figures(binarize(empty), [], [], 40) == []  # not filled


def test_words_the_engine_did_not_read_are_no_figure() -> None:
    unread = text_image(["Earnings", "Regular", "Overtime", "Holiday"], size=(900, 600))
    assert find_figures(binarize(unread), [], [], 40) == []  # bands a line high
    assert len(find_figures(binarize(figure_page()), [], [], 40)) >= 2


def test_a_scanned_pdfs_figures_are_in_inches() -> None:
    document = open_document(scanned_pdf([figure_page()], resolution=200))
    page = document.page_text(1, TesseractEngine(), 200, layout=True)
    assert page.unit == "inch" and len(page.figures) == 2
    chart = page.figures[0]
    assert overlap(chart, tuple(v / 200 for v in CHART_BOX)) > 0.8
    ((figure_id, png), _) = document.figure_images(1, page)
    assert figure_id == "1.1" and png.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(png)).mode == "RGB"  # in its colours


def test_prebuilt_read_gives_no_figures() -> None:
    document = open_document(encode(figure_page(), "PNG"))
    page = document.page_text(1, TesseractEngine(), 200, layout=False)
    assert page.figures == ()
    assert "figures" not in build_analyze_result("prebuilt-read", [(1, page)])


def test_a_page_sent_on_its_side_has_its_figures_where_they_are_on_it() -> None:
    """An engine that turned a page upright reports the angle; the figures are looked for
    on the page turned the same way, and their polygons land on the page as sent."""
    from docsafe.engines.base import PageText
    from docsafe.engines.figures import with_figures

    page = figure_page()
    turned = page.rotate(90, expand=True)  # on its side: (x, y) is now at (y, width - x)
    # What an engine reports of it: turned 270 degrees clockwise, its upright frame the page's.
    read = PageText(turned.width, turned.height, "pixel", angle=270.0, frame=(page.width, page.height))
    found = with_figures(read, turned)
    assert len(found.figures) == 2
    chart = found.figures[0]
    corners = [found.to_page(x, y) for x in (chart[0], chart[2]) for y in (chart[1], chart[3])]
    box = (
        min(x for x, _ in corners),
        min(y for _, y in corners),
        max(x for x, _ in corners),
        max(y for _, y in corners),
    )
    left, top, right, bottom = CHART_BOX
    assert overlap(box, (top, page.width - right, bottom, page.width - left)) > 0.8
