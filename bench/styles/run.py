"""How well font styles are estimated on scans (features=styleFont, engines/styles.py).

    python -m bench.styles.run        (or: make bench-styles)

Pages are drawn with known styles — body text in black, lines in bold (a thicker stroke),
in red, in blue, white on a dark band — at three text sizes, then read as they are, and as
printed and scanned (blurred, 150 dpi, JPEG). Each word read is matched to the word drawn
(same line, same text); the figures are the share of matched words whose estimate is right.
"""

from __future__ import annotations

import io
import random
from collections import Counter
from dataclasses import dataclass

from docsafe.documents import open_document
from docsafe.engines.styles import WithStyles
from docsafe.engines.tesseract import TesseractEngine
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bench.report import write_section

WORDS = [
    "invoice",
    "payment",
    "account",
    "balance",
    "customer",
    "service",
    "delivery",
    "order",
    "total",
    "amount",
    "due",
    "date",
    "reference",
    "number",
    "contract",
    "period",
    "notice",
    "terms",
    "office",
    "region",
    "quarter",
    "report",
    "summary",
]


@dataclass(frozen=True)
class Drawn:
    words: tuple[str, ...]
    bold: bool
    color: str  # the hue class expected
    background: str


KINDS = (
    ("regular", False, (0, 0, 0), "#000000", None, "#FFFFFF"),
    ("bold", True, (0, 0, 0), "#000000", None, "#FFFFFF"),
    ("red", False, (200, 20, 20), "#FF0000", None, "#FFFFFF"),
    ("blue", False, (20, 40, 190), "#0000FF", None, "#FFFFFF"),
    ("white on navy", False, (255, 255, 255), "#FFFFFF", (10, 20, 110), "#0000FF"),
)


def page(seed: int, font_size: int) -> tuple[Image.Image, list[Drawn]]:
    rng = random.Random(seed)
    image = Image.new("RGB", (1700, 2200), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=font_size)
    drawn: list[Drawn] = []
    top = 120
    while top < 2000:
        _, bold, fill, color, band, background = KINDS[0] if rng.random() < 0.5 else rng.choice(KINDS[1:])
        words = tuple(rng.choice(WORDS) for _ in range(rng.randint(3, 7)))
        if band is not None:
            draw.rectangle([100, top - 10, 1600, top + font_size + 20], fill=band)
        stroke = max(1, font_size // 20) if bold else 0
        draw.text((120, top), " ".join(words), font=font, fill=fill, stroke_width=stroke, stroke_fill=fill)
        drawn.append(Drawn(words, bold, color, background))
        top += int(font_size * 2.2)
    return image, drawn


def scanned(image: Image.Image) -> bytes:
    small = image.resize((image.width * 150 // 200, image.height * 150 // 200), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.filter(ImageFilter.GaussianBlur(0.7)).save(out, "JPEG", quality=70)
    return out.getvalue()


def clean(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def measure(data: bytes, drawn: list[Drawn], counts: Counter[str]) -> None:
    document = open_document(data)
    read = document.page_text(1, WithStyles(TesseractEngine()), 200)
    lines = [line for line in read.lines if line.words]
    for truth in drawn:
        line = next((line for line in lines if [w.text for w in line.words] == list(truth.words)), None)
        if line is None:
            counts["lines not read exactly"] += 1
            continue
        for word in line.words:
            style = word.style
            counts["words"] += 1
            if style is None:
                counts["no style"] += 1
                continue
            counts["bold drawn"] += truth.bold
            counts["bold told"] += bool(style.bold)
            counts["bold right"] += truth.bold and bool(style.bold)
            counts["weight right"] += bool(style.bold) == truth.bold
            counts["color right"] += style.color == truth.color
            counts["background right"] += style.background == truth.background


def main() -> None:
    rows = []
    conditions = (("as drawn (PNG)", clean), ("printed and scanned (150 dpi, blur, JPEG 70)", scanned))
    for condition, encode in conditions:
        for size in (28, 40, 56):
            counts: Counter[str] = Counter()
            for seed in range(3):
                image, drawn = page(seed * 100 + size, size)
                measure(encode(image), drawn, counts)
            styled = counts["words"] - counts["no style"]
            precision = counts["bold right"] / counts["bold told"] if counts["bold told"] else 1.0
            recall = counts["bold right"] / counts["bold drawn"] if counts["bold drawn"] else 1.0
            rows.append(
                f"| {condition} | {size} px | {counts['words']} | {styled / counts['words']:.1%} | "
                f"{counts['weight right'] / styled:.1%} | {precision:.1%} / {recall:.1%} | "
                f"{counts['color right'] / styled:.1%} | {counts['background right'] / styled:.1%} |"
            )
            print(rows[-1])
    body = "\n".join(
        [
            "## Font styles on scans (bench/styles)",
            "",
            "features=styleFont on pages drawn with known styles (body text black; lines in bold, red, blue,",
            "and white on a navy band), three pages a row, read by Tesseract. A word counts where its line",
            "was read exactly. Colours are right when the hue class told (black, grey, white, six hues) is",
            "the one drawn. A born-digital PDF's styles come from its fonts and are exact",
            "(unit/test_styles.py).",
            "",
            "| pages | text height | words | styled | weight right | bold precision / recall "
            "| colour right | background right |",
            "|---|---|---|---|---|---|---|---|",
            *rows,
        ]
    )
    write_section("styles", "make bench-styles", body)


if __name__ == "__main__":
    main()
