"""100 documents from four tenants at once against `docsafe serve`: all complete, each
tenant gets exactly its own results, nothing is lost."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from docsafe.settings import API_VERSION

from tests.e2e.conftest import Server
from tests.e2e.plain_http import call, finished
from tests.support.documents import encode, text_image, words_of

pytestmark = pytest.mark.e2e
TENANTS = ("alpha", "beta", "gamma", "delta")
DOCUMENTS = 100


def analyze(server: Server, tenant: str, number: int) -> dict[str, Any]:
    document = encode(text_image([f"{tenant} document {number}"], size=(900, 160), font_size=48), "PNG")
    url = f"/documentintelligence/documentModels/prebuilt-read:analyze?api-version={API_VERSION}"
    status, headers, body = call(server, tenant, "POST", url, document)
    assert status == 202, body
    location = headers["Operation-Location"]
    answer = finished(server, tenant, location, timeout=240)
    return {"tenant": tenant, "number": number, "location": location, **answer}


def test_a_hundred_concurrent_documents_from_four_tenants(server: Server) -> None:
    work = [(TENANTS[i % len(TENANTS)], i) for i in range(DOCUMENTS)]
    with ThreadPoolExecutor(max_workers=24) as pool:
        results = list(pool.map(lambda item: analyze(server, *item), work))
    assert len(results) == DOCUMENTS
    assert all(r["status"] == "succeeded" for r in results), [
        r.get("error") for r in results if r["status"] != "succeeded"
    ]
    for result in results:
        words = words_of(result["analyzeResult"]["content"])
        assert {result["tenant"], "document", str(result["number"])} <= words, (result["tenant"], words)
    # Each tenant lists exactly its own operations; nobody reads another's.
    for tenant in TENANTS:
        status, _, body = call(server, tenant, "GET", "/v1/operations")
        listed = {op["operationId"] for op in json.loads(body)["value"]}
        own = {r["location"].split("/")[-1].split("?")[0] for r in results if r["tenant"] == tenant}
        assert own <= listed
        assert not listed & {
            r["location"].split("/")[-1].split("?")[0] for r in results if r["tenant"] != tenant
        }
    foreign = next(r for r in results if r["tenant"] == "beta")
    status, headers, _ = call(server, "alpha", "GET", foreign["location"])
    assert status == 404 and "Retry-After" not in headers
    for result in results:
        assert call(server, result["tenant"], "DELETE", result["location"])[0] == 204
