"""prebuilt-invoice over the words read: the labelled fields (ids, dates, amounts,
parties and their addresses), the items table, and totals checked against each other."""

from __future__ import annotations

from collections.abc import Sequence

from docsafe.prebuilt import values
from docsafe.prebuilt.items import ItemColumns, read_items
from docsafe.prebuilt.labelled import (
    BELOW,
    SAME_LINE,
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
    Label,
    RawJson,
    Reading,
    TextLine,
    Token,
    array_field,
    document_spans,
    plain,
    whole_page,
)

LABELS: dict[str, tuple[str, ...]] = {
    "InvoiceId": (
        "invoice number",
        "invoice no",
        "invoice #",
        "invoice nr",
        "invoice id",
        "invoice ref",
        "inv no",
        "inv #",
        "bill number",
        "rechnungsnummer",
    ),
    "InvoiceDate": ("invoice date", "date of issue", "issue date", "date issued", "issued", "dated", "date"),
    "DueDate": ("due date", "payment due", "due by", "pay by", "due"),
    "PurchaseOrder": ("purchase order", "po number", "po no", "po #", "p.o. number", "order number", "po"),
    "CustomerId": (
        "customer id",
        "customer number",
        "customer no",
        "account number",
        "account no",
        "client id",
    ),
    "PaymentTerm": ("payment terms", "terms"),
    "VendorTaxId": ("vat number", "vat no", "vat reg no", "tax id", "ein", "abn", "gst no"),
    "SubTotal": ("subtotal", "sub total", "sub-total", "net total", "total net", "total before tax"),
    "TotalTax": ("total tax", "tax total", "sales tax", "tax", "vat", "gst"),
    "TotalDiscount": ("total discount", "discount"),
    "InvoiceTotal": ("invoice total", "grand total", "total amount", "total"),
    "AmountDue": ("amount due", "balance due", "total due", "amount payable", "please pay"),
    "PreviousUnpaidBalance": ("previous balance", "previous unpaid balance", "balance forward"),
    "Billing": ("bill to", "billed to", "invoice to", "sold to", "customer"),
    "Shipping": ("ship to", "shipped to", "deliver to", "delivery address"),
    "Vendor": ("from", "seller", "supplier"),
    "Phone": ("phone", "tel", "telephone"),
}
ITEM_COLUMNS = ItemColumns(
    {
        "Description": ("description", "item", "items", "product", "service", "details", "article"),
        "Quantity": ("qty", "quantity", "hours", "hrs", "units"),
        "UnitPrice": ("unit price", "price", "rate", "unit cost", "price each"),
        "Amount": ("amount", "line total", "total", "net amount"),
        "ProductCode": ("product code", "item code", "code", "sku", "item no", "part no"),
        "Unit": ("unit", "uom"),
        "TaxRate": ("tax rate", "vat rate", "vat %", "tax %"),
        "Date": ("date",),
    },
    money=("UnitPrice", "Amount"),
    numbers=("Quantity",),
    rates=("TaxRate",),
    dates=("Date",),
)
TOTALS = ("SubTotal", "TotalTax", "TotalDiscount", "InvoiceTotal", "AmountDue", "PreviousUnpaidBalance")
_TITLES = {"invoice", "tax invoice", "commercial invoice", "rechnung", "facture", "bill"}


def extract_invoice(pages: Sequence[RawJson]) -> RawJson:
    """The `documents[]` entry of prebuilt-invoice for an analyzeResult's pages."""
    reading = Reading(pages)
    conventions = conventions_of(reading)
    items = read_items(reading, ITEM_COLUMNS, conventions, stop_at=lambda line: _is_totals(line))
    in_items = {line.index for line in items.lines}
    found = LabelledFields(reading, LABELS, conventions, skip_lines=lambda line: line.index in in_items)
    fields: dict[str, RawJson] = {}
    for name in ("InvoiceId", "PurchaseOrder", "CustomerId", "VendorTaxId"):
        _put(fields, name, found.identifier(name))
    for name in ("InvoiceDate", "DueDate"):
        _put(fields, name, found.date(name))
    _put(fields, "PaymentTerm", found.text("PaymentTerm"))
    for name in TOTALS:
        _put(fields, name, found.money(name, last=True))
    _check_totals(fields, [item["valueObject"].get("Amount") for item in items.rows])
    if items.rows:
        fields["Items"] = array_field(items.rows)
    _parties(fields, found, reading)
    return {
        "docType": "invoice",
        "boundingRegions": whole_page(pages),
        "fields": fields,
        "confidence": _confidence(fields),
        "spans": document_spans(reading),
    }


def _is_totals(line: TextLine) -> bool:
    said = " ".join(token.plain for token in line.tokens)
    return any(
        f" {label} " in f" {said} " for name in TOTALS for label in LABELS[name] if name != "TotalTax"
    ) or said.startswith(("tax", "vat"))


def _put(fields: dict[str, RawJson], name: str, field: RawJson | None) -> None:
    if field is not None:
        fields[name] = field


def _check_totals(fields: dict[str, RawJson], amounts: list[RawJson | None]) -> None:
    """Subtotal + tax - discount = total, and the items' sum = subtotal."""
    subtotal, tax, total = (
        amount_of(fields, "SubTotal"),
        amount_of(fields, "TotalTax"),
        amount_of(fields, "InvoiceTotal"),
    )
    checks: list[tuple[tuple[str, ...], bool]] = []
    if subtotal is not None and tax is not None and total is not None:
        discount = -abs(amount_of(fields, "TotalDiscount") or 0.0)
        checks.append((("SubTotal", "TotalTax", "InvoiceTotal"), adds_up(total, [subtotal, tax, discount])))
    item_amounts = [item["valueCurrency"]["amount"] for item in amounts if item and "valueCurrency" in item]
    if item_amounts and subtotal is not None:
        checks.append((("SubTotal",), adds_up(subtotal, item_amounts)))
    weigh_totals(fields, checks)


def _parties(fields: dict[str, RawJson], found: LabelledFields, reading: Reading) -> None:
    writer = found.writer
    region = found.conventions.region
    for label, name, address, recipient in (
        ("Billing", "CustomerName", "BillingAddress", "BillingAddressRecipient"),
        ("Shipping", None, "ShippingAddress", "ShippingAddressRecipient"),
    ):
        lines = found.block(label)
        if not lines:
            continue
        if name:
            fields[name] = string_field(writer, lines[0], BELOW)
        fields[recipient] = string_field(writer, lines[0], BELOW)
        if place := address_field(writer, lines[1:], BELOW):
            fields[address] = place
            if label == "Billing":
                fields["CustomerAddress"] = place
                fields["CustomerAddressRecipient"] = fields[recipient]
    vendor = found.block("Vendor") or _letterhead(reading, found)
    if vendor:
        fields["VendorName"] = string_field(writer, vendor[0], SAME_LINE if found.of("Vendor") else BELOW)
        if place := address_field(writer, _address_lines(vendor[1:]), BELOW):
            fields["VendorAddress"] = place
            fields["VendorAddressRecipient"] = fields["VendorName"]
    phones = [label.line for label in found.of("Phone")]
    if phone := phone_field(writer, phones, region):
        fields["VendorPhoneNumber"] = phone


def _letterhead(reading: Reading, found: LabelledFields) -> list[Sequence[Token]]:
    """The vendor's name and address where invoices print them: the first line of the
    first page that is not the title, and the lines aligned under it, before the parties."""
    labelled: dict[int, Label] = {}
    for label in found.labels:
        labelled.setdefault(label.line.index, label)  # a row's first label
    block: list[Sequence[Token]] = []
    for line in reading.lines:
        if line.page != reading.lines[0].page or len(block) == 5:
            break
        label = labelled.get(line.index)
        if label and label.field in ("Billing", "Shipping"):
            break
        if not block:
            tokens = _left_group(line.tokens[: label.start] if label else line.tokens)
            if tokens and " ".join(token.plain for token in tokens) not in _TITLES:
                block.append(tokens)
            continue
        left = block[0][0].box[0]
        tokens = _left_group([token for token in line.tokens if token.box[0] >= left - 0.02])
        if not tokens or abs(tokens[0].box[0] - left) > 0.02:
            continue  # a line of another column
        if tokens[0].box[1] - block[-1][-1].box[3] > 2.2 * (tokens[0].box[3] - tokens[0].box[1]):
            break
        block.append(tokens)
    return block


def _left_group(tokens: Sequence[Token]) -> list[Token]:
    """The words of a row up to its first wide gap: the letterhead's, not the invoice
    number printed at the right of the same row."""
    kept: list[Token] = []
    for token in tokens:
        if kept and token.box[0] - kept[-1].box[2] > 3 * (token.box[3] - token.box[1]):
            break
        kept.append(token)
    return kept


def _address_lines(lines: Sequence[Sequence[Token]]) -> list[Sequence[Token]]:
    """An address's lines: up to the phone, email or web line after it."""
    kept: list[Sequence[Token]] = []
    for line in lines:
        text = " ".join(token.text for token in line)
        if (
            "@" in text
            or "www" in text.casefold()
            or values.parse_phone(text)
            or plain(line[0].text) in LABELS["Phone"]
        ):
            break
        kept.append(line)
    return kept


def _confidence(fields: dict[str, RawJson]) -> float:
    """How sure the document is an invoice: it has an id, a date and a total."""
    signs = sum(name in fields for name in ("InvoiceId", "InvoiceDate", "InvoiceTotal", "AmountDue", "Items"))
    return round(min(1.0, 0.2 + 0.2 * signs), 3)
