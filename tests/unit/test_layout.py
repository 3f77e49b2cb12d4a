"""The embedded engine's layout: ruled tables, check boxes, key-value pairs, markdown."""

from __future__ import annotations

import pytest
from docsafe.contract.result import ResultOptions, build_analyze_result
from docsafe.engines.layout import binarize, find_selection_marks, find_tables
from docsafe.engines.tesseract import TesseractEngine
from docsafe_tools.local.template import REPO_ROOT
from PIL import Image, ImageDraw

from tests.support.documents import FORM_CHECKBOXES, FORM_FIELDS, FORM_TABLE, form_image


@pytest.fixture(scope="module")
def form_result() -> dict:
    page = TesseractEngine().read(form_image(), layout=True)
    return build_analyze_result("prebuilt-layout", [(1, page)], ResultOptions(key_value_pairs=True))


def test_a_ruled_table_is_found_with_its_cells_and_header(form_result: dict) -> None:
    (table,) = form_result["tables"]
    assert (table["rowCount"], table["columnCount"]) == (len(FORM_TABLE), len(FORM_TABLE[0]))
    grid = {(c["rowIndex"], c["columnIndex"]): c for c in table["cells"]}
    for row, cells in enumerate(FORM_TABLE):
        for column, text in enumerate(cells):
            cell = grid[(row, column)]
            assert cell["content"] == text
            assert (cell.get("kind") == "columnHeader") == (row == 0)
            span = cell["spans"][0]
            assert form_result["content"][span["offset"] : span["offset"] + span["length"]] == text


def test_check_boxes_are_selection_marks_with_their_state(form_result: dict) -> None:
    marks = form_result["pages"][0]["selectionMarks"]
    assert [m["state"] == "selected" for m in marks] == [checked for _, checked in FORM_CHECKBOXES]
    for mark in marks:
        span = mark["span"]
        assert (
            form_result["content"][span["offset"] : span["offset"] + span["length"]] == f":{mark['state']}:"
        )


def test_labels_and_check_boxes_become_key_value_pairs(form_result: dict) -> None:
    pairs = {kv["key"]["content"]: kv.get("value", {}).get("content") for kv in form_result["keyValuePairs"]}
    for label, value in FORM_FIELDS:
        assert pairs[label] == value
    for label, checked in FORM_CHECKBOXES:
        assert pairs[label] == (":selected:" if checked else ":unselected:")


def test_sections_list_paragraphs_and_the_table_in_reading_order(form_result: dict) -> None:
    (section,) = form_result["sections"]
    assert "/tables/0" in section["elements"]
    assert section["elements"][0] == "/paragraphs/0"
    table_words = {c["content"] for c in form_result["tables"][0]["cells"]}
    assert not any(p["content"] in table_words for p in form_result["paragraphs"])


def test_markdown_output_renders_the_table_as_a_pipe_table() -> None:
    page = TesseractEngine().read(form_image(), layout=True)
    result = build_analyze_result("prebuilt-layout", [(1, page)], ResultOptions(markdown=True))
    assert result["contentFormat"] == "markdown"
    expected = "\n".join(
        ["| " + " | ".join(FORM_TABLE[0]) + " |", "| --- | --- | --- |"]
        + ["| " + " | ".join(row) + " |" for row in FORM_TABLE[1:]]
    )
    assert expected in result["content"]
    for cell in result["tables"][0]["cells"]:
        span = cell["spans"][0]
        assert result["content"][span["offset"] : span["offset"] + span["length"]] == cell["content"]


def test_merged_cells_get_row_and_column_spans() -> None:
    # A 3x3 grid whose top row is one merged header cell
    image = Image.new("L", (700, 400), 255)
    draw = ImageDraw.Draw(image)
    xs, ys = [50, 250, 450, 650], [50, 150, 250, 350]
    for y in ys:
        draw.line([(50, y), (650, y)], fill=0, width=3)
    for x in xs:
        top = 50 if x in (50, 650) else 150  # inner rules stop below the header
        draw.line([(x, top), (x, 350)], fill=0, width=3)
    (table,) = find_tables(binarize(image), text_height=20)
    spans = {(c.row, c.column): (c.row_span, c.column_span) for c in table.cells}
    assert spans[(0, 0)] == (1, 3)
    assert (table.row_count, table.column_count, len(table.cells)) == (3, 3, 7)


def test_text_and_boxed_paragraphs_are_not_tables_or_marks() -> None:
    image = Image.new("L", (600, 300), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 580, 280], outline=0, width=3)  # a frame, one cell
    draw.text((40, 40), "O 0 D [] E", fill=0, font_size=30)
    binary = binarize(image)
    assert find_tables(binary, 30) == []
    assert find_selection_marks(binary, 30) == []


def framed_form() -> Image.Image:
    """A form drawn inside one frame: a ruled heading, a paragraph, a table whose sides are
    the frame's (a strip of filled boxes drawn under one of its rules), an address band
    with a single column rule, and an open area below."""
    image = Image.new("L", (1000, 1200), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle([40, 40, 960, 1160], outline=0, width=2)

    def rule(y: int) -> None:
        draw.line([(40, y), (960, y)], fill=0, width=2)

    for y in (120, 160, 260, 320, 380, 440, 500, 560, 700, 760):
        rule(y)
    for x in (300, 500, 700):
        draw.line([(x, 260), (x, 560)], fill=0, width=2)
    draw.line([(400, 700), (400, 760)], fill=0, width=2)
    draw.rectangle([710, 382, 910, 398], fill=0)
    return image


def test_a_ruled_table_inside_a_frame_around_the_whole_form_is_a_table_of_its_own() -> None:
    (table,) = find_tables(binarize(framed_form()), text_height=30)
    left, top, right, bottom = table.box
    assert abs(left - 40) <= 3 and abs(top - 260) <= 3 and abs(right - 960) <= 3 and abs(bottom - 560) <= 3
    assert (table.row_count, table.column_count, len(table.cells)) == (5, 4, 20)


SHARED_FORM = REPO_ROOT.parent / "shared" / "fixtures" / "textract" / "form.png"


@pytest.mark.skipif(not SHARED_FORM.is_file(), reason="shared Textract fixtures not present")
def test_the_shared_forms_household_table_is_found_as_textract_finds_it() -> None:
    """The real form's ruled table, drawn inside the frame of the whole form, with a grid
    of check boxes on its rules: Textract finds it 6 rows by 10 columns, its header's
    citizen and disabled columns each one cell over two (tests/unit/test_textract.py)."""
    page = TesseractEngine().read(Image.open(SHARED_FORM), layout=True)
    household = next(t for t in page.tables if t.row_count * t.column_count > 20)
    assert all(abs(a - b) <= 6 for a, b in zip(household.box, (60, 387, 959, 593), strict=True))
    assert (household.row_count, household.column_count) == (6, 10)
    merged = [(c.row, c.column, c.column_span) for c in household.cells if c.column_span > 1]
    assert merged == [(0, 5, 2), (0, 7, 2)]


def test_a_row_spanning_the_columns_in_the_middle_of_a_table_keeps_the_table_whole() -> None:
    image = Image.new("L", (800, 450), 255)
    draw = ImageDraw.Draw(image)
    for y in (50, 100, 150, 200, 250, 300, 350):
        draw.line([(50, y), (650, y)], fill=0, width=2)
    for x in (50, 650):
        draw.line([(x, 50), (x, 350)], fill=0, width=2)
    for x in (250, 450):  # the section's heading row, 200 to 250, spans all three columns
        draw.line([(x, 50), (x, 200)], fill=0, width=2)
        draw.line([(x, 250), (x, 350)], fill=0, width=2)
    (table,) = find_tables(binarize(image), text_height=20)
    assert (table.row_count, table.column_count) == (6, 3)
    assert [(c.row, c.column_span) for c in table.cells if c.column_span > 1] == [(3, 3)]


def test_a_slightly_skewed_table_keeps_its_rules() -> None:
    image = Image.new("L", (900, 500), 255)
    draw = ImageDraw.Draw(image)
    for y in (60, 130, 200, 270, 340):
        draw.line([(60, y), (840, y)], fill=0, width=2)
    for x in (60, 320, 580, 840):
        draw.line([(x, 60), (x, 340)], fill=0, width=2)
    skewed = image.rotate(0.4, fillcolor=255, resample=Image.Resampling.BICUBIC)
    (table,) = find_tables(binarize(skewed), text_height=20)
    assert (table.row_count, table.column_count, len(table.cells)) == (4, 3, 12)


def test_a_check_box_on_a_born_digital_page_takes_no_words_but_its_own() -> None:
    """The slack around a mark is two pixels in the page's unit (it was two inches on a
    text-layer page: every word near a check box was dropped)."""
    from docsafe.documents import open_document

    from tests.support.documents import _pdf_with_streams
    from tests.unit.test_documents import RecordingEngine

    stream = b"\n".join(
        [
            b"2 w 72 700 12 12 re S",  # an empty check box, a sixth of an inch
            b"BT /F1 14 Tf 92 702 Td (Agree to the terms) Tj ET",  # its label, beside it
            b"BT /F1 14 Tf 72 640 Td (Signed in Zurich on the first of May) Tj ET",  # an inch below
        ]
    )
    document = open_document(_pdf_with_streams([stream]))
    page = document.page_text(1, RecordingEngine(), 200, layout=True)
    assert len(page.selection_marks) == 1
    texts = [line.text for line in page.lines]
    assert texts == ["Agree to the terms", "Signed in Zurich on the first of May"]


def test_a_scanned_tables_first_column_under_an_empty_corner_is_its_row_headers() -> None:
    from docsafe.contract.result import build_analyze_result
    from docsafe.documents import open_document
    from docsafe.engines.tesseract import TesseractEngine

    from tests.support.documents import captioned_table_page, encode

    def kinds(rows: list[list[str]]) -> list[str | None]:
        document = open_document(encode(captioned_table_page(rows=rows), "PNG"))
        result = build_analyze_result(
            "prebuilt-layout", [(1, document.page_text(1, TesseractEngine(), 200, True))]
        )
        (table,) = result["tables"]
        return [cell.get("kind") for cell in table["cells"]]

    stub = [["", "Volume", "Change"], ["North", "4200", "12"], ["South", "3100", "4"]]
    assert kinds(stub) == ["stubHead", "columnHeader", "columnHeader"] + ["rowHeader", None, None] * 2
    named_corner = [["Region", "Volume", "Change"], ["North", "4200", "12"], ["South", "3100", "4"]]
    assert kinds(named_corner) == ["columnHeader"] * 3 + [None] * 6
