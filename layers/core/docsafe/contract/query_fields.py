"""features=queryFields: each field a request names, answered from the page's text by its
label, in `documents[0].fields` as Azure gives them.

A field is found where a line begins with its label — its name's words, in any case and
with a colon or not (`InvoiceNumber` and `invoice_number` are both `Invoice number:`): its
value is the rest of that line's words, with their spans and the polygon around them. A
field whose label no line has is given without a value, as Azure gives a field it did not
find.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from docsafe.contract.errors import InvalidArgument
from docsafe.contract.result import merge_spans, polygon_around, words_by_line

RawJson = dict[str, Any]
MAX_FIELDS = 20  # Azure's limit
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def parse_query_fields(value: str | None) -> tuple[str, ...]:
    """`queryFields=InvoiceNumber,DueDate` → the names; 400 for a list DocSafe cannot answer."""
    names = tuple(name.strip() for name in (value or "").split(",") if name.strip())
    if not names or len(names) > MAX_FIELDS or not all(_NAME.match(name) for name in names):
        raise InvalidArgument(
            f"queryFields must name 1 to {MAX_FIELDS} fields, each a letter then letters, digits or '_', "
            "with features=queryFields.",
            inner_code="InvalidParameter",
            target="queryFields",
        )
    return names


def label_of(name: str) -> str:
    """The words of a field's name, lower case: `InvoiceNumber` → `invoice number`."""
    return " ".join(word.lower() for part in name.split("_") for word in _WORDS.findall(part))


def query_documents(model_id: str, names: tuple[str, ...]) -> Callable[[list[RawJson], str], list[RawJson]]:
    """A `documents(pages, content)` for the result writer: one document of the fields."""

    def documents(pages: list[RawJson], _content: str) -> list[RawJson]:
        fields = _find_all({name: label_of(name).split() for name in names}, pages)
        found = [field["confidence"] for field in fields.values() if "confidence" in field]
        return [
            {
                "docType": f"{model_id}:queryFields",
                "fields": fields,
                "spans": [],
                "confidence": round(sum(found) / len(found), 3) if found else 0.0,
            }
        ]

    return documents


def with_query_fields(
    documents: Callable[[list[RawJson], str], list[RawJson]],
    asked: Callable[[list[RawJson], str], list[RawJson]],
) -> Callable[[list[RawJson], str], list[RawJson]]:
    """A field model's documents with the fields a request asked for added to the first
    (as Azure adds them); a field the model extracts itself keeps the model's value."""

    def merged(pages: list[RawJson], content: str) -> list[RawJson]:
        found = documents(pages, content)
        extra = asked(pages, content)[0]["fields"]
        found[0]["fields"] = {**extra, **found[0]["fields"]}
        return found

    return merged


def _find_all(labels: dict[str, list[str]], pages: list[RawJson]) -> dict[str, RawJson]:
    """Each field's first line, in one pass over the pages (a page's words ordered once),
    ending as soon as every field is found."""
    fields: dict[str, RawJson] = {}
    for page in pages:
        for inside in words_by_line(page):
            said = [_plain(word["content"]) for word in inside]
            for name, wanted in labels.items():
                if name in fields or said[: len(wanted)] != wanted:
                    continue
                value = inside[len(wanted) :]
                while value and not _plain(value[0]["content"]):
                    value = value[1:]  # "Invoice number : 4471": the colon is no part of it
                if value:
                    fields[name] = _field(page["pageNumber"], value)
            if len(fields) == len(labels):
                return {name: fields[name] for name in labels}
    return {name: fields.get(name, {"type": "string"}) for name in labels}


def _field(page_number: int, value: list[RawJson]) -> RawJson:
    text = " ".join(word["content"] for word in value)
    around = _around(value)
    return {
        "type": "string",
        "valueString": text,
        "content": text,
        # (an Office page's words have no polygon: nor has the field a region)
        **({"boundingRegions": [{"pageNumber": page_number, "polygon": around}]} if around else {}),
        "spans": merge_spans([word["span"] for word in value]),
        "confidence": round(min(word["confidence"] for word in value), 3),
    }


def _plain(word: str) -> str:
    return word.strip(":.,;#").lower()


def _around(words: list[RawJson]) -> list[float] | None:
    if any("polygon" not in word for word in words):
        return None
    return polygon_around(word["polygon"] for word in words)
