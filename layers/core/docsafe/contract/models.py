"""The models DocSafe serves, described as the v4.0 model info resource."""

from __future__ import annotations

import re
from typing import Any

from docsafe.contract.errors import InvalidArgument, model_not_found
from docsafe.contract.prebuilt_fields import doc_types
from docsafe.settings import API_VERSION

MODEL_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]{1,63}$")  # Azure's pattern
_CREATED = "2024-11-30T00:00:00Z"
MODEL_LIMIT = 5000  # custom models a tenant may keep (reported by /info; as Azure's S0 tier)

PREBUILT_MODELS: dict[str, dict[str, Any]] = {
    "prebuilt-read": {
        "modelId": "prebuilt-read",
        "description": "Extract text from documents: pages, lines and words with polygons.",
        "createdDateTime": _CREATED,
        "apiVersion": API_VERSION,
    },
    "prebuilt-layout": {
        "modelId": "prebuilt-layout",
        "description": "Extract text and layout: paragraphs, tables, selection marks, sections, "
        "and key-value pairs with features=keyValuePairs; markdown output.",
        "createdDateTime": _CREATED,
        "apiVersion": API_VERSION,
    },
    "prebuilt-invoice": {
        "modelId": "prebuilt-invoice",
        "description": "Extract key information from invoices: ids, dates, parties and their "
        "addresses, totals, and the items.",
        "createdDateTime": _CREATED,
        "apiVersion": API_VERSION,
        "docTypes": doc_types("prebuilt-invoice"),
    },
    "prebuilt-receipt": {
        "modelId": "prebuilt-receipt",
        "description": "Extract key information from receipts: merchant, date and time, items and totals.",
        "createdDateTime": _CREATED,
        "apiVersion": API_VERSION,
        "docTypes": doc_types("prebuilt-receipt"),
    },
    "prebuilt-idDocument": {
        "modelId": "prebuilt-idDocument",
        "description": "Extract information from passports and ID cards, with their machine-readable zone.",
        "createdDateTime": _CREATED,
        "apiVersion": API_VERSION,
        "docTypes": doc_types("prebuilt-idDocument"),
    },
}


def check_model_id(model_id: str) -> None:
    """400 for an id that cannot be a model at all."""
    if not MODEL_ID.match(model_id):
        raise InvalidArgument(
            "Model ids are 2-64 letters, digits, '.', '_', '~' or '-', starting with a letter or digit.",
            inner_code="InvalidParameter",
            target="modelId",
        )


def model_info(model_id: str, api_version: str = API_VERSION) -> dict[str, Any]:
    """A prebuilt model's info as of `api_version`, or 404 ModelNotFound (400 for an id
    that cannot be a model)."""
    check_model_id(model_id)
    try:
        return {**PREBUILT_MODELS[model_id], "apiVersion": api_version}
    except KeyError:
        raise model_not_found(model_id) from None
