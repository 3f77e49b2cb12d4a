"""Documents the tests make themselves, with text they know."""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont


def text_image(lines: Sequence[str], size: tuple[int, int] = (1400, 600), font_size: int = 40) -> Image.Image:
    """A white page with `lines` in black, one under the other (Pillow's own font)."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=font_size)
    for index, line in enumerate(lines):
        draw.text((80, 80 + index * int(font_size * 1.8)), line, font=font, fill=0)
    return page


RECEIPT = [
    "CORNER SHOP 0042",
    *(
        f"{item:<14}{price}"
        for item, price in (
            ("BREAD", "2.40"),
            ("MILK", "1.15"),
            ("COFFEE", "6.90"),
            ("APPLES", "3.25"),
            ("CHEESE", "4.80"),
            ("BUTTER", "2.10"),
            ("TOTAL", "20.60"),
        )
    ),
]


def faint_receipt() -> Image.Image:
    """A receipt's faint grey print on grey paper (RECEIPT): Tesseract reads it with doubt,
    so the reading policy has PP-OCR read it."""
    page = Image.new("L", (520, 420), 235)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=20)
    for row, line in enumerate(RECEIPT):
        draw.text((25, 20 + row * 29), line, font=font, fill=90)
    return page


def encode(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def multipage_tiff(pages: Sequence[Image.Image]) -> bytes:
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=list(pages[1:]), compression="tiff_lzw")
    return buffer.getvalue()


def scanned_pdf(pages: Sequence[Image.Image], resolution: float = 150.0) -> bytes:
    """A PDF of page images with no text layer, as a scanner makes it."""
    buffer = io.BytesIO()

    def keep(page: Image.Image) -> Image.Image:
        return page if page.mode == "1" else page.convert("RGB")

    keep(pages[0]).save(
        buffer,
        format="PDF",
        save_all=True,
        append_images=[keep(page) for page in pages[1:]],
        resolution=resolution,
    )
    return buffer.getvalue()


def text_pdf(pages: Sequence[Sequence[str]], font_size: int = 14) -> bytes:
    """A born-digital PDF: each page's lines as real text (Helvetica), Letter size."""
    streams = []
    for lines in pages:
        commands = [b"BT", f"/F1 {font_size} Tf".encode(), f"{font_size * 1.5:.1f} TL".encode(), b"72 720 Td"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            commands.append(f"({escaped}) Tj T*".encode("latin-1"))
        commands.append(b"ET")
        streams.append(b"\n".join(commands))
    return _pdf_with_streams(streams)


def styled_text_pdf() -> bytes:
    """A born-digital page in three fonts and two colours: Helvetica (black), a line in
    Helvetica-Bold, one in Times-Italic, one red."""
    stream = b"\n".join(
        [
            b"BT /F1 14 Tf 72 720 Td (Regular words in Helvetica) Tj ET",
            b"BT /F2 14 Tf 72 690 Td (Bold words here) Tj ET",
            b"BT /F3 14 Tf 72 660 Td (Italic words there) Tj ET",
            b"BT 1 0 0 rg /F1 14 Tf 72 630 Td (Red warning) Tj ET",
        ]
    )
    return _pdf_with_streams([stream], fonts=("Helvetica", "Helvetica-Bold", "Times-Italic"))


def _pdf_with_streams(page_streams: Sequence[bytes], fonts: Sequence[str] = ("Helvetica",)) -> bytes:
    """A Letter-size PDF with one content stream per page and `fonts` as /F1, /F2, …"""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the page ids are known
    pages_id = add(b"")
    font_ids = [
        add(b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % name.encode())
        for name in fonts
    ]
    font_resources = b" ".join(b"/F%d %d 0 R" % (index + 1, ref) for index, ref in enumerate(font_ids))
    page_ids = []
    for page_stream in page_streams:
        stream = zlib.compress(page_stream)
        content = add(
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"
        )
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << %s >> >> >>" % (pages_id, content, font_resources)
            )
        )
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id
    kids = b" ".join(b"%d 0 R" % page for page in page_ids)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))

    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    )
    return out.getvalue()


def text_pdf_with_table() -> bytes:
    """A born-digital page with a 2x2 ruled table: text layer words, drawn rules."""
    rules = [
        "1 w",
        "72 700 m 372 700 l S",
        "72 670 m 372 670 l S",
        "72 640 m 372 640 l S",
        "72 700 m 72 640 l S",
        "222 700 m 222 640 l S",
        "372 700 m 372 640 l S",
    ]
    words = [(80, 680, "Name"), (230, 680, "Value"), (80, 650, "alpha"), (230, 650, "42")]
    commands = rules + ["BT /F1 12 Tf"] + [f"1 0 0 1 {x} {y} Tm ({text}) Tj" for x, y, text in words] + ["ET"]
    return _pdf_with_streams([b"\n".join(c.encode() for c in commands)])


def words_of(text: str) -> set[str]:
    """Lower-case words without punctuation, for comparing OCR output with what we drew."""
    return {word.strip(".,:;!?()").lower() for word in text.split() if word.strip(".,:;!?()")}


FORM_FIELDS = [("Name:", "John Smith"), ("Date:", "2026-03-14"), ("Policy:", "PX-4471")]
FORM_TABLE = [
    ["Item", "Qty", "Price"],
    ["Apples", "3", "1.50"],
    ["Pears", "12", "4.20"],
    ["Plums", "7", "2.80"],
]
FORM_CHECKBOXES = [("Email", True), ("Post", False)]


def form_image(size: tuple[int, int] = (1700, 1400), font_size: int = 36) -> Image.Image:
    """A filled form: labelled fields, a ruled table and two check boxes."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=font_size)
    draw.text((100, 70), "Order Form", font=font, fill=0)
    y = 170
    for label, value in FORM_FIELDS:
        draw.text((100, y), label, font=font, fill=0)
        draw.text((360, y), value, font=font, fill=0)
        y += 70
    # The table: 4 rows x 3 columns, ruled.
    left, top, widths, row_height = 100, 420, [500, 250, 300], 70
    right = left + sum(widths)
    for row in range(len(FORM_TABLE) + 1):
        draw.line([(left, top + row * row_height), (right, top + row * row_height)], fill=0, width=3)
    x = left
    for column in range(len(widths) + 1):
        draw.line([(x, top), (x, top + len(FORM_TABLE) * row_height)], fill=0, width=3)
        if column < len(widths):
            x += widths[column]
    for row, cells in enumerate(FORM_TABLE):
        x = left
        for column, text in enumerate(cells):
            draw.text((x + 20, top + row * row_height + 15), text, font=font, fill=0)
            x += widths[column]
    # Check boxes with their labels.
    y = top + len(FORM_TABLE) * row_height + 90
    x = 100
    for label, checked in FORM_CHECKBOXES:
        draw.rectangle([x, y, x + 32, y + 32], outline=0, width=3)
        if checked:
            draw.rectangle([x + 8, y + 8, x + 24, y + 24], fill=0)
        draw.text((x + 50, y - 4), label, font=font, fill=0)
        x += 400
    return page


def with_barcodes(page: Image.Image, codes: Sequence[tuple[str, str]], scale: int = 3) -> Image.Image:
    """The page with each (zxing-cpp format name, value) drawn on it, left to right below its
    top third, as a printer would (the tests make their barcodes with the same library)."""
    import numpy as np
    import zxingcpp

    drawn = page.convert("L").copy()
    x, y, row = 40, page.height // 3, 0
    for name, value in codes:
        symbol = zxingcpp.create_barcode(value, getattr(zxingcpp.BarcodeFormat, name))
        image = Image.fromarray(np.array(zxingcpp.write_barcode_to_image(symbol, scale=scale)))
        if x + image.width > page.width - 40:
            x, y, row = 40, y + row + 60, 0
        drawn.paste(image, (x, y))
        x, row = x + image.width + 80, max(row, image.height)
    return drawn


def styled_page(items: Sequence[tuple[str, int, int]], size: tuple[int, int] = (1700, 2200)) -> Image.Image:
    """A white page with each (text, font size, top) drawn at the left margin."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    for text, font_size, top in items:
        draw.text((150, top), text, font=ImageFont.load_default(size=font_size), fill=0)
    return page


# A report's first page: a running header, a title, headings over body text, a page number.
REPORT_PAGE = [
    ("ACME Freight internal", 26, 40),
    ("Shipping in 2026", 96, 300),
    ("Volumes", 56, 560),
    ("Volumes grew in every region this year.", 36, 660),
    ("The north grew most, the south least.", 36, 720),
    ("Costs", 56, 900),
    ("Fuel and port fees rose less than volumes.", 36, 1000),
    ("Wages rose with the new agreement.", 36, 1060),
    ("Page 3 of 9", 30, 2110),
]


# A ruled table with its caption above it and a footnote below.
CAPTIONED_TABLE = [["Region", "Volume", "Change"], ["North", "4200", "12"], ["South", "3100", "4"]]


def captioned_table_page(
    size: tuple[int, int] = (1700, 1100), font_size: int = 36, rows: Sequence[Sequence[str]] = CAPTIONED_TABLE
) -> Image.Image:
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=font_size)
    left, top, column, row_height = 120, 260, 450, 80
    draw.text((left, top - 80), "Table 1: Volumes by region", font=font, fill=0)
    right, bottom = left + column * 3, top + row_height * len(rows)
    for row in range(len(rows) + 1):
        draw.line([(left, top + row * row_height), (right, top + row * row_height)], fill=0, width=3)
    for index in range(4):
        draw.line([(left + index * column, top), (left + index * column, bottom)], fill=0, width=3)
    for row, cells in enumerate(rows):
        for index, text in enumerate(cells):
            draw.text((left + index * column + 20, top + row * row_height + 18), text, font=font, fill=0)
    draw.text((left, bottom + 30), "* Estimated from port records", font=font, fill=0)
    return page


# A page with a paragraph, a bar chart (a figure) with its caption below, and a photo-like
# block of grey noise (a second figure).
CHART_BOX = (200, 420, 1000, 1000)  # left, top, right, bottom, in pixels
PHOTO_BOX = (1100, 420, 1550, 800)


def figure_page(size: tuple[int, int] = (1700, 1400), font_size: int = 36) -> Image.Image:
    import random

    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=font_size)
    draw.text((150, 150), "Shipments rose steadily through the year.", font=font, fill=0)
    draw.text((150, 220), "The chart shows each quarter.", font=font, fill=0)
    left, top, right, bottom = CHART_BOX
    draw.line([(left, top), (left, bottom)], fill=0, width=4)  # axes
    draw.line([(left, bottom), (right, bottom)], fill=0, width=4)
    for index, share in enumerate((0.35, 0.55, 0.7, 0.95)):
        x = left + 60 + index * 180
        draw.rectangle([x, bottom - share * (bottom - top), x + 110, bottom], fill=60)
    draw.text((left, bottom + 40), "Figure 1: Shipments by quarter", font=font, fill=0)
    noise = random.Random(7)
    for y in range(PHOTO_BOX[1], PHOTO_BOX[3], 4):
        for x in range(PHOTO_BOX[0], PHOTO_BOX[2], 4):
            draw.rectangle([x, y, x + 3, y + 3], fill=noise.randint(0, 200))
    return page


def style_page(size: tuple[int, int] = (1700, 900), font_size: int = 40) -> Image.Image:
    """A colour page: black body text, a line of bold (drawn with a thicker stroke), a red
    line, and white words on a dark blue band."""
    page = Image.new("RGB", size, (255, 255, 255))
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=font_size)
    draw.text((120, 100), "Payment is due within thirty days of the invoice date.", font=font, fill=(0, 0, 0))
    draw.text((120, 180), "Late payments carry a monthly fee of two percent.", font=font, fill=(0, 0, 0))
    draw.text((120, 260), "Total due now", font=font, fill=(0, 0, 0), stroke_width=2, stroke_fill=(0, 0, 0))
    draw.text((120, 340), "Account overdrawn", font=font, fill=(204, 0, 0))
    draw.text((120, 420), "Please keep this notice for your records.", font=font, fill=(0, 0, 0))
    draw.rectangle([100, 500, 1300, 600], fill=(0, 0, 102))
    draw.text((120, 525), "Customer service", font=font, fill=(255, 255, 255))
    return page
