"""Invoices, receipts, ID cards and passports the benchmark draws itself, with the values
it drew: several layouts, currencies and date conventions; MRZs with valid check digits;
each drawn clean, then printed and scanned, skewed, or photographed.

The tests draw their documents here too (tests/integration, tests/e2e): every value is
known, so a field read is right or wrong.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
from docsafe.prebuilt import mrz
from PIL import Image, ImageDraw, ImageFilter, ImageFont

Truth = dict[str, Any]  # field → value as the wire gives it (amount, ISO date, text, parts)


@dataclass
class Drawn:
    kind: str  # invoice, receipt, idDocument
    layout: str
    image: Image.Image
    truth: Truth = field(default_factory=dict)


_COMPANIES = ["Northwind Traders", "Contoso Supplies", "Fabrikam Tools", "Litware Systems", "Tailspin Parts"]
_CUSTOMERS = ["Alpine Ski House", "Blue Yonder Air", "Coho Winery", "Margie Travel", "Wide World Importers"]
_STREETS = ["Main Street", "Harbour Road", "Oak Avenue", "Station Lane", "Mill Road"]
_US_CITIES = [("Springfield", "IL", "62704"), ("Portland", "OR", "97205"), ("Austin", "TX", "78701")]
_DE_CITIES = [("Berlin", "10115"), ("Hamburg", "20095"), ("Munich", "80331")]
_UK_CITIES = [("London", "SW1A 1AA"), ("Leeds", "LS1 4AP"), ("Bristol", "BS1 5TR")]
_PRODUCTS = [
    "Consulting hours",
    "Office chairs",
    "Printer paper",
    "Network cables",
    "Desk lamps",
    "Software licence",
    "Cleaning service",
    "Monitor stands",
]
_GROCERIES = ["Coffee", "Bagel", "Orange juice", "Sandwich", "Muffin", "Green tea", "Salad", "Water"]
_FIRST = ["Anna Maria", "John", "Sofia", "Lukas", "Emma", "Oliver"]
_LAST = ["Eriksson", "Schmidt", "Garcia", "Novak", "Jensen", "Taylor"]


def _font(size: int, mono: bool = False, bold: bool = False) -> ImageFont.FreeTypeFont:
    """DejaVu where the machine has it (Tesseract's usual fonts), else Pillow's own."""
    name = "DejaVuSansMono.ttf" if mono else ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    for folder in ("/usr/share/fonts/truetype/dejavu",):
        try:
            return ImageFont.truetype(f"{folder}/{name}", size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def _money(amount: float, style: str) -> str:
    """An amount printed the way its currency's country prints it."""
    whole, cents = f"{amount:,.2f}".split(".")
    if style == "USD":
        return f"${whole}.{cents}"
    if style == "EUR":
        return f"{whole.replace(',', '.')},{cents} €"
    return f"£{whole}.{cents}"


def _date(day: date, style: str) -> str:
    if style == "USD":
        return day.strftime("%m/%d/%Y")
    if style == "EUR":
        return day.strftime("%d.%m.%Y")
    return f"{day.day} {day.strftime('%B %Y')}"


def _address(rng: random.Random, style: str) -> tuple[list[str], dict[str, str]]:
    number, street = str(rng.randint(2, 980)), rng.choice(_STREETS)
    if style == "USD":
        city, state, postal = rng.choice(_US_CITIES)
        return [f"{number} {street}", f"{city}, {state} {postal}"], {
            "city": city,
            "postalCode": postal,
            "houseNumber": number,
        }
    if style == "EUR":
        city, postal = rng.choice(_DE_CITIES)
        return [f"{street} {number}", f"{postal} {city}"], {
            "city": city,
            "postalCode": postal,
            "houseNumber": number,
        }
    city, postal = rng.choice(_UK_CITIES)
    return [f"{number} {street}", f"{city} {postal}"], {
        "city": city,
        "postalCode": postal,
        "houseNumber": number,
    }


def invoice(seed: int, layout: int) -> Drawn:
    """An A4-like page at 150 dpi: letterhead, numbers and dates, parties, items, totals."""
    rng = random.Random(seed)
    style = ("USD", "EUR", "GBP")[layout % 3]
    image = Image.new("L", (1240, 1754), 255)
    draw = ImageDraw.Draw(image)
    body, small, big = _font(24), _font(22), _font(40, bold=True)
    vendor, customer = rng.choice(_COMPANIES), rng.choice(_CUSTOMERS)
    vendor_lines, vendor_parts = _address(rng, style)
    customer_lines, customer_parts = _address(rng, style)
    number = f"INV-{rng.randint(2024, 2026)}-{rng.randint(100, 9999):04d}"
    issued = date(2026, rng.randint(1, 12), rng.randint(1, 28))
    due = issued + timedelta(days=rng.choice((14, 30, 45)))
    purchase_order = f"PO{rng.randint(10000, 99999)}"
    items = []
    for product in rng.sample(_PRODUCTS, rng.randint(2, 5)):
        quantity = rng.randint(1, 12)
        unit = rng.randint(5, 400) + rng.choice((0, 0.5, 0.99, 0.25))
        items.append((product, quantity, unit, round(quantity * unit, 2)))
    subtotal = round(sum(item[3] for item in items), 2)
    rate = {"USD": 0.08, "EUR": 0.19, "GBP": 0.20}[style]
    tax = round(subtotal * rate, 2)
    total = round(subtotal + tax, 2)

    draw.text((80, 80), vendor, font=big, fill=0)
    for index, line in enumerate(vendor_lines):
        draw.text((80, 140 + index * 34), line, font=body, fill=0)
    draw.text((80, 140 + 2 * 34), f"Phone: {_phone(rng, style)[0]}", font=body, fill=0)
    title = {"USD": "INVOICE", "EUR": "INVOICE", "GBP": "TAX INVOICE"}[style]
    draw.text((840, 80), title, font=big, fill=0)
    if layout % 3 == 1:
        # captions over values, in a band
        for column, (caption, value) in enumerate(
            (
                ("Invoice Number", number),
                ("Invoice Date", _date(issued, style)),
                ("Due Date", _date(due, style)),
            )
        ):
            draw.text((80 + column * 380, 330), caption, font=small, fill=0)
            draw.text((80 + column * 380, 364), value, font=body, fill=0)
        draw.text((80, 420), f"PO Number: {purchase_order}", font=body, fill=0)
    else:
        label = "Invoice No:" if layout % 3 == 0 else "Invoice #:"
        for row, (caption, value) in enumerate(
            (
                (label, number),
                ("Invoice Date:", _date(issued, style)),
                ("Due Date:", _date(due, style)),
                ("PO Number:", purchase_order),
            )
        ):
            draw.text((700, 160 + row * 38), caption, font=body, fill=0)
            draw.text((930, 160 + row * 38), value, font=body, fill=0)
    draw.text((80, 500), "Bill To:", font=_font(24, bold=True), fill=0)
    for index, line in enumerate([customer, *customer_lines]):
        draw.text((80, 536 + index * 34), line, font=body, fill=0)

    top = 720
    columns = (80, 640, 780, 1000)
    for x, caption in zip(columns, ("Description", "Qty", "Unit Price", "Amount"), strict=True):
        draw.text((x, top), caption, font=_font(24, bold=True), fill=0)
    draw.line([(70, top + 38), (1170, top + 38)], fill=0, width=2)
    for row, (product, quantity, unit, amount) in enumerate(items):
        y = top + 56 + row * 44
        draw.text((columns[0], y), product, font=body, fill=0)
        draw.text((columns[1], y), str(quantity), font=body, fill=0)
        draw.text((columns[2], y), _money(unit, style), font=body, fill=0)
        draw.text((columns[3], y), _money(amount, style), font=body, fill=0)
    y = top + 56 + len(items) * 44 + 30
    draw.line([(640, y - 14), (1170, y - 14)], fill=0, width=2)
    tax_label = {"USD": "Sales Tax", "EUR": "VAT 19%", "GBP": "VAT 20%"}[style]
    for row, (caption, amount) in enumerate((("Subtotal", subtotal), (tax_label, tax), ("Total", total))):
        draw.text((700, y + row * 40), caption, font=_font(24, bold=caption == "Total"), fill=0)
        draw.text(
            (1000, y + row * 40), _money(amount, style), font=_font(24, bold=caption == "Total"), fill=0
        )
    draw.text((80, y + 180), "Payment terms: Net 30", font=small, fill=0)
    truth: Truth = {
        "VendorName": vendor,
        "CustomerName": customer,
        "InvoiceId": number,
        "InvoiceDate": issued.isoformat(),
        "DueDate": due.isoformat(),
        "PurchaseOrder": purchase_order,
        "SubTotal": subtotal,
        "TotalTax": tax,
        "InvoiceTotal": total,
        "CustomerAddress": customer_parts,
        "VendorAddress": vendor_parts,
        "Items": [(product, amount) for product, _, _, amount in items],
        "currencyCode": style,
    }
    return Drawn("invoice", f"invoice-{style}", image, truth)


def _phone(rng: random.Random, style: str) -> tuple[str, str]:
    """A printed phone number and its E.164 form (numbers in ranges that validate)."""
    if style == "USD":
        area, line = rng.choice(("212", "415", "312")), rng.randint(1000, 9999)
        return f"({area}) 555-{line:04d}", f"+1{area}555{line:04d}"
    if style == "EUR":
        rest = rng.randint(1000000, 9999999)
        return f"+49 30 {rest}", f"+4930{rest}"
    rest = rng.randint(1000, 9999)
    return f"020 7946 {rest:04d}", f"+44207946{rest:04d}"


def receipt(seed: int, layout: int) -> Drawn:
    """A till receipt, 600 px wide: merchant, address, phone, date and time, items, totals."""
    rng = random.Random(seed)
    style = ("USD", "EUR")[layout % 2]
    rows = rng.randint(2, 6)
    image = Image.new("L", (640, 560 + rows * 40 + 240), 255)
    draw = ImageDraw.Draw(image)
    font, bold = _font(24, mono=layout % 2 == 1), _font(30, bold=True)
    merchant = rng.choice(("Corner Cafe", "Harbor Deli", "Green Market", "Sunrise Bakery"))
    address_lines, address_parts = _address(rng, style)
    printed_phone, phone = _phone(rng, style)
    when = date(2026, rng.randint(1, 12), rng.randint(1, 28))
    hour, minute = rng.randint(7, 21), rng.randint(0, 59)
    draw.text((40, 40), merchant, font=bold, fill=0)
    for index, line in enumerate(address_lines):
        draw.text((40, 90 + index * 32), line, font=font, fill=0)
    draw.text((40, 160), f"Tel: {printed_phone}", font=font, fill=0)
    draw.text(
        (40, 210),
        f"{_date(when, 'USD' if style == 'USD' else 'EUR')}  {hour:02d}:{minute:02d}",
        font=font,
        fill=0,
    )
    items = []
    y = 270
    for name in rng.sample(_GROCERIES, rows):
        quantity = rng.choice((1, 1, 1, 2, 3))
        price = rng.randint(1, 12) + rng.choice((0.0, 0.5, 0.25, 0.95))
        amount = round(quantity * price, 2)
        text = f"{quantity} x {name}" if quantity > 1 else name
        draw.text((40, y), text, font=font, fill=0)
        shown = _money(amount, style)
        draw.text((600 - draw.textlength(shown, font=font), y), shown, font=font, fill=0)
        items.append((name, amount))
        y += 40
    subtotal = round(sum(amount for _, amount in items), 2)
    tax = round(subtotal * (0.07 if style == "USD" else 0.19), 2)
    total = round(subtotal + tax, 2)
    y += 20
    for caption, amount in (
        ("Subtotal", subtotal),
        ("Tax" if style == "USD" else "VAT", tax),
        ("TOTAL", total),
    ):
        shown = _money(amount, style)
        draw.text((40, y), caption, font=font, fill=0)
        draw.text((600 - draw.textlength(shown, font=font), y), shown, font=font, fill=0)
        y += 40
    draw.text((40, y + 20), "Thank you!", font=font, fill=0)
    truth: Truth = {
        "MerchantName": merchant,
        "MerchantPhoneNumber": phone,
        "MerchantAddress": address_parts,
        "TransactionDate": when.isoformat(),
        "TransactionTime": f"{hour:02d}:{minute:02d}:00",
        "Subtotal": subtotal,
        "TotalTax": tax,
        "Total": total,
        "Items": items,
        "currencyCode": style,
    }
    return Drawn("receipt", f"receipt-{style}", image, truth)


def id_document(seed: int, passport: bool) -> Drawn:
    """An ID card (TD1) or a passport's data page (TD3), with a valid MRZ."""
    rng = random.Random(seed)
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    birth = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    expiry = date(rng.randint(2027, 2035), rng.randint(1, 12), rng.randint(1, 28))
    issued = expiry.replace(year=expiry.year - 10)
    sex = rng.choice("MF")
    prefix = "P" if passport else "D"
    number = f"{prefix}{rng.randint(10000000, 99999999)}"
    size = (1250, 880) if passport else (1012, 638)
    image = Image.new("L", size, 245)
    draw = ImageDraw.Draw(image)
    label, value = _font(18), _font(28)
    title = "PASSPORT  UTOPIA" if passport else "UTOPIA  IDENTITY CARD"
    draw.text((40, 30), title, font=_font(34, bold=True), fill=0)
    draw.rectangle([40, 100, 300, 440 if passport else 420], outline=90, width=3)  # the photo's place
    x = 340
    entries = [
        ("Surname", last.upper()),
        ("Given names", first.upper()),
        ("Date of birth", birth.strftime("%d.%m.%Y")),
        ("Sex", sex),
        ("Nationality", "UTO"),
        ("Document No", number),
        ("Date of expiry", expiry.strftime("%d.%m.%Y")),
    ]
    if passport:
        entries.insert(6, ("Date of issue", issued.strftime("%d.%m.%Y")))
    y = 95
    for index, (caption, text) in enumerate(entries):
        column = x + (index % 2) * 420 if not passport else x + (index % 2) * 440
        if index % 2 == 0 and index:
            y += 74
        draw.text((column, y), caption, font=label, fill=60)
        draw.text((column, y + 24), text, font=value, fill=0)
    lines = mrz.write("TD3" if passport else "TD1", "UTO", number, birth, sex, expiry, "UTO", last, first)
    zone_font = _font(30 if passport else 34, mono=True)
    base = size[1] - (150 if passport else 190)
    for index, line in enumerate(lines):
        draw.text((40, base + index * 48), line, font=zone_font, fill=0)
    truth: Truth = {
        "FirstName": first.upper(),
        "LastName": last.upper(),
        "DocumentNumber": number,
        "DateOfBirth": birth.isoformat(),
        "DateOfExpiration": expiry.isoformat(),
        "Sex": sex,
        "Nationality": "UTO",
        "docType": "idDocument.passport" if passport else "idDocument.nationalIdentityCard",
    }
    return Drawn("idDocument", "passport" if passport else "id card", image, truth)


# ------------------------------------------------------------------ how they were captured


def clean(image: Image.Image) -> bytes:
    return _png(image)


def scanned(image: Image.Image) -> bytes:
    """Printed and scanned: a little blur, speckle, JPEG at 70."""
    pixels = np.asarray(image.filter(ImageFilter.GaussianBlur(0.8)), dtype=np.int16)
    noise = np.random.default_rng(7).normal(0, 8, pixels.shape)
    noisy = Image.fromarray((pixels + noise).clip(0, 255).astype(np.uint8))
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=70)
    return out.getvalue()


def skewed(image: Image.Image) -> bytes:
    return _png(image.rotate(2.0, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC))


def photographed(image: Image.Image) -> bytes:
    """On a desk, turned a little, lit from one side, a little out of focus."""
    sheet = image.convert("RGB")
    desk = (96, 84, 70)
    photo = Image.new("RGB", (sheet.width + 160, sheet.height + 160), desk)
    photo.paste(sheet.rotate(-1.5, expand=True, fillcolor=desk, resample=Image.Resampling.BICUBIC), (70, 60))
    shade = np.linspace(1.0, 0.75, photo.width)[None, :, None]
    lit = (np.asarray(photo, dtype=np.float32) * shade).clip(0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(lit).filter(ImageFilter.GaussianBlur(0.7)).save(out, "JPEG", quality=85)
    return out.getvalue()


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


CAPTURES: dict[str, Callable[[Image.Image], bytes]] = {
    "clean": clean,
    "scanned": scanned,
    "skewed": skewed,
    "photographed": photographed,
}


def build(per_layout: int = 2) -> Iterator[Drawn]:
    for copy in range(per_layout):
        for layout in range(3):
            yield invoice(1000 + copy * 10 + layout, layout)
        for layout in range(2):
            yield receipt(2000 + copy * 10 + layout, layout)
        yield id_document(3000 + copy, passport=False)
        yield id_document(4000 + copy, passport=True)
