"""Amazon Textract as an engine: one synchronous call per page DocSafe rendered itself.

Only the synchronous APIs are used (DetectDocumentText for read, AnalyzeDocument with
TABLES and FORMS for layout, AnalyzeExpense for invoices and receipts, AnalyzeID for ID
documents): Textract keeps nothing, unlike its asynchronous jobs whose results AWS stores
for seven days. Responses are parsed with amazon-textract-response-
parser (`trp`) into the same PageText every engine returns.
"""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any

from docsafe.engines.base import (
    Box,
    Cell,
    EngineFailed,
    EngineField,
    KeyValue,
    Line,
    PageText,
    SelectionMark,
    Table,
    Word,
)

MAX_BYTES = 10 * 1024 * 1024  # Textract's synchronous document limit


def textract_client() -> Any:
    """The region-pinned client (adaptive retries with backoff on throttling)."""
    from docsafe import aws

    return aws.client("textract")


class TextractEngine:
    name = "textract"

    def __init__(self, client: Any | None = None):
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = textract_client()
        return self._client

    def read(self, image: Any, layout: bool = False) -> PageText:
        document = {"Bytes": _encode(image)}
        if layout:
            response = self.client.analyze_document(Document=document, FeatureTypes=["TABLES", "FORMS"])
        else:
            response = self.client.detect_document_text(Document=document)
        width, height = image.size
        return page_from_textract(response, width, height)


# AnalyzeExpense's field types, by Azure's names for each model (GroupProperties refine a
# receiver's name and address into billing and shipping).
_INVOICE_FIELDS = {
    "INVOICE_RECEIPT_ID": "InvoiceId",
    "INVOICE_RECEIPT_DATE": "InvoiceDate",
    "DUE_DATE": "DueDate",
    "PO_NUMBER": "PurchaseOrder",
    "CUSTOMER_NUMBER": "CustomerId",
    "PAYMENT_TERMS": "PaymentTerm",
    "SUBTOTAL": "SubTotal",
    "TAX": "TotalTax",
    "DISCOUNT": "TotalDiscount",
    "TOTAL": "InvoiceTotal",
    "AMOUNT_DUE": "AmountDue",
    "PRIOR_BALANCE": "PreviousUnpaidBalance",
    "VENDOR_NAME": "VendorName",
    "VENDOR_ADDRESS": "VendorAddress",
    "VENDOR_PHONE": "VendorPhoneNumber",
    "VENDOR_VAT_NUMBER": "VendorTaxId",
    "VENDOR_GST_NUMBER": "VendorTaxId",
    "VENDOR_ABN_NUMBER": "VendorTaxId",
    "TAX_PAYER_ID": "VendorTaxId",
    "RECEIVER_NAME": "CustomerName",
    "RECEIVER_ADDRESS": "CustomerAddress",
    "RECEIVER_VAT_NUMBER": "CustomerTaxId",
    "RECEIVER_GST_NUMBER": "CustomerTaxId",
}
_RECEIVER_GROUPS = {
    "RECEIVER_BILL_TO": {"NAME": "BillingAddressRecipient", "ADDRESS": "BillingAddress"},
    "RECEIVER_SHIP_TO": {"NAME": "ShippingAddressRecipient", "ADDRESS": "ShippingAddress"},
}
_RECEIPT_FIELDS = {
    "VENDOR_NAME": "MerchantName",
    "NAME": "MerchantName",  # a vendor's (or ungrouped): a receiver's is no merchant
    "VENDOR_ADDRESS": "MerchantAddress",
    "ADDRESS": "MerchantAddress",
    "VENDOR_PHONE": "MerchantPhoneNumber",
    "INVOICE_RECEIPT_DATE": "TransactionDate",
    "SUBTOTAL": "Subtotal",
    "TAX": "TotalTax",
    "GRATUITY": "Tip",
    "TOTAL": "Total",
    "AMOUNT_PAID": "Total",
}
_INVOICE_ITEM = {
    "ITEM": "Description",
    "PRICE": "Amount",
    "QUANTITY": "Quantity",
    "UNIT_PRICE": "UnitPrice",
    "PRODUCT_CODE": "ProductCode",
}
_RECEIPT_ITEM = {
    "ITEM": "Description",
    "PRICE": "TotalPrice",
    "QUANTITY": "Quantity",
    "UNIT_PRICE": "Price",
    "PRODUCT_CODE": "ProductCode",
}
_IDENTITY_FIELDS = {
    "FIRST_NAME": "FirstName",
    "LAST_NAME": "LastName",
    "MIDDLE_NAME": "MiddleName",
    "DOCUMENT_NUMBER": "DocumentNumber",
    "DATE_OF_BIRTH": "DateOfBirth",
    "EXPIRATION_DATE": "DateOfExpiration",
    "DATE_OF_ISSUE": "DateOfIssue",
    "PLACE_OF_BIRTH": "PlaceOfBirth",
    "ADDRESS": "Address",
    "STATE_NAME": "Region",
    "CLASS": "VehicleClassifications",
    "RESTRICTIONS": "Restrictions",
    "ENDORSEMENTS": "Endorsements",
    "ID_TYPE": "DocumentType",
    "MRZ_CODE": "MachineReadableZone",
}


class TextractFields:
    """The Textract engine for a field model: AnalyzeExpense (prebuilt-invoice and
    prebuilt-receipt) or AnalyzeID (prebuilt-idDocument) in one call per page, its words
    from the same response and its fields by Azure's names (`PageText.fields`)."""

    def __init__(self, engine: TextractEngine, model_id: str):
        self._engine = engine
        self._model_id = model_id
        self.name = engine.name

    def read(self, image: Any, layout: bool = False) -> PageText:
        width, height = image.size
        document = {"Bytes": _encode(image)}
        client = self._engine.client
        if self._model_id == "prebuilt-idDocument":
            response = client.analyze_id(DocumentPages=[document])
            return page_with_identity_fields(response, width, height)
        response = client.analyze_expense(Document=document)
        return page_with_expense_fields(response, width, height, receipt=self._model_id == "prebuilt-receipt")


def page_with_expense_fields(
    response: dict[str, Any], width: float, height: float, receipt: bool
) -> PageText:
    """An AnalyzeExpense response for one page: its words, and its summary fields and line
    items by Azure's names for an invoice or a receipt."""
    documents = response.get("ExpenseDocuments") or []
    blocks = [block for found in documents for block in found.get("Blocks") or []]
    page = (
        page_from_textract({"Blocks": blocks}, width, height) if blocks else PageText(width, height, "pixel")
    )
    names, item_names = (_RECEIPT_FIELDS, _RECEIPT_ITEM) if receipt else (_INVOICE_FIELDS, _INVOICE_ITEM)
    found: list[EngineField] = []
    for expense in documents[:1]:  # one page: one expense document
        for summary in expense.get("SummaryFields") or []:
            kind = (summary.get("Type") or {}).get("Text", "")
            groups = {
                kind for group in summary.get("GroupProperties") or [] for kind in group.get("Types") or []
            }
            name = names.get(kind)
            if receipt and kind in ("NAME", "ADDRESS") and groups and "VENDOR" not in groups:
                name = None  # the customer's name on a hotel folio is not the merchant's
            if not receipt:
                for group, by_kind in _RECEIVER_GROUPS.items():
                    if group in groups and kind in by_kind:
                        name = by_kind[kind]
            if name is not None and (field := _expense_field(name, summary, width, height)) is not None:
                found.append(field)
        row = 0
        for group in expense.get("LineItemGroups") or []:
            for item in group.get("LineItems") or []:
                for part in item.get("LineItemExpenseFields") or []:
                    name = item_names.get((part.get("Type") or {}).get("Text", ""))
                    if (
                        name is not None
                        and (field := _expense_field(name, part, width, height, row)) is not None
                    ):
                        found.append(field)
                row += 1
    return replace(page, fields=_first_of_each(found))


def _expense_field(
    name: str, part: dict[str, Any], width: float, height: float, item: int | None = None
) -> EngineField | None:
    value = part.get("ValueDetection") or {}
    text = (value.get("Text") or "").strip()
    if not text:
        return None
    bounds = (value.get("Geometry") or {}).get("BoundingBox")
    box = (
        (
            bounds["Left"] * width,
            bounds["Top"] * height,
            (bounds["Left"] + bounds["Width"]) * width,
            (bounds["Top"] + bounds["Height"]) * height,
        )
        if bounds
        else None
    )
    currency = (part.get("Currency") or {}).get("Code")
    return EngineField(name, text, box, round(value.get("Confidence", 0.0) / 100, 3), item, currency)


def _first_of_each(fields: list[EngineField]) -> tuple[EngineField, ...]:
    """One field of each name (of each item's): Textract may tell a total twice."""
    seen: set[tuple[str, int | None]] = set()
    kept = []
    for field in fields:
        if (field.name, field.item) not in seen:
            seen.add((field.name, field.item))
            kept.append(field)
    return tuple(kept)


def page_with_identity_fields(response: dict[str, Any], width: float, height: float) -> PageText:
    """An AnalyzeID response for one page: its words, and its fields by Azure's names
    (AnalyzeID gives no geometry for fields: the words they were read from are found by
    their text when the result is written)."""
    documents = response.get("IdentityDocuments") or []
    blocks = [block for found in documents[:1] for block in found.get("Blocks") or []]
    page = (
        page_from_textract({"Blocks": blocks}, width, height) if blocks else PageText(width, height, "pixel")
    )
    found = []
    for identity in documents[:1]:
        for part in identity.get("IdentityDocumentFields") or []:
            name = _IDENTITY_FIELDS.get(
                ((part.get("Type") or {}).get("Text") or "").upper().replace(" ", "_")
            )
            value = part.get("ValueDetection") or {}
            text = (value.get("Text") or "").strip()
            if name is None or not text:
                continue
            normalized = (value.get("NormalizedValue") or {}).get("Value")
            found.append(
                EngineField(
                    name, text, None, round(value.get("Confidence", 0.0) / 100, 3), normalized=normalized
                )
            )
    return replace(page, fields=_first_of_each(found))


def _encode(image: Any) -> bytes:
    """PNG, or JPEG when a PNG would pass Textract's 10 MB limit."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    if buffer.tell() <= MAX_BYTES:
        return buffer.getvalue()
    for quality in (90, 75, 60):
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, format="JPEG", quality=quality)
        if buffer.tell() <= MAX_BYTES:
            return buffer.getvalue()
    raise EngineFailed("the page image is too large for Textract")


def page_from_textract(response: dict[str, Any], width: float, height: float) -> PageText:
    """A Textract response for one page, as DocSafe's PageText in pixels of that page."""
    from trp import Document

    pages = Document(response).pages
    if not pages:
        return PageText(width=width, height=height, unit="pixel")
    page = pages[0]

    def box(geometry: Any) -> Box:
        bounds = geometry.boundingBox
        return (
            bounds.left * width,
            bounds.top * height,
            (bounds.left + bounds.width) * width,
            (bounds.top + bounds.height) * height,
        )

    lines = []
    for index, line in enumerate(page.lines):
        words = tuple(Word(w.text, box(w.geometry), round(w.confidence / 100, 3)) for w in line.words)
        if not words:
            continue
        handwritten = sum(w.textType == "HANDWRITING" for w in line.words) * 2 > len(line.words)
        lines.append(Line(words, box(line.geometry), paragraph=index, handwritten=handwritten))

    def cell(block: Any) -> Cell:
        """A trp cell or merged cell (1-based indices) as a DocSafe cell."""
        return Cell(
            block.rowIndex - 1,
            block.columnIndex - 1,
            box(block.geometry),
            block.rowSpan,
            block.columnSpan,
            header="COLUMN_HEADER" in (block.entityTypes or []),
        )

    tables = []
    for table in page.tables:
        merged = [cell(m) for m in table.merged_cells]

        def covered(row: int, column: int, merged: list[Cell] = merged) -> bool:
            return any(
                m.row <= row < m.row + m.row_span and m.column <= column < m.column + m.column_span
                for m in merged
            )

        cells = [
            cell(c) for row in table.rows for c in row.cells if not covered(c.rowIndex - 1, c.columnIndex - 1)
        ]
        if cells or merged:
            tables.append(
                Table(tuple(sorted(cells + merged, key=lambda c: (c.row, c.column))), box(table.geometry))
            )

    marks = []
    for block in page.blocks:
        if block.get("BlockType") == "SELECTION_ELEMENT":
            bounds = block["Geometry"]["BoundingBox"]
            marks.append(
                SelectionMark(
                    (
                        bounds["Left"] * width,
                        bounds["Top"] * height,
                        (bounds["Left"] + bounds["Width"]) * width,
                        (bounds["Top"] + bounds["Height"]) * height,
                    ),
                    block.get("SelectionStatus") == "SELECTED",
                    round(block.get("Confidence", 0.0) / 100, 3),
                )
            )

    pairs = [
        KeyValue(
            box(field.key.geometry),
            box(field.value.geometry) if field.value is not None else None,
            round(field.confidence / 100, 3),
        )
        for field in page.form.fields
        if field.key is not None
    ]
    return PageText(
        width=width,
        height=height,
        unit="pixel",
        lines=tuple(lines),
        tables=tuple(tables),
        selection_marks=tuple(marks),
        key_values=tuple(pairs),
    )
