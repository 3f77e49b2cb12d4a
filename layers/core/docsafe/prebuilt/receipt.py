"""prebuilt-receipt over the words read: the merchant (the receipt's first lines), when
(a date and a time anywhere), the items (the rows that end in an amount, above the
totals), and the totals by their labels, checked against the items."""

from __future__ import annotations

import re
from collections.abc import Sequence

from docsafe.prebuilt import values
from docsafe.prebuilt.labelled import (
    BELOW,
    SAME_LINE,
    Conventions,
    LabelledFields,
    address_field,
    adds_up,
    amount_of,
    conventions_of,
    phone_field,
    string_field,
    weigh_totals,
)
from docsafe.prebuilt.reading import (
    FieldWriter,
    RawJson,
    Reading,
    TextLine,
    Token,
    array_field,
    document_spans,
    first_run,
    whole_page,
)

LABELS: dict[str, tuple[str, ...]] = {
    "Subtotal": ("subtotal", "sub total", "sub-total", "net total", "total net"),
    "TotalTax": ("total tax", "sales tax", "tax", "vat", "gst", "incl vat", "incl. vat"),
    "Tip": ("tip", "gratuity"),
    "Total": ("total", "amount due", "total due", "balance due", "grand total", "to pay"),
    "Phone": ("phone", "tel", "telephone", "ph"),
    "Payment": ("cash", "change", "card", "visa", "mastercard", "amex", "debit", "credit"),
}
ITEM_CERTAINTY = 0.9
_PRICE = re.compile(r"\d[.,]\d{2}(?!\d)")  # a till prints cents: "373" is a house number
_QUANTITY = re.compile(r"^(\d{1,3})\s*[xX@*]?$")
_UNIT_PRICE = re.compile(r"^@$")


def extract_receipt(pages: Sequence[RawJson]) -> RawJson:
    reading = Reading(pages)
    conventions = conventions_of(reading)
    found = LabelledFields(reading, LABELS, conventions)
    writer = found.writer
    fields: dict[str, RawJson] = {}
    totals_start = min(
        (label.line.index for label in found.labels if label.field in ("Subtotal", "TotalTax", "Total")),
        default=len(reading.lines),
    )
    header = _merchant(reading, totals_start)
    if header:
        fields["MerchantName"] = string_field(writer, header[0].tokens, BELOW)
        if place := address_field(writer, [line.tokens for line in header[1:4]], BELOW):
            fields["MerchantAddress"] = place
    region = conventions.region
    phone_lines = [label.line for label in found.of("Phone")] + reading.lines[: min(8, totals_start)]
    if phone := phone_field(writer, phone_lines, region):
        fields["MerchantPhoneNumber"] = phone
    _when(fields, reading, writer, conventions)
    first_item = header[-1].index + 1 if header else 0
    items = _items(reading, writer, conventions, first_item, totals_start, found)
    if items:
        fields["Items"] = array_field(items)
    for name in ("Subtotal", "TotalTax", "Tip"):
        if field := found.money(name):
            fields[name] = field
    if field := _total(found):
        fields["Total"] = field
    _check(fields, items)
    doc_type = _doc_type(reading)
    return {
        "docType": doc_type,
        "boundingRegions": whole_page(pages),
        "fields": {
            "ReceiptType": {"type": "string", "valueString": doc_type.split(".")[-1], "confidence": 0.9},
            **fields,
        }
        if fields
        else {},
        "confidence": round(
            min(
                1.0,
                0.3
                + 0.15
                * sum(name in fields for name in ("MerchantName", "Total", "TransactionDate", "Items")),
            ),
            3,
        ),
        "spans": document_spans(reading),
    }


def _merchant(reading: Reading, before: int) -> list[TextLine]:
    """The merchant's lines: the receipt's first lines until one that is not the name or
    the address (a date, an amount, a phone number, a blank gap)."""
    block: list[TextLine] = []
    for line in reading.lines[: min(before, 6)]:
        text = line.text
        if block and (
            line.box[1] - block[-1].box[3] > 2.0 * line.height
            or values.parse_phone(text)
            or (re.search(r"\d{1,2}[./:-]\d{2}", text) and not values.parse_address([text]))
        ):
            break
        if block and _PRICE.search(line.tokens[-1].text) and values.parse_money(line.tokens[-1].text):
            break
        block.append(line)
        if len(block) > 1 and values.parse_address([block[-1].text]):
            break
    return block


def _when(
    fields: dict[str, RawJson], reading: Reading, writer: FieldWriter, conventions: Conventions
) -> None:
    for line in reading.lines:
        if "TransactionDate" not in fields:
            used, day = first_run(line.tokens, lambda text: values.parse_date(text, conventions.day_first))
            if used:
                fields["TransactionDate"] = writer.field(
                    "date", used, {"valueDate": day.isoformat()}, SAME_LINE
                )
        if "TransactionTime" not in fields:
            used, moment = first_run(line.tokens, values.parse_time, longest=2)
            if used:
                fields["TransactionTime"] = writer.field(
                    "time", used, {"valueTime": moment.isoformat()}, SAME_LINE
                )
        if "TransactionDate" in fields and "TransactionTime" in fields:
            return


def _items(
    reading: Reading,
    writer: FieldWriter,
    conventions: Conventions,
    first: int,
    end: int,
    found: LabelledFields,
) -> list[RawJson]:
    """Each row above the totals that ends in an amount: quantity first if it is a small
    number (`2 x Bagel`), a unit price after `@`, the description between."""
    labelled = found.label_lines()
    items = []
    for line in reading.lines[first:end]:
        if line.index in labelled:
            continue
        tokens = list(line.tokens)
        price_tokens = _price_at_end(tokens)
        price = (
            values.parse_money(" ".join(t.text for t in price_tokens), conventions.currency)
            if price_tokens
            else None
        )
        if price is None or len(tokens) <= len(price_tokens):
            continue
        rest = tokens[: -len(price_tokens)]
        item: dict[str, RawJson] = {
            "TotalPrice": writer.field(
                "currency", price_tokens, {"valueCurrency": price.to_wire()}, ITEM_CERTAINTY
            )
        }
        if (match := _QUANTITY.match(rest[0].text)) and len(rest) > 1:
            quantity_tokens = [rest.pop(0)]
            if rest and rest[0].text.lower() in ("x", "@", "*"):
                quantity_tokens.append(rest.pop(0))
            item["Quantity"] = writer.field(
                "number", quantity_tokens, {"valueNumber": float(match.group(1))}, ITEM_CERTAINTY
            )
        if len(rest) >= 2 and rest[-2].text == "@":
            unit = values.parse_money(rest[-1].text, conventions.currency)
            if unit is not None:
                item["Price"] = writer.field(
                    "currency", rest[-1:], {"valueCurrency": unit.to_wire()}, ITEM_CERTAINTY
                )
                rest = rest[:-2]
        words = [token for token in rest if token.plain or token.text.isdigit()]
        if not words or any(values.parse_date(token.text) for token in words):
            continue
        item["Description"] = string_field(writer, words, ITEM_CERTAINTY)
        items.append(writer.object(item, tokens, ITEM_CERTAINTY))
    return items


def _price_at_end(tokens: list[Token]) -> list[Token]:
    """The price a row ends in, with its symbol if that is a word of its own ("3,50 €")."""
    if len(tokens) >= 2 and values.is_currency_word(tokens[-1].text) and _PRICE.search(tokens[-2].text):
        return tokens[-2:]
    return tokens[-1:] if tokens and _PRICE.search(tokens[-1].text) else []


def _total(found: LabelledFields) -> RawJson | None:
    """The last amount labelled a total that is not a subtotal's (receipts print the
    total again by the payment)."""
    for label in found.of("Total"):
        if field := found.typed_from(
            label, found.parse_money, lambda money: {"valueCurrency": money.to_wire()}, "currency"
        ):
            return field
    return None


def _check(fields: dict[str, RawJson], items: list[RawJson]) -> None:
    """Subtotal + tax + tip = total, and the items' sum = subtotal."""
    subtotal, tax, total = (
        amount_of(fields, "Subtotal"),
        amount_of(fields, "TotalTax"),
        amount_of(fields, "Total"),
    )
    prices = [item["valueObject"]["TotalPrice"]["valueCurrency"]["amount"] for item in items]
    checks = []
    if subtotal is not None and tax is not None and total is not None:
        tip = amount_of(fields, "Tip") or 0.0
        checks.append((("Subtotal", "TotalTax", "Total"), adds_up(total, [subtotal, tax, tip])))
    if prices and subtotal is not None:
        checks.append((("Subtotal",), adds_up(subtotal, prices)))
    weigh_totals(fields, checks)


_KINDS = {
    "hotel": ("check-in", "check-out", "arrival", "departure", "room", "nights"),
    "gas": ("fuel", "gallons", "litres", "liters", "pump", "unleaded", "diesel"),
    "parking": ("parking", "garage", "entry", "exit"),
}


def _doc_type(reading: Reading) -> str:
    said = {token.plain for line in reading.lines for token in line.tokens}
    for kind, words in _KINDS.items():
        if sum(word in said for word in words) >= 2:
            return f"receipt.{kind}"
    return "receipt.retailMeal"
