"""prebuilt-layout's paragraph roles, told from where a paragraph stands and how tall its
text is."""

from __future__ import annotations

from docsafe.contract.result import build_analyze_result
from docsafe.contract.roles import Paragraph, roles
from docsafe.engines.base import Line, PageText, Word

HEIGHT = 1000.0


def paragraph(top: float, text: str, height: float = 20.0, lines: int = 1) -> Paragraph:
    return Paragraph((50.0, top, 700.0, top + height * lines), tuple([text] * lines), tuple([height] * lines))


def test_margins_title_headings_and_page_numbers() -> None:
    page = [
        paragraph(20, "ACME Freight quarterly report", 14),  # in the top margin
        paragraph(120, "Shipping in 2026", 48),
        paragraph(220, "Volumes", 24),
        paragraph(270, "Volumes grew in every region this year and more.", 20, lines=4),
        paragraph(400, "Costs", 23),
        paragraph(450, "Fuel and port fees rose less than the volumes did.", 20, lines=3),
        paragraph(960, "Page 3 of 9", 14),  # in the bottom margin
    ]
    assert roles(page, HEIGHT, first_page=True) == [
        "pageHeader",
        "title",
        "sectionHeading",
        None,
        "sectionHeading",
        None,
        "pageNumber",
    ]
    # No title past the first page; a footer that is more than a number is a pageFooter
    later = [*page[:6], paragraph(960, "Confidential: ACME Freight", 14)]
    assert roles(later, HEIGHT, first_page=False) == [
        "pageHeader",
        "sectionHeading",
        "sectionHeading",
        None,
        "sectionHeading",
        None,
        "pageFooter",
    ]


def test_a_page_of_one_size_of_text_has_no_roles() -> None:
    page = [paragraph(100 + 100 * n, "Plain text of one size only.", 20 + n % 2, lines=2) for n in range(5)]
    assert roles(page, HEIGHT, first_page=True) == [None] * 5
    # and a page that is all margin has no header or footer either
    assert roles([paragraph(10, "7", 14)], HEIGHT, first_page=True) == [None]


def test_small_print_with_a_mark_at_the_foot_of_the_body_is_a_footnote() -> None:
    body = [paragraph(100 + 120 * n, "Body text of the usual size.", 20, lines=3) for n in range(5)]
    page = [
        *body,
        paragraph(820, "1 Source: port authority figures for 2025.", 15),
        paragraph(850, "* Estimated where ports did not report.", 15),
        paragraph(960, "Page 3 of 9", 14),
    ]
    assert roles(page, HEIGHT, first_page=False)[5:] == ["footnote", "footnote", "pageNumber"]
    # Not a footnote: small print without a mark, a mark in the usual size, small print
    # above the body's foot, or in the page's top two thirds.
    for odd in (
        paragraph(820, "Source: port authority figures for 2025.", 15),
        paragraph(820, "1 Numbered point in the usual size of text.", 20),
        paragraph(500, "1 Small print high up on the page.", 15),
    ):
        assert roles([*body, odd], HEIGHT, first_page=False)[-1] is None
    above_body = [*body, paragraph(820, "1 Small print.", 15), paragraph(880, "More body text.", 20, lines=2)]
    assert roles(above_body, HEIGHT, first_page=False)[-2] is None


def line(top: float, text: str, height: float, paragraph_id: int) -> Line:
    words = tuple(
        Word(word, (50.0 + 90 * n, top, 130.0 + 90 * n, top + height), 0.9)
        for n, word in enumerate(text.split())
    )
    return Line(words=words, box=(50.0, top, 50.0 + 90 * len(words), top + height), paragraph=paragraph_id)


def test_the_layout_result_carries_the_roles_and_read_carries_none() -> None:
    lines = (
        line(120, "Shipping in 2026", 48, 0),
        line(260, "Volumes grew in every region", 20, 1),
        line(290, "and fuel cost less", 20, 1),
        line(960, "12", 14, 2),
    )
    page = PageText(width=800, height=HEIGHT, unit="pixel", lines=lines)
    layout = build_analyze_result("prebuilt-layout", [(1, page)])
    assert [p.get("role") for p in layout["paragraphs"]] == ["title", None, "pageNumber"]
    assert all(not key.startswith("_") for p in layout["paragraphs"] for key in p)
    read = build_analyze_result("prebuilt-read", [(1, page)])
    assert all("role" not in p for p in read["paragraphs"])


def test_a_text_layer_without_heights_gets_no_height_roles() -> None:
    flat = [
        Paragraph((50.0, 100.0 * n + 100, 700.0, 100.0 * n + 100), ("Heading",), (0.0,)) for n in range(3)
    ]
    assert roles(flat, HEIGHT, first_page=True) == [None, None, None]


def test_a_tables_caption_above_and_footnotes_below_are_its_own() -> None:
    from docsafe.engines.base import Cell, Table

    table_box = (50.0, 200.0, 650.0, 300.0)
    cells = tuple(
        Cell(row, column, (50.0 + 300 * column, 200.0 + 50 * row, 350.0 + 300 * column, 250.0 + 50 * row))
        for row in range(2)
        for column in range(2)
    )
    lines = (
        line(150, "Table 1: Volumes by region", 20, 0),
        line(210, "Region Volume", 20, 1),
        line(260, "North 42", 20, 2),
        line(320, "* Estimated from port records", 20, 3),
        line(600, "Note unrelated to any table", 20, 4),
    )
    page = PageText(width=800, height=HEIGHT, unit="pixel", lines=lines, tables=(Table(cells, table_box),))
    result = build_analyze_result("prebuilt-layout", [(1, page)])
    (table,) = result["tables"]
    assert table["caption"]["content"] == "Table 1: Volumes by region"
    caption_span = table["caption"]["spans"][0]
    assert result["content"][caption_span["offset"] : caption_span["offset"] + caption_span["length"]] == (
        "Table 1: Volumes by region"
    )
    assert [note["content"] for note in table["footnotes"]] == ["* Estimated from port records"]
    assert table["caption"]["elements"][0].startswith("/paragraphs/")


def test_a_scanned_pages_footnote_is_told() -> None:
    from docsafe.documents import open_document
    from docsafe.engines.tesseract import TesseractEngine

    from tests.support.documents import REPORT_PAGE, encode, styled_page

    items = [
        *REPORT_PAGE[:-1],
        ("Body of the page goes on here with more words.", 36, 1200),
        ("1 Source: port authority figures for 2025.", 26, 1900),
        ("Page 3 of 9", 30, 2110),
    ]
    document = open_document(encode(styled_page(items), "PNG"))
    result = build_analyze_result(
        "prebuilt-layout", [(1, document.page_text(1, TesseractEngine(), 200, True))]
    )
    told = {paragraph["content"]: paragraph.get("role") for paragraph in result["paragraphs"]}
    assert told["1 Source: port authority figures for 2025."] == "footnote"
    assert told["Page 3 of 9"] == "pageNumber"
    assert told["Body of the page goes on here with more words."] is None
