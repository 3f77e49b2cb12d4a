"""The accuracy corpus: pages the benchmark draws itself, with the text it drew.

Every page is generated from a fixed seed, so runs compare like with like. Categories
follow Tesseract's measured weak spots (shared/design/ocr-engines.md): skew and turned
pages, white-on-black regions, faint and noisy scans, small text, columns, receipts and
tables — plus clean pages in every font found, as a control; and, where PP-OCR reads
better, photographs of a printed page and ID-card-like pages; and pages as business
documents come: printed and scanned (dense small print, JPEG), two-column articles and
forms (fields on rules, check boxes, a ruled table inside the page's frame).
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = ["/usr/share/fonts/truetype", "/usr/share/fonts/opentype"]
PREFERRED_FONTS = [
    "DejaVuSans.ttf",
    "DejaVuSerif.ttf",
    "DejaVuSansMono.ttf",
    "LiberationSans-Regular.ttf",
    "LiberationSerif-Regular.ttf",
    "LiberationMono-Regular.ttf",
    "DejaVuSans-Bold.ttf",
    "LiberationSans-Italic.ttf",
]
WORDS = [
    "account",
    "address",
    "amount",
    "annual",
    "balance",
    "bank",
    "branch",
    "building",
    "business",
    "charge",
    "city",
    "claim",
    "client",
    "company",
    "contract",
    "cost",
    "credit",
    "customer",
    "date",
    "delivery",
    "department",
    "deposit",
    "description",
    "document",
    "due",
    "employee",
    "energy",
    "estimate",
    "fee",
    "form",
    "freight",
    "holder",
    "income",
    "insurance",
    "interest",
    "invoice",
    "item",
    "letter",
    "limit",
    "loan",
    "member",
    "month",
    "net",
    "notice",
    "number",
    "office",
    "order",
    "owner",
    "payment",
    "period",
    "phone",
    "policy",
    "premium",
    "price",
    "quantity",
    "quarter",
    "rate",
    "receipt",
    "record",
    "reference",
    "refund",
    "rent",
    "report",
    "request",
    "residence",
    "sales",
    "schedule",
    "service",
    "shipping",
    "signature",
    "statement",
    "street",
    "subtotal",
    "supplier",
    "tax",
    "telephone",
    "terms",
    "total",
    "transfer",
    "unit",
    "value",
    "vendor",
    "weight",
    "year",
]


@dataclass(frozen=True)
class Sample:
    name: str
    category: str
    image: Image.Image
    text: str  # the words drawn, line by line, in reading order


def fonts() -> list[Path]:
    found = {p.name: p for d in FONT_DIRS if Path(d).is_dir() for p in Path(d).rglob("*.ttf")}
    return [found[name] for name in PREFERRED_FONTS if name in found]


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), size) if path else ImageFont.load_default(size=size)


def _sentence(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        roll = rng.random()
        if roll < 0.12:
            parts.append(f"{rng.randint(1, 9999)}")
        elif roll < 0.18:
            parts.append(f"{rng.randint(1, 999)}.{rng.randint(0, 99):02d}")
        elif roll < 0.21:
            parts.append(f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/20{rng.randint(10, 30)}")
        else:
            word = rng.choice(WORDS)
            parts.append(word.capitalize() if rng.random() < 0.15 else word)
    return " ".join(parts)


def _page(
    lines: list[str],
    font: ImageFont.FreeTypeFont,
    size: tuple[int, int],
    ink: int = 0,
    paper: int = 255,
    left: int = 70,
    top: int = 60,
    leading: float = 1.6,
) -> Image.Image:
    page = Image.new("L", size, paper)
    draw = ImageDraw.Draw(page)
    step = int(font.size * leading)
    for index, line in enumerate(lines):
        draw.text((left, top + index * step), line, font=font, fill=ink)
    return page


def _speckle(image: Image.Image, amount: float, seed: int) -> Image.Image:
    pixels = np.asarray(image).copy()
    rng = np.random.default_rng(seed)
    noise = rng.random(pixels.shape)
    pixels[noise < amount / 2] = 0
    pixels[noise > 1 - amount / 2] = 255
    return Image.fromarray(pixels)


def build(seed: int = 2026) -> Iterator[Sample]:
    rng = random.Random(seed)
    font_paths = fonts() or [None]  # type: ignore[list-item]
    main = font_paths[0]

    def lines(count: int, words: int = 8) -> list[str]:
        return [_sentence(rng, words) for _ in range(count)]

    for path in font_paths:
        text = lines(8)
        name = path.stem if path else "pillow-default"
        yield Sample(f"clean-{name}", "clean", _page(text, _font(path, 34), (1500, 900)), "\n".join(text))

    for size, width in ((15, 900), (12, 760)):
        text = lines(10, 9)
        page = _page(text, _font(main, size), (width, 520), left=30, top=30)
        yield Sample(f"small-{size}px", "small text", page, "\n".join(text))

    for degrees in (-7, -3, 2, 5):
        text = lines(7)
        page = _page(text, _font(main, 32), (1500, 800)).rotate(degrees, expand=True, fillcolor=255)
        yield Sample(f"skew{degrees:+d}", "skewed", page, "\n".join(text))

    for degrees in (90, 180, 270):
        text = lines(7)
        page = _page(text, _font(main, 32), (1500, 800)).rotate(degrees, expand=True, fillcolor=255)
        yield Sample(f"turned-{degrees}", "turned", page, "\n".join(text))

    for index, amount in enumerate((0.03, 0.06)):
        text = lines(8)
        page = _speckle(_page(text, _font(main, 32), (1500, 900)), amount, seed + index)
        yield Sample(f"speckle-{int(amount * 100)}pct", "noisy", page, "\n".join(text))
    text = lines(8)
    blurred = _speckle(
        _page(text, _font(main, 30), (1500, 900)).filter(ImageFilter.GaussianBlur(1.4)), 0.02, 9
    )
    yield Sample("blur-speckle", "noisy", blurred, "\n".join(text))

    for ink, paper in ((150, 205), (120, 160)):
        text = lines(8)
        page = _page(text, _font(main, 32), (1500, 900), ink=ink, paper=paper)
        yield Sample(f"faint-{ink}-on-{paper}", "low contrast", page, "\n".join(text))

    text_top, text_band, text_bottom = lines(3), lines(2), lines(3)
    page = _page(text_top, _font(main, 32), (1500, 1000))
    draw = ImageDraw.Draw(page)
    draw.rectangle([0, 380, 1500, 560], fill=20)
    for index, line in enumerate(text_band):
        draw.text((70, 400 + index * 70), line, font=_font(main, 32), fill=235)
    for index, line in enumerate(text_bottom):
        draw.text((70, 620 + index * 55), line, font=_font(main, 32), fill=0)
    yield Sample("inverted-band", "inverted", page, "\n".join(text_top + text_band + text_bottom))
    text = lines(7)
    yield Sample(
        "inverted-page",
        "inverted",
        _page(text, _font(main, 32), (1500, 800), ink=240, paper=15),
        "\n".join(text),
    )

    for index in range(2):
        left, right = lines(12, 5), lines(12, 5)
        page = _page(left, _font(main, 28), (1600, 1100))
        draw = ImageDraw.Draw(page)
        for row, line in enumerate(right):
            draw.text((850, 60 + row * int(28 * 1.6)), line, font=_font(main, 28), fill=0)
        yield Sample(f"two-columns-{index + 1}", "two columns", page, "\n".join(left + right))

    mono = next((p for p in font_paths if p and "Mono" in p.name), main)
    for index in range(2):
        items = []
        for _ in range(9):
            price = f"{rng.randint(1, 99)}.{rng.randint(0, 99):02d}"
            items.append(f"{rng.choice(WORDS).upper():<12}{rng.randint(1, 9):>2} x {price}")
        total = f"TOTAL {rng.randint(100, 999)}.{rng.randint(0, 99):02d}"
        text = ["STORE 0042 RECEIPT", *items, total]
        page = _page(text, _font(mono, 20), (560, 560), ink=90, paper=235, left=25, top=20, leading=1.45)
        yield Sample(f"receipt-{index + 1}", "receipt", page, "\n".join(text))

    for index in range(2):
        rows = [["Item", "Qty", "Price", "Total"]] + [
            [
                rng.choice(WORDS),
                str(rng.randint(1, 40)),
                f"{rng.randint(1, 99)}.{rng.randint(0, 99):02d}",
                f"{rng.randint(100, 999)}.{rng.randint(0, 99):02d}",
            ]
            for _ in range(5)
        ]
        page = Image.new("L", (1500, 700), 255)
        draw = ImageDraw.Draw(page)
        widths, height, x0, y0 = [500, 200, 300, 300], 80, 100, 100
        for row in range(len(rows) + 1):
            draw.line([(x0, y0 + row * height), (x0 + sum(widths), y0 + row * height)], fill=0, width=3)
        x = x0
        for column in range(len(widths) + 1):
            draw.line([(x, y0), (x, y0 + len(rows) * height)], fill=0, width=3)
            x += widths[column] if column < len(widths) else 0
        for r, cells in enumerate(rows):
            x = x0
            for c, cell in enumerate(cells):
                draw.text((x + 20, y0 + r * height + 22), cell, font=_font(main, 32), fill=0)
                x += widths[c]
        yield Sample(f"table-{index + 1}", "table", page, "\n".join(" ".join(r) for r in rows))

    # Photographs of a printed page: the sheet on a coloured desk, turned a little, lit
    # unevenly, a little out of focus (as a phone takes a page).
    for index, (desk, angle) in enumerate((((120, 85, 60), 4), ((60, 90, 120), -6))):
        text = lines(8, 7)
        sheet = _page(text, _font(main, 30), (1300, 820)).convert("RGB")
        photo = Image.new("RGB", (1600, 1150), desk)
        photo.paste(sheet.rotate(angle, expand=True, fillcolor=desk), (90, 60))
        shade = np.linspace(1.0, 0.72, photo.width)[None, :, None]
        lit = (np.asarray(photo, dtype=np.float32) * shade).clip(0, 255).astype(np.uint8)
        photographed = Image.fromarray(lit).filter(ImageFilter.GaussianBlur(0.9))
        yield Sample(f"photo-{index + 1}", "photographed", photographed, "\n".join(text))

    # ID-card-like pages: a small coloured card, labels and values, a number in a band.
    for index, (ground, band) in enumerate(
        (((215, 230, 245), (30, 70, 140)), ((240, 225, 200), (120, 40, 40)))
    ):
        surname, given = rng.choice(WORDS).upper(), rng.choice(WORDS).capitalize()
        number = f"ID{rng.randint(1000000, 9999999)}"
        born = f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1950, 2005)}"
        card = Image.new("RGB", (1000, 630), ground)
        draw = ImageDraw.Draw(card)
        draw.rectangle([0, 0, 1000, 110], fill=band)
        draw.text((40, 30), "IDENTITY CARD", font=_font(main, 44), fill=(255, 255, 255))
        fields = [("Surname", surname), ("Given names", given), ("Date of birth", born)]
        for row, (label, value) in enumerate(fields):
            draw.text((330, 150 + row * 110), label, font=_font(main, 24), fill=(70, 70, 90))
            draw.text((330, 185 + row * 110), value, font=_font(main, 36), fill=(10, 10, 30))
        draw.rectangle([40, 150, 290, 470], outline=(90, 90, 110), width=4)  # the photo's place
        draw.text((40, 540), number, font=_font(mono, 40), fill=(10, 10, 30))
        truth = ["IDENTITY CARD", *(f"{label} {value}" for label, value in fields), number]
        yield Sample(f"id-card-{index + 1}", "id card", card, "\n".join(truth))

    # Printed and scanned: a letter page at 200 dpi in 9-point serif type, its toner grey
    # on off-white paper, a slight tilt, sensor noise and JPEG compression.
    serif = next((p for p in font_paths if p and "Serif" in p.name), main)
    for index, (angle, blur) in enumerate(((0.4, 0.0), (-0.3, 0.8))):
        text = lines(30, 9)
        page = _page(text, _font(serif, 25), (1700, 2200), ink=45, paper=238, left=150, top=180, leading=1.5)
        page = page.rotate(angle, fillcolor=238, resample=Image.Resampling.BICUBIC)
        if blur:
            page = page.filter(ImageFilter.GaussianBlur(blur))
        noise = np.random.default_rng(seed + 20 + index).normal(0, 7, (page.height, page.width))
        page = Image.fromarray((np.asarray(page, dtype=np.float32) + noise).clip(0, 255).astype(np.uint8))
        yield Sample(f"scanned-print-{index + 1}", "printed and scanned", _jpeg(page, 55), "\n".join(text))

    # A two-column article: a headline across the page, then two columns of prose.
    headline = " ".join(rng.choice(WORDS).capitalize() for _ in range(5))
    left, right = lines(22, 6), lines(22, 6)
    page = Image.new("L", (1700, 1250), 255)
    draw = ImageDraw.Draw(page)
    draw.text((90, 50), headline, font=_font(main, 48), fill=0)
    for x, body in ((90, left), (900, right)):
        for row, line in enumerate(body):
            draw.text((x, 150 + row * 46), line, font=_font(serif, 27), fill=0)
    yield Sample("article", "two columns", page, "\n".join([headline, *left, *right]))

    # Form-like pages: fields written on rules, check boxes with their labels, and a ruled
    # table drawn inside the frame around the whole form.
    for index in range(2):
        page = Image.new("L", (1500, 1300), 255)
        draw = ImageDraw.Draw(page)
        draw.rectangle([30, 30, 1470, 1270], outline=0, width=3)
        title = f"{rng.choice(WORDS).upper()} APPLICATION FORM"
        draw.text((70, 60), title, font=_font(main, 40), fill=0)
        truth = [title]
        for row in range(4):
            label = rng.choice(WORDS).capitalize()
            value = f"{rng.choice(WORDS)} {rng.randint(10, 9999)}"
            y = 150 + row * 80
            draw.text((70, y), f"{label}:", font=_font(main, 30), fill=0)
            draw.line([(330, y + 38), (900, y + 38)], fill=0, width=2)
            draw.text((345, y), value, font=_font(mono, 30), fill=20)
            truth.append(f"{label}: {value}")
        options = [rng.choice(WORDS).capitalize() for _ in range(3)]
        for column, option in enumerate(options):
            x = 70 + column * 420
            draw.rectangle([x, 485, x + 30, 515], outline=0, width=3)
            if column == index:
                draw.line([(x + 5, 490), (x + 25, 510)], fill=0, width=3)
                draw.line([(x + 25, 490), (x + 5, 510)], fill=0, width=3)
            draw.text((x + 50, 482), option, font=_font(main, 30), fill=0)
        truth.append(" ".join(options))
        rows = [["Date", "Description", "Amount"]] + [
            [
                f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2026",
                rng.choice(WORDS),
                f"{rng.randint(1, 999)}.{rng.randint(0, 99):02d}",
            ]
            for _ in range(4)
        ]
        x0, y0, widths, height = 70, 600, [330, 580, 300], 75
        for r in range(len(rows) + 1):
            draw.line([(x0, y0 + r * height), (x0 + sum(widths), y0 + r * height)], fill=0, width=2)
        edges = [x0, x0 + widths[0], x0 + widths[0] + widths[1], x0 + sum(widths)]
        for x in edges:
            draw.line([(x, y0), (x, y0 + len(rows) * height)], fill=0, width=2)
        for r, cells in enumerate(rows):
            for c, cell in enumerate(cells):
                draw.text((edges[c] + 18, y0 + r * height + 20), cell, font=_font(main, 30), fill=0)
        truth += [" ".join(cells) for cells in rows]
        signature = f"Signature {rng.choice(WORDS)}"
        draw.text((70, 1150), signature, font=_font(main, 30), fill=0)
        truth.append(signature)
        yield Sample(f"form-{index + 1}", "form", page, "\n".join(truth))


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("L")
