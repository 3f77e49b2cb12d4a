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
from docsafe.contract.result import merge_spans

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
        fields = {name: _find(label_of(name), pages) for name in names}
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


def _find(label: str, pages: list[RawJson]) -> RawJson:
    wanted = label.split()
    for page in pages:
        words = sorted(page.get("words") or [], key=lambda word: word["span"]["offset"])
        for line in page.get("lines") or []:
            span = line["spans"][0]
            inside = [
                w for w in words if span["offset"] <= w["span"]["offset"] < span["offset"] + span["length"]
            ]
            said = [_plain(word["content"]) for word in inside[: len(wanted)]]
            if said != wanted or len(inside) == len(wanted):
                continue
            value = inside[len(wanted) :]
            text = " ".join(word["content"] for word in value)
            return {
                "type": "string",
                "valueString": text,
                "content": text,
                "boundingRegions": [{"pageNumber": page["pageNumber"], "polygon": _around(value)}],
                "spans": merge_spans([word["span"] for word in value]),
                "confidence": round(min(word["confidence"] for word in value), 3),
            }
    return {"type": "string"}


def _plain(word: str) -> str:
    return word.strip(":.,;#").lower()


def _around(words: list[RawJson]) -> list[float]:
    xs = [x for word in words for x in word["polygon"][0::2]]
    ys = [y for word in words for y in word["polygon"][1::2]]
    left, top, right, bottom = min(xs), min(ys), max(xs), max(ys)
    return [left, top, right, top, right, bottom, left, bottom]
