"""Training data in Azure Document Intelligence's labelling format.

A training folder holds the documents, a `<document>.labels.json` beside each labelled
one and a `fields.json` naming the fields and their types (`*.ocr.json` files are not
needed: DocSafe reads the documents itself). Boxes are normalised to the page (0..1),
eight numbers clockwise from the top left.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from docsafe.engines.base import Box
from docsafe.failures import TrainingDataInvalid

__all__ = ["FieldLabel", "LabelledDocument", "TrainingDataInvalid", "parse_fields", "parse_labels"]

FIELD_TYPES = ("string", "number", "date", "integer")


@dataclass(frozen=True)
class FieldLabel:
    field: str
    page: int
    box: Box
    text: str


@dataclass(frozen=True)
class LabelledDocument:
    document: str  # the document's key, relative to the training folder
    labels: tuple[FieldLabel, ...]


def parse_fields(raw: bytes) -> dict[str, str]:
    """fields.json → {field: type}; both the list and the object form are accepted."""
    try:
        fields = json.loads(raw)["fields"]
    except (ValueError, KeyError, TypeError):
        raise TrainingDataInvalid("fields.json is not valid: it needs a 'fields' list.") from None
    entries = (
        [{"fieldKey": key, **value} for key, value in fields.items()] if isinstance(fields, dict) else fields
    )
    found: dict[str, str] = {}
    for entry in entries:
        if not isinstance(entry, dict) or not isinstance(entry.get("fieldKey"), str):
            raise TrainingDataInvalid("Every field in fields.json needs a fieldKey.")
        kind = str(entry.get("fieldType", "string"))
        found[entry["fieldKey"]] = kind if kind in FIELD_TYPES else "string"
    if not found:
        raise TrainingDataInvalid("fields.json names no field.")
    return found


def parse_labels(raw: bytes, fields: dict[str, str]) -> LabelledDocument:
    try:
        data = json.loads(raw)
        document = str(data["document"])
        entries = data["labels"]
    except (ValueError, KeyError, TypeError):
        raise TrainingDataInvalid(
            "A .labels.json file is not valid: it needs 'document' and 'labels'."
        ) from None
    labels = []
    for entry in entries:
        field = entry.get("label") if isinstance(entry, dict) else None
        if field not in fields:
            continue  # table cells and fields not in fields.json are not learned
        for value in entry.get("value") or []:
            labels.extend(_field_labels(field, value, document))
    return LabelledDocument(document, tuple(labels))


def _field_labels(field: str, value: Any, document: str) -> list[FieldLabel]:
    try:
        page = int(value.get("page") or value.get("pageNumber") or 1)
        boxes = value["boundingBoxes"]
        found = []
        for points in boxes:
            xs, ys = [float(v) for v in points[0::2]], [float(v) for v in points[1::2]]
            if len(xs) != 4 or len(ys) != 4 or not all(0 <= v <= 1 for v in xs + ys):
                raise ValueError
            found.append(
                FieldLabel(field, page, (min(xs), min(ys), max(xs), max(ys)), str(value.get("text", "")))
            )
        return found
    except (AttributeError, KeyError, TypeError, ValueError):
        raise TrainingDataInvalid(
            f"The label of '{field[:40]}' in {document[:80]}.labels.json needs a page and normalised "
            "boundingBoxes of eight numbers."
        ) from None
