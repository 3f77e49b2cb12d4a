"""Writes samples/letter.png, the document `make run` analyzes (kept in the repository).

Drawn with Pillow's built-in font so that it needs no system fonts.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

LINES = [
    "DocSafe Sample Letter",
    "",
    "To: Accounts Payable, Example Corp",
    "Invoice number: INV-2026-0042",
    "Amount due: 1,250.00 EUR",
    "",
    "Private documents stay in your own cloud account.",
    "Every page is encrypted and deleted within a day.",
]


def main() -> None:
    page = Image.new("L", (1275, 900), 255)
    draw = ImageDraw.Draw(page)
    title = ImageFont.load_default(size=44)
    body = ImageFont.load_default(size=32)
    y = 90
    for index, line in enumerate(LINES):
        font = title if index == 0 else body
        if line:
            draw.text((110, y), line, font=font, fill=0)
        y += 70 if index == 0 else 55
    target = Path(__file__).resolve().parents[2] / "samples" / "letter.png"
    page.save(target, optimize=True)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
