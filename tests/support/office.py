"""Office and HTML documents the tests make: a report with a title, headings, a table
with a header row and a merged cell, a footnote, a header and a footer; a workbook; a
slide deck; a web page; and hostile ones (a zip bomb, XML entities)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from tests.support.documents import encode, text_image

REPORT_TABLE = [["Region", "Units", "Revenue"], ["North", "120", "4,800"], ["South", "95", "3,610"]]
FOOTNOTE = "Figures are unaudited."


def report_docx(picture_text: str | None = None, page_break: bool = True) -> bytes:
    """A Word report: title, heading, paragraph, a 3×3 table (first row a header, repeated
    on each page), a page break, a second page; header and footer; one footnote; with
    `picture_text`, a picture of that text after the table."""
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Acme Corporation"
    section.footer.paragraphs[0].text = "Confidential"
    document.add_heading("Quarterly report", 0)
    document.add_heading("Sales by region", 1)
    paragraph = document.add_paragraph("Revenue grew in every region this quarter.")
    _add_footnote(document, paragraph, FOOTNOTE)
    table = document.add_table(rows=len(REPORT_TABLE), cols=len(REPORT_TABLE[0]))
    for r, row in enumerate(REPORT_TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    if picture_text is not None:
        document.add_picture(io.BytesIO(_picture(picture_text)))
    if page_break:
        document.add_page_break()
    document.add_paragraph("The outlook for next year is steady.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _add_footnote(document: object, paragraph: object, text: str) -> None:
    """A footnote on `paragraph` (python-docx writes none: the part is added by hand)."""
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from docx.oxml.ns import qn
    from docx.oxml.parser import OxmlElement

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    xml = (
        f'<w:footnotes xmlns:w="{w}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r>'
        "</w:p></w:footnote>"
        f'<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {text}</w:t>'
        "</w:r></w:p></w:footnote></w:footnotes>"
    )
    part = Part(
        PackURI("/word/footnotes.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml",
        xml.encode(),
        document.part.package,  # type: ignore[attr-defined]
    )
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)  # type: ignore[attr-defined]
    run = paragraph.add_run()  # type: ignore[attr-defined]
    reference = OxmlElement("w:footnoteReference")
    reference.set(qn("w:id"), "1")
    run._r.append(reference)


def _picture(text: str) -> bytes:
    return encode(text_image([text], size=(1200, 200), font_size=48), "PNG")


def workbook_xlsx() -> bytes:
    """Two sheets: a price list (with a number, a date and a formula's cached value) and
    a second sheet of one cell."""
    import datetime

    import openpyxl

    workbook = openpyxl.Workbook()
    prices = workbook.active
    prices.title = "Prices"
    prices.append(["Item", "Price", "Since"])
    prices.append(["Widget", 2.5, datetime.datetime(2026, 3, 1)])
    prices.append(["Gadget", 10.0, datetime.datetime(2026, 4, 15)])
    notes = workbook.create_sheet("Notes")
    notes["B2"] = "Prices exclude tax"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def deck_pptx(picture_text: str | None = None) -> bytes:
    """Two slides: a title slide; a slide with a title, a bullet and a 2×2 table (and with
    `picture_text`, a picture of it)."""
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[0])
    first.shapes.title.text = "Launch plan"
    first.placeholders[1].text = "Spring release"
    second = deck.slides.add_slide(deck.slide_layouts[5])
    second.shapes.title.text = "Milestones"
    box = second.shapes.add_textbox(Inches(1), Inches(1.5), Inches(6), Inches(1))
    box.text_frame.text = "Beta ships in March"
    table = second.shapes.add_table(2, 2, Inches(1), Inches(3), Inches(4), Inches(1)).table
    for r, row in enumerate([["Stage", "Date"], ["Beta", "March"]]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    if picture_text is not None:
        second.shapes.add_picture(io.BytesIO(_picture(picture_text)), Inches(1), Inches(4.5))
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


PAGE_HTML = """<!DOCTYPE html>
<html><head><title>Ignored title</title><style>p { color: red }</style>
<script>document.write("not text")</script></head>
<body>
<h1>Field guide</h1>
<p>Birds of the <b>northern</b> coast&nbsp;&amp; islands.</p>
<h2>Species</h2>
<table>
<caption>Table 1: Sightings</caption>
<thead><tr><th>Species</th><th>Count</th></tr></thead>
<tbody>
<tr><th>Puffin</th><td>42</td></tr>
<tr><th>Gannet</th><td colspan="1">17</td></tr>
</tbody>
</table>
<ul><li>Bring binoculars</li><li>Stay on paths</li></ul>
<img src="http://169.254.169.254/latest/meta-data/" alt="never fetched">
</body></html>
"""


def page_html() -> bytes:
    return PAGE_HTML.encode()


def zip_bomb_docx(inflated: int = 600 * 1024 * 1024) -> bytes:
    """A DOCX-named zip with one part that inflates to `inflated` bytes (about a
    thousandth of that sent)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as part:
            chunk = b" " * (1024 * 1024)
            for _ in range(inflated // len(chunk)):
                part.write(chunk)
    return out.getvalue()


def entity_bomb_docx() -> bytes:
    """A DOCX whose document part declares a billion-laughs entity."""
    import docx

    document = docx.Document()
    document.add_paragraph("placeholder")
    out = io.BytesIO()
    document.save(out)
    laughs = '<!DOCTYPE w:document [<!ENTITY a "hahahahahahahahahaha">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    return _with_doctype(out.getvalue(), "word/document.xml", laughs + "]>", "placeholder", "&i;")


def entity_bomb_xlsx() -> bytes:
    """An XLSX whose sheet declares an entity and uses it (defusedxml refuses any)."""
    doctype = '<!DOCTYPE worksheet [<!ENTITY e "boom">]>'
    return _with_doctype(workbook_xlsx(), "xl/worksheets/sheet1.xml", doctype, "Widget", "&e;")


def rewritten(package: bytes, edit: Callable[[str, bytes], tuple[str, bytes]]) -> bytes:
    """`package` (a zip) with each part as `edit(name, data)` gives it back: renamed, changed,
    or as it was."""
    source = zipfile.ZipFile(io.BytesIO(package))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            name, data = edit(item.filename, source.read(item.filename))
            archive.writestr(name, data)
    return out.getvalue()


def _with_doctype(package: bytes, part: str, doctype: str, text: str, reference: str) -> bytes:
    """`package` with `doctype` declared at the top of `part` and `text` there replaced by
    `reference` (an entity of it)."""

    def edit(name: str, data: bytes) -> tuple[str, bytes]:
        if name != part:
            return name, data
        xml = data.decode()
        end = xml.index("?>") + 2 if xml.startswith("<?xml") else 0
        return name, (xml[:end] + doctype + xml[end:]).replace(text, reference).encode()

    return rewritten(package, edit)


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)


def styled_docx() -> bytes:
    """A Word page whose styles say how its words look: a heading (bold and coloured by its
    style), a paragraph of plain, bold, italic, red and highlighted runs, in Arial."""
    import docx
    from docx.enum.text import WD_COLOR_INDEX
    from docx.shared import RGBColor

    document = docx.Document()
    document.add_heading("Terms", 1)
    paragraph = document.add_paragraph()
    for text, change in (
        ("Plain words ", None),
        ("bold words ", "bold"),
        ("italic words ", "italic"),
        ("red words ", "red"),
        ("marked words", "highlight"),
    ):
        run = paragraph.add_run(text)
        run.font.name = "Arial"
        if change == "bold":
            run.bold = True
        elif change == "italic":
            run.italic = True
        elif change == "red":
            run.font.color.rgb = RGBColor(0xC0, 0, 0)
        elif change == "highlight":
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
