"""The models DocSafe serves, described as the v4.0 model info resource."""

from __future__ import annotations

import re
from typing import Any

from docsafe.contract.errors import InvalidArgument, model_not_found
from docsafe.settings import API_VERSION

_MODEL_ID = re.compile(r"^[A-Za-z][A-Za-z0-9._~-]{1,63}$")
_CREATED = "2024-11-30T00:00:00Z"

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
}


def model_info(model_id: str) -> dict[str, Any]:
    """The model's info, or 404 ModelNotFound (400 for an id that cannot be a model)."""
    if not _MODEL_ID.match(model_id):
        raise InvalidArgument(
            "Model ids are 2-64 letters, digits, '.', '_', '~' or '-', starting with a letter.",
            inner_code="InvalidParameter",
            target="modelId",
        )
    try:
        return PREBUILT_MODELS[model_id]
    except KeyError:
        raise model_not_found(model_id) from None


def list_models() -> list[dict[str, Any]]:
    return list(PREBUILT_MODELS.values())
