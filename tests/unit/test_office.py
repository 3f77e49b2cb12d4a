"""Office and HTML documents, read from their own structure (docsafe.office)."""

from __future__ import annotations

import io
import time
import zipfile
from typing import Any

import pytest
from docsafe.contract.errors import InvalidArgument, InvalidRequest, UnsupportedMediaType
from docsafe.contract.requests import check_document_for, check_image, checked_format
from docsafe.contract.result import build_analyze_result
from docsafe.documents import open_document
from docsafe.failures import InvalidContent
from docsafe.formats import OLE_SIGNATURE, SNIFF_BYTES, Format, sniff
from docsafe.office import blocks
from docsafe.specs import AnalysisSpec, ResultOptions

from tests.support import office
from tests.unit.test_documents import RecordingEngine


def analyzed(data: bytes, model: str = "prebuilt-layout", **options: Any) -> dict[str, Any]:
    engine = RecordingEngine()
    document = open_document(io.BytesIO(data))
    try:
        pages = [
            (n, document.page_text(n, engine, 200, layout=True)) for n in range(1, document.page_count + 1)
        ]
    finally:
        document.close()
    return build_analyze_result(model, pages, ResultOptions(**options))


def roles(result: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(paragraph.get("role"), paragraph["content"]) for paragraph in result["paragraphs"]]


def cells(table: dict[str, Any]) -> list[list[str]]:
    grid = [[""] * table["columnCount"] for _ in range(table["rowCount"])]
    for cell in table["cells"]:
        grid[cell["rowIndex"]][cell["columnIndex"]] = cell["content"]
    return grid


@pytest.mark.parametrize(
    ("make", "kind"),
    [
        (office.report_docx, Format.DOCX),
        (office.workbook_xlsx, Format.XLSX),
        (office.deck_pptx, Format.PPTX),
        (office.page_html, Format.HTML),
    ],
)
def test_each_office_format_is_told_by_its_first_bytes(make: Any, kind: Format) -> None:
    data = make()
    assert sniff(data[:SNIFF_BYTES]) is kind
    assert checked_format(data[:SNIFF_BYTES]) is kind


def test_a_zip_that_is_no_office_document_and_binary_office_files_are_refused_by_name() -> None:
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("notes.txt", "hello")
    assert sniff(plain.getvalue()) is None
    with pytest.raises(UnsupportedMediaType, match="DOCX, XLSX, PPTX or HTML"):
        checked_format(plain.getvalue())
    with pytest.raises(UnsupportedMediaType, match=r"Binary Office files \(\.doc"):
        checked_format(OLE_SIGNATURE + b"\0" * 600)
    assert sniff(b"  \n<!-- a page -->\n<!doctype HTML><p>x") is Format.HTML
    assert sniff(b"<p>a fragment is not a document</p>") is None


def test_a_word_report_gives_its_paragraphs_with_the_roles_of_their_styles() -> None:
    result = analyzed(office.report_docx())
    assert roles(result) == [
        ("pageHeader", "Acme Corporation"),
        ("title", "Quarterly report"),
        ("sectionHeading", "Sales by region"),
        (None, "Revenue grew in every region this quarter."),
        (None, "The outlook for next year is steady."),
        ("footnote", office.FOOTNOTE),
        ("pageFooter", "Confidential"),
    ]
    (table,) = result["tables"]
    assert cells(table) == office.REPORT_TABLE
    assert [c.get("kind") for c in table["cells"] if c["rowIndex"] == 0] == ["columnHeader"] * 3
    assert all("kind" not in c for c in table["cells"] if c["rowIndex"] > 0)
    # Every element's spans index its own text in content.
    content = result["content"]
    for paragraph in result["paragraphs"]:
        span = paragraph["spans"][0]
        assert content[span["offset"] : span["offset"] + span["length"]] == paragraph["content"]
    for cell in table["cells"]:
        span = cell["spans"][0]
        assert content[span["offset"] : span["offset"] + span["length"]] == cell["content"]


def test_an_office_page_has_no_geometry_on_the_wire() -> None:
    result = analyzed(office.report_docx())
    for page in result["pages"]:
        assert not {"width", "height", "unit", "angle"} & page.keys()
        assert page["words"] and all("polygon" not in word for word in page["words"])
        assert all("polygon" not in line for line in page["lines"])
    assert all("boundingRegions" not in paragraph for paragraph in result["paragraphs"])
    assert all("boundingRegions" not in cell for table in result["tables"] for cell in table["cells"])
    assert all("boundingRegions" not in table for table in result["tables"])


def test_a_word_page_break_starts_a_page_and_long_text_is_cut_into_pages_of_3000_characters() -> None:
    assert len(analyzed(office.report_docx())["pages"]) == 2
    assert len(analyzed(office.report_docx(page_break=False))["pages"]) == 1
    import docx

    document = docx.Document()
    for index in range(10):
        document.add_paragraph(f"Paragraph {index} " + "word " * 180)  # about 910 characters: 3 a page
    out = io.BytesIO()
    document.save(out)
    pages = analyzed(out.getvalue())["pages"]
    assert len(pages) == 4
    assert all(sum(len(w["content"]) + 1 for w in page["words"]) <= blocks.PAGE_CHARACTERS for page in pages)


def test_a_picture_in_a_word_document_is_read_by_the_engine_and_a_table_keeps_its_place() -> None:
    engine = RecordingEngine()
    document = open_document(io.BytesIO(office.report_docx(picture_text="PICTURE TEXT")))
    page = document.page_text(1, engine, 200, layout=True)
    assert len(engine.images) == 1 and engine.images[0].size == (1200, 200)
    texts = [line.text for line in page.lines]
    assert texts.index("South") < texts.index("ocr")  # after the table


def test_a_workbook_gives_a_page_a_sheet_and_its_used_cells_as_a_table() -> None:
    result = analyzed(office.workbook_xlsx())
    assert len(result["pages"]) == 2
    first, second = result["tables"]
    assert cells(first) == [
        ["Item", "Price", "Since"],
        ["Widget", "2.5", "2026-03-01"],
        ["Gadget", "10", "2026-04-15"],
    ]
    assert cells(second) == [["Prices exclude tax"]]  # its used range, from B2


def test_a_sheet_claiming_a_million_rows_is_read_as_what_it_holds_and_one_spanning_too_much_is_refused() -> (
    None
):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet["A1"] = "only cell"
    out = io.BytesIO()
    workbook.save(out)
    claimed = office.rewritten(
        out.getvalue(),
        lambda name, data: (name, data.replace(b'<dimension ref="A1"', b'<dimension ref="A1:XFD1048576"')),
    )
    started = time.monotonic()
    assert cells(analyzed(claimed)["tables"][0]) == [["only cell"]]
    assert time.monotonic() - started < 10

    wide = openpyxl.Workbook(write_only=True)
    sheet = wide.create_sheet()
    for _ in range(200):
        sheet.append([None] * 16383 + ["far right"])
    out = io.BytesIO()
    wide.save(out)
    with pytest.raises(InvalidContent, match="A sheet spans more than"):
        open_document(io.BytesIO(out.getvalue()))


def test_a_slide_deck_gives_a_page_a_slide_with_titles_text_and_tables() -> None:
    result = analyzed(office.deck_pptx())
    assert len(result["pages"]) == 2
    assert roles(result) == [
        ("title", "Launch plan"),
        (None, "Spring release"),
        ("title", "Milestones"),
        (None, "Beta ships in March"),
    ]
    (table,) = result["tables"]
    assert cells(table) == [["Stage", "Date"], ["Beta", "March"]]
    assert [c.get("kind") for c in table["cells"]] == ["columnHeader", "columnHeader", None, None]


def test_a_picture_on_a_slide_is_read_by_the_engine() -> None:
    engine = RecordingEngine()
    document = open_document(io.BytesIO(office.deck_pptx(picture_text="ON THE SLIDE")))
    assert document.page_text(1, engine, 200).lines and not engine.images
    page = document.page_text(2, engine, 200)
    assert len(engine.images) == 1 and "ocr" in [line.text for line in page.lines]


def test_a_web_page_gives_its_headings_paragraphs_lists_and_tables_and_nothing_of_its_head_or_scripts() -> (
    None
):
    result = analyzed(office.page_html())
    assert roles(result) == [
        ("title", "Field guide"),
        (None, "Birds of the northern coast & islands."),
        ("sectionHeading", "Species"),
        (None, "Table 1: Sightings"),
        (None, "Bring binoculars"),
        (None, "Stay on paths"),
    ]
    assert "not text" not in result["content"] and "Ignored" not in result["content"]
    (table,) = result["tables"]
    assert cells(table) == [["Species", "Count"], ["Puffin", "42"], ["Gannet", "17"]]
    assert [c.get("kind") for c in table["cells"]] == [
        "columnHeader",
        "columnHeader",
        "rowHeader",
        None,
        "rowHeader",
        None,
    ]
    assert table["caption"]["content"] == "Table 1: Sightings"


def test_html_spans_nested_tables_unclosed_heads_and_declared_charsets_are_read_as_a_browser_would() -> None:
    page = (
        '<html><head><meta charset="iso-8859-1"><title>t</title>'
        "<body><p>Caf\xe9</p>"
        '<table><tr><td rowspan="2">A</td><td>B<table><tr><td>inner</td></tr></table></td></tr>'
        '<tr><td colspan="5000">C</td></tr></table>'
    ).encode("latin-1")
    result = analyzed(page)
    assert roles(result)[0] == (None, "Café")
    (table,) = result["tables"]
    assert cells(table)[0][:2] == ["A", "B inner"]
    c = next(cell for cell in table["cells"] if cell["content"] == "C")
    assert (c["rowIndex"], c["columnIndex"], c["columnSpan"]) == (1, 1, 1000)  # HTML's own cap
    assert next(cell for cell in table["cells"] if cell["content"] == "A")["rowSpan"] == 2


def test_a_zip_bomb_is_refused_before_any_part_is_inflated() -> None:
    bomb = office.zip_bomb_docx()
    assert len(bomb) < 2 * 1024 * 1024
    started = time.monotonic()
    with pytest.raises(InvalidContent, match="inflates"):
        open_document(io.BytesIO(bomb))
    assert time.monotonic() - started < 2


def test_an_xml_part_too_large_to_parse_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from docsafe.office import archive

    monkeypatch.setattr(archive, "MAX_XML_BYTES", 1024 * 1024)
    open_document(io.BytesIO(office.report_docx()))  # its parts are a few KB
    import docx

    document = docx.Document()
    for index in range(12000):  # a document.xml of about 1.1 MB
        document.add_paragraph(f"Paragraph {index} of a long report, with words enough to fill it.")
    out = io.BytesIO()
    document.save(out)
    with pytest.raises(InvalidContent, match="XML inflates past 1 MB in all"):
        open_document(io.BytesIO(out.getvalue()))


def test_a_zip_claiming_more_parts_than_allowed_is_refused_before_its_directory_is_read() -> None:
    end_of = office.report_docx()
    end = end_of.rfind(b"PK\x05\x06")
    for offset, value, size in (
        (10, 60000, 2),  # entries in all
        (12, 20 * 1024 * 1024, 4),  # the directory's bytes: zipfile reads entries for as long
    ):
        data = bytearray(end_of)
        data[end + offset : end + offset + size] = value.to_bytes(size, "little")
        with pytest.raises(InvalidContent, match="more than 10,000 parts"):
            open_document(io.BytesIO(bytes(data)))
    zip64 = end_of[:end] + b"PK\x06\x07" + b"\0" * 16 + end_of[end:]  # a ZIP64 locator before it
    with pytest.raises(InvalidContent, match="more than 10,000 parts"):
        open_document(io.BytesIO(zip64))
    with pytest.raises(InvalidContent, match="not a readable zip"):
        header = b"PK\x03\x04" + b"\0" * 22 + (17).to_bytes(2, "little") + b"\0\0"
        open_document(io.BytesIO(header + b"word/document.xml" + b"\0" * 100))


def test_a_table_spanning_too_many_rows_and_columns_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "top left"
    workbook.active["XFD1048576"] = "far corner"
    out = io.BytesIO()
    workbook.save(out)
    started = time.monotonic()
    with pytest.raises(InvalidContent, match="A table spans more than 1,000,000 cells"):
        open_document(io.BytesIO(out.getvalue()))
    assert time.monotonic() - started < 10
    page = "<table>" + "<tr><td>x</td></tr>" * 3 + '<tr><td colspan="1000">wide</td></tr>' + "</table>"
    monkeypatch.setattr(blocks, "MAX_TABLE_AREA", 3000)
    with pytest.raises(InvalidContent, match="A table spans more than 3,000 cells"):
        open_document(io.BytesIO(f"<html><body>{page}{page.replace('<tr>', '<tr><td>y</td>', 1)}".encode()))


def test_a_workbooks_sheets_are_counted_together(monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    monkeypatch.setattr(blocks, "MAX_SPANNED", 50)
    workbook = openpyxl.Workbook()
    for index in range(10):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        sheet["F1"] = "a"  # six cells a row spanned
    out = io.BytesIO()
    workbook.save(out)
    with pytest.raises(InvalidContent, match="sheets span more than 50 cells in all"):
        open_document(io.BytesIO(out.getvalue()))


def test_html_table_text_counts_against_the_documents_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "MAX_CHARACTERS", 1000)
    with pytest.raises(InvalidContent, match="more than 1,000 characters"):
        open_document(io.BytesIO(b"<html><table><tr><td>" + b"word " * 400 + b"</td></tr></table>"))


def test_a_declared_charset_that_is_no_text_encoding_is_read_as_utf8() -> None:
    result = analyzed(b'<html><head><meta charset="zlib"></head><body><p>Plain words</p></body></html>')
    assert result["content"] == "Plain words"


def test_xml_hidden_under_a_picture_name_still_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    from docsafe.office import archive

    def hide(name: str, data: bytes) -> tuple[str, bytes]:
        if name == "word/document.xml":
            return "word/media/image9.png", data + b" " * (2 * 1024 * 1024)
        return name, data.replace(b"word/document.xml", b"word/media/image9.png")  # the parts naming it

    hidden = office.rewritten(office.report_docx(), hide)
    monkeypatch.setattr(archive, "MAX_XML_BYTES", 1024 * 1024)
    with pytest.raises(InvalidContent, match="XML inflates past 1 MB"):
        open_document(io.BytesIO(hidden))


def test_a_part_larger_than_its_zip_says_is_refused_as_corrupted() -> None:
    good = office.report_docx()
    source = zipfile.ZipFile(io.BytesIO(good))
    lying = io.BytesIO()
    with zipfile.ZipFile(lying, "w", zipfile.ZIP_STORED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, source.read(item.filename))
    data = bytearray(lying.getvalue())
    # Shrink the declared size of word/document.xml in the central directory.
    name = b"word/document.xml"
    entry = data.rindex(b"PK\x01\x02", 0, data.rindex(name))
    data[entry + 24 : entry + 28] = (100).to_bytes(4, "little")
    with pytest.raises(InvalidContent, match="corrupted"):
        open_document(io.BytesIO(bytes(data)))


def test_xml_entities_are_never_expanded() -> None:
    with pytest.raises(InvalidContent, match="XML entities"):
        open_document(io.BytesIO(office.entity_bomb_docx()))
    with pytest.raises(InvalidContent, match="XML entities"):
        open_document(io.BytesIO(office.entity_bomb_xlsx()))


def test_a_truncated_office_document_is_refused_as_corrupted() -> None:
    for data in (office.report_docx(), office.workbook_xlsx(), office.deck_pptx()):
        with pytest.raises(InvalidContent, match="corrupted"):
            open_document(io.BytesIO(data[: len(data) // 2]))


def test_documents_past_the_text_and_table_limits_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "MAX_CHARACTERS", 100)
    with pytest.raises(InvalidContent, match="more than 100 characters"):
        open_document(io.BytesIO(office.report_docx()))
    monkeypatch.setattr(blocks, "MAX_CHARACTERS", 10**9)
    monkeypatch.setattr(blocks, "MAX_TABLE_CELLS", 3)
    for data in (office.report_docx(), office.workbook_xlsx(), office.deck_pptx(), office.page_html()):
        with pytest.raises(InvalidContent, match="more than 3 cells"):
            open_document(io.BytesIO(data))


def test_office_documents_are_refused_where_page_geometry_is_needed() -> None:
    check_document_for("prebuilt-layout", Format.DOCX, AnalysisSpec())
    check_document_for("my-model", Format.PDF, AnalysisSpec())
    with pytest.raises(InvalidRequest, match="read by prebuilt-read and prebuilt-layout"):
        check_document_for("my-model", Format.XLSX, AnalysisSpec())
    with pytest.raises(InvalidArgument, match="output=pdf"):
        check_document_for("prebuilt-read", Format.HTML, AnalysisSpec(searchable_pdf=True))
    with pytest.raises(InvalidRequest, match="JPEG, PNG, BMP, TIFF or PDF"):
        check_image(Format.PPTX)


def test_a_slides_linked_picture_is_left_and_the_rest_read() -> None:
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation(io.BytesIO(office.deck_pptx(picture_text="LINKED")))
    picture = next(shape for shape in deck.slides[1].shapes if shape.shape_type == 13)  # PICTURE
    blip = picture._element.xpath(".//a:blip")[0]
    rid = blip.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
    blip.attrib.pop("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed")
    blip.set("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}link", rid)
    deck.slides[1].shapes.add_textbox(Inches(1), Inches(6), Inches(4), Inches(1)).text_frame.text = "After it"
    out = io.BytesIO()
    deck.save(out)
    engine = RecordingEngine()
    document = open_document(io.BytesIO(out.getvalue()))
    texts = [line.text for line in document.page_text(2, engine, 200).lines]
    assert "After it" in texts and not engine.images


def test_an_embedded_picture_past_the_size_limit_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "MAX_PICTURE_BYTES", 1000)
    engine = RecordingEngine()
    document = open_document(io.BytesIO(office.report_docx(picture_text="TOO LARGE")))
    document.page_text(1, engine, 200)
    assert not engine.images


def test_a_word_documents_styles_and_run_formatting_give_each_words_look() -> None:
    result = analyzed(office.styled_docx(), style_font=True)
    content = result["content"]
    looks = {}
    for style in result["styles"]:
        for span in style["spans"]:
            looks[content[span["offset"] : span["offset"] + span["length"]]] = {
                key: value for key, value in style.items() if key not in ("spans", "confidence")
            }
    assert looks["Terms"]["fontWeight"] == "bold" and looks["Terms"]["color"] == "#365F91"  # its style's
    plain = {"similarFontFamily": "Arial", "fontStyle": "normal", "fontWeight": "normal"}
    assert looks["Plain words"] == plain
    assert looks["bold words"] == {**plain, "fontWeight": "bold"}
    assert looks["italic words"] == {**plain, "fontStyle": "italic"}
    assert looks["red words"] == {**plain, "color": "#C00000"}
    assert looks["marked words"] == {**plain, "backgroundColor": "#FFFF00"}
    assert all(style["confidence"] == 1.0 for style in result["styles"])
    assert analyzed(office.styled_docx())["styles"] == []  # not asked for


def test_a_documents_pictures_are_bounded_in_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocks, "MAX_PICTURES_BYTES", 1000)
    with pytest.raises(InvalidContent, match="pictures take more than"):
        open_document(io.BytesIO(office.report_docx(picture_text="ONE PICTURE")))


def test_a_paragraphs_lines_keep_each_words_style() -> None:
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph()
    paragraph.add_run("first line")
    paragraph.add_run().add_break()
    paragraph.add_run("second").bold = True
    paragraph.add_run(" line")
    out = io.BytesIO()
    document.save(out)
    page = open_document(io.BytesIO(out.getvalue())).page_text(1, RecordingEngine(), 200)
    looks = [(word.text, bool(word.style and word.style.bold)) for line in page.lines for word in line.words]
    assert looks == [("first", False), ("line", False), ("second", True), ("line", False)]


def test_bold_from_two_styles_toggles_off_and_a_themes_font_is_not_told() -> None:
    import docx

    document = docx.Document()
    heading = document.add_paragraph(style="Heading 1")  # bold by its style
    heading.add_run("Plain ")
    heading.add_run("Strong", style="Strong")  # bold again: Word shows it not bold
    out = io.BytesIO()
    document.save(out)
    page = open_document(io.BytesIO(out.getvalue())).page_text(1, RecordingEngine(), 200)
    (line,) = page.lines
    assert [(w.text, w.style.bold if w.style else None) for w in line.words] == [
        ("Plain", True),
        ("Strong", False),
    ]
    # The template's fonts are its theme's: no family is told for them.
    assert all(word.style is not None and word.style.family is None for word in line.words)
