"""Fields an engine extracted itself (Textract's AnalyzeExpense and AnalyzeID), written as
the extractors write theirs: typed by the model's schema, over the words they were read
from (by the box the engine gave, or by their text where it gave none), and put over the
extractor's own readings of the same fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from docsafe.contract.prebuilt_fields import ID_DOCUMENT_TYPES, INVOICE_FIELDS, RECEIPT_FIELDS
from docsafe.engines.base import Box, EngineField, center_in
from docsafe.prebuilt import mrz, values
from docsafe.prebuilt.id_document import zone_values
from docsafe.prebuilt.labelled import Conventions, conventions_of
from docsafe.prebuilt.reading import FieldWriter, RawJson, Reading, Token, array_field, plain


def _schema(model_id: str) -> dict[str, RawJson]:
    if model_id == "prebuilt-invoice":
        return INVOICE_FIELDS
    if model_id == "prebuilt-receipt":
        return RECEIPT_FIELDS
    merged: dict[str, RawJson] = {}
    for fields in ID_DOCUMENT_TYPES.values():
        merged.update(fields)
    return merged


def with_engine_fields(
    model_id: str,
    document: RawJson,
    pages: Sequence[RawJson],
    found: Mapping[int, Sequence[EngineField]],
    today: date | None = None,
) -> RawJson:
    """`document` (the extractor's) with the engine's fields in place of its own."""
    if not any(found.values()):
        return document
    reading = Reading(pages)
    writer = FieldWriter()
    conventions = conventions_of(reading)
    schema = _schema(model_id)
    item_schema = (schema.get("Items") or {}).get("items", {}).get("properties", {})
    sizes = {page["pageNumber"]: (page.get("width") or 1, page.get("height") or 1) for page in pages}
    fields = dict(document["fields"])
    # An item is its page's: Textract numbers each page's items from the first.
    items: dict[tuple[int, int], dict[str, RawJson]] = {}
    item_tokens: dict[tuple[int, int], list[Token]] = {}
    tokens_by_page: dict[int, list[Token]] = {}
    for line in reading.lines:
        tokens_by_page.setdefault(line.page, []).extend(line.tokens)
    for page_number, engine_fields in found.items():
        on_page = tokens_by_page.get(page_number, [])
        for engine_field in engine_fields:
            kind = (
                (item_schema if engine_field.item is not None else schema)
                .get(engine_field.name, {})
                .get("type")
            )
            if kind is None and engine_field.name != "MachineReadableZone":
                continue
            tokens = _tokens_of(engine_field, on_page, sizes[page_number])
            if engine_field.name == "MachineReadableZone":
                if zone := _zone(engine_field, tokens, writer, today):
                    fields["MachineReadableZone"] = zone
                continue
            value = _value(kind or "string", engine_field, conventions)
            if value is None:
                continue
            wire = _field(writer, kind or "string", tokens, value, engine_field)
            if engine_field.item is None:
                fields[engine_field.name] = wire
            else:
                row = (page_number, engine_field.item)
                items.setdefault(row, {})[engine_field.name] = wire
                item_tokens.setdefault(row, []).extend(tokens)
    if items:
        rows = []
        for row in sorted(items):
            if item_tokens[row]:
                rows.append(writer.object(items[row], item_tokens[row]))
            else:
                rows.append({"type": "object", "valueObject": items[row]})
        fields["Items"] = array_field(rows)
    return {**document, "fields": fields}


def _tokens_of(field: EngineField, tokens: Sequence[Token], size: tuple[float, float]) -> list[Token]:
    """The words of a field: inside its box, or (no box) the first run reading its text."""
    if field.box is not None:
        width, height = size
        box: Box = (field.box[0] / width, field.box[1] / height, field.box[2] / width, field.box[3] / height)
        return [token for token in tokens if center_in(_original_box(token, size), box, slack=0.002)]
    wanted = [plain(word) for word in field.text.split() if plain(word)]
    said = [token.plain for token in tokens]
    for start in range(len(tokens) - len(wanted) + 1):
        if wanted and said[start : start + len(wanted)] == wanted:
            return list(tokens[start : start + len(wanted)])
    return []


def _original_box(token: Token, size: tuple[float, float]) -> Box:
    """A token's box as read (its polygon), normalised: an engine's box is on the page as sent."""
    width, height = size
    xs, ys = token.polygon[0::2], token.polygon[1::2]
    return (min(xs) / width, min(ys) / height, max(xs) / width, max(ys) / height)


def _value(kind: str, field: EngineField, conventions: Conventions) -> RawJson | None:
    text, currency, day_first = field.text, conventions.currency, conventions.day_first
    if kind == "currency":
        money = values.parse_money(text, field.currency or currency)
        if money is None:
            return None
        if field.currency:
            money = values.Money(money.amount, money.symbol, field.currency)
        return {"valueCurrency": money.to_wire()}
    if kind == "date":
        if field.normalized:
            try:
                return {"valueDate": date.fromisoformat(field.normalized[:10]).isoformat()}
            except ValueError:
                pass
        day = values.parse_date(text, day_first)
        return {"valueDate": day.isoformat()} if day else None
    if kind == "address":
        parts = values.parse_address(text.splitlines() or [text])
        return {"valueAddress": parts} if parts else None
    if kind == "phoneNumber":
        number = values.parse_phone(text, conventions.region)
        return {"valuePhoneNumber": number} if number else None
    if kind == "number":
        number = values.parse_number(text)
        return {"valueNumber": number} if number is not None else None
    if kind == "countryRegion":
        return {"valueCountryRegion": text.upper()} if len(text) == 3 and text.isalpha() else None
    return {"valueString": text}


def _field(
    writer: FieldWriter, kind: str, tokens: list[Token], value: RawJson, found: EngineField
) -> RawJson:
    if tokens:
        wire = writer.field(kind, tokens, value)
        wire["confidence"] = found.confidence  # the engine's own, for the field as it read it
        return wire
    # Read by the engine but not among the words (AnalyzeID read it elsewhere): the value,
    # without a place in the content.
    return {"type": kind, **value, "content": found.text, "confidence": found.confidence}


def _zone(field: EngineField, tokens: list[Token], writer: FieldWriter, today: date | None) -> RawJson | None:
    zone = mrz.parse(field.text.splitlines(), today)
    if zone is None:
        return None
    parts = {
        name: {"type": kind, **value, "confidence": field.confidence}
        for name, (kind, value) in zone_values(zone).items()
    }
    wire = _field(writer, "object", tokens, {"valueObject": parts}, field)
    wire["content"] = "\n".join(zone.lines)
    return wire
