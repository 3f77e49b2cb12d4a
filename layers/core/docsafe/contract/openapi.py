"""The OpenAPI 3 description of the whole API: openapi.json beside this file, with Form
Recognizer's routes made from Document Intelligence's (the same operations under
/formrecognizer, with that API's versions and without what v4.0 added)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from docsafe.contract.document_apis import DOCUMENT_INTELLIGENCE, FORM_RECOGNIZER

# Document Intelligence's options and routes Form Recognizer 2023-07-31 does not have.
_NEWER_OPTIONS = frozenset({"outputContentFormat", "output"})
_NEWER_PATHS = ("/pdf",)
_NEWER_ROUTES = ("analyzeBatch",)  # (and analyzeBatchResults)


@cache
def load_openapi() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(
        (Path(__file__).with_name("openapi.json")).read_text(encoding="utf-8")
    )
    paths = document["paths"]
    for path, methods in list(paths.items()):
        newer = path.endswith(_NEWER_PATHS) or any(route in path for route in _NEWER_ROUTES)
        if path.startswith(f"{DOCUMENT_INTELLIGENCE.prefix}/") and not newer:
            paths[FORM_RECOGNIZER.prefix + path.removeprefix(DOCUMENT_INTELLIGENCE.prefix)] = {
                method: _as_form_recognizers(operation) for method, operation in methods.items()
            }
    return document


def _as_form_recognizers(operation: dict[str, Any]) -> dict[str, Any]:
    copied = copy.deepcopy(operation)
    copied["operationId"] = "formRecognizer" + copied["operationId"][:1].upper() + copied["operationId"][1:]
    copied["summary"] = f"Form Recognizer: {copied.get('summary', '')}".strip()
    parameters = []
    for parameter in copied.get("parameters", []):
        if parameter.get("in") == "query" and parameter["name"] in _NEWER_OPTIONS:
            continue
        if parameter.get("in") == "query" and parameter["name"] == "api-version":
            parameter["schema"] = {"type": "string", "enum": list(FORM_RECOGNIZER.versions)}
        parameters.append(parameter)
    copied["parameters"] = parameters
    return copied
