"""The two Azure document-analysis APIs DocSafe speaks, which differ in their paths and
api-versions more than in their shapes: Document Intelligence v4.0 (`/documentintelligence`,
2024-11-30) and the Form Recognizer it grew from (`/formrecognizer`, 2023-07-31 and
2022-08-31), which most existing code still calls through `azure-ai-formrecognizer` 3.3.

Both read the same jobs' results, kept in v4.0's shape; Form Recognizer's is that result
with its own `apiVersion` and without what v4.0 added (Azure/azure-rest-api-specs,
specification/cognitiveservices/data-plane/FormRecognizer/stable/2023-07-31).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from docsafe.contract.errors import InvalidArgument, InvalidRequest
from docsafe.settings import API_VERSION
from docsafe.specs import AnalysisSpec, Contract

# What v4.0's analyzeResult has that 2023-07-31's has not (the client would drop them; a
# program reading the JSON would wrongly think them part of that version).
_NEWER_THAN_FORM_RECOGNIZER = ("contentFormat", "sections", "figures", "warnings")
_FIRST_FORM_RECOGNIZER = "2022-08-31"  # of the versions DocSafe takes: the one without add-ons
DOCUMENT_INTELLIGENCE_PREFIX = "/documentintelligence"
RawJson = dict[str, Any]


@dataclass(frozen=True)
class DocumentApi:
    """One API: its path prefix, the api-versions it takes (its latest first), and the
    contract its analyses record, so that only its routes serve them."""

    prefix: str
    versions: tuple[str, ...]
    contract: Contract
    batches: bool = False  # :analyzeBatch (Document Intelligence v4.0 alone)

    @property
    def latest(self) -> str:
        return self.versions[0]

    def owns(self, path: str) -> bool:
        return path.startswith(f"{self.prefix}/")

    def version_of(self, query: Mapping[str, str]) -> str:
        """The request's api-version, one this API takes; else 400."""
        version = query.get("api-version")
        if not version:
            raise InvalidRequest(
                "The api-version query parameter is required.",
                inner_code="ParameterMissing",
                target="api-version",
            )
        if version not in self.versions:
            raise InvalidArgument(
                f"This api-version is not supported; use {' or '.join(self.versions)}.",
                inner_code="UnsupportedApiVersion",
                target="api-version",
            )
        return version

    def check_spec(self, spec: AnalysisSpec, version: str) -> None:
        """400 for an add-on this API's version does not have (Form Recognizer: no
        queryFields; 2022-08-31: no features at all)."""
        if self.contract is not Contract.FORM_RECOGNIZER:
            return
        asked = spec.to_record().get("features", "")
        if spec.query_fields or (asked and version == _FIRST_FORM_RECOGNIZER):
            raise InvalidArgument(
                f"api-version {version} has no {'queryFields' if spec.query_fields else 'features'}: "
                f"use {DOCUMENT_INTELLIGENCE_PREFIX} (api-version {API_VERSION}) for them.",
                inner_code="InvalidParameter",
                target="features",
            )

    def resource_details(self, details: RawJson, version: str) -> RawJson:
        """Resource details as this version has them (2022-08-31 counts no neural builds)."""
        if version == _FIRST_FORM_RECOGNIZER:
            return {key: value for key, value in details.items() if key != "customNeuralDocumentModelBuilds"}
        return details

    def model_url(self, base: str, model_id: str, version: str) -> str:
        return f"{base}{self.prefix}/documentModels/{model_id}?api-version={version}"

    def build_operation_url(self, base: str, operation_id: str, version: str) -> str:
        return f"{base}{self.prefix}/operations/{operation_id}?api-version={version}"

    def analyze_result(self, stored: str, version: str) -> str:
        """The stored (v4.0) analyzeResult's JSON text as this API and version give it."""
        if self.contract is Contract.DOCUMENT_INTELLIGENCE:
            return stored
        result: dict[str, Any] = json.loads(stored)
        for newer in _NEWER_THAN_FORM_RECOGNIZER:
            result.pop(newer, None)
        result["apiVersion"] = version
        return json.dumps(result)


DOCUMENT_INTELLIGENCE = DocumentApi(
    DOCUMENT_INTELLIGENCE_PREFIX, (API_VERSION,), Contract.DOCUMENT_INTELLIGENCE, batches=True
)
FORM_RECOGNIZER = DocumentApi("/formrecognizer", ("2023-07-31", "2022-08-31"), Contract.FORM_RECOGNIZER)
DOCUMENT_APIS = (DOCUMENT_INTELLIGENCE, FORM_RECOGNIZER)


def document_api(path: str) -> DocumentApi | None:
    """The API a request's path belongs to, if one of these."""
    return next((api for api in DOCUMENT_APIS if api.owns(path)), None)


def by_contract(contract: Contract) -> DocumentApi:
    return next(api for api in DOCUMENT_APIS if api.contract is contract)
