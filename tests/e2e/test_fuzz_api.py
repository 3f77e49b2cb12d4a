"""Schemathesis against `docsafe serve`: requests generated from the OpenAPI document
(served at /openapi.json) never meet a server error, and only 429/503 answers among
errors carry Retry-After (the Azure client retries any error that has one)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from docsafe.contract.openapi import load_openapi
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e
schema = schemathesis.openapi.from_dict(load_openapi())
# One test item per operation, each with an id of its own (schemathesis' own parametrize
# gives all of them one node id, and xdist then reports one of seventeen).
OPERATIONS = [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.label for operation in OPERATIONS])
@settings(max_examples=24, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_requests_never_get_a_server_error(
    operation: Any, data: st.DataObject, server: Server
) -> None:
    # Requests that follow the document and requests that break it, alike
    cases = st.one_of(*(operation.as_strategy(generation_mode=mode) for mode in GenerationMode))
    case = data.draw(cases)
    response = case.call(base_url=server.url, headers={"Ocp-Apim-Subscription-Key": server.keys["alpha"]})
    assert response.status_code < 500, response.text
    if response.status_code >= 400 and response.status_code not in (429, 503):
        assert "Retry-After" not in response.headers


def test_the_served_openapi_document_is_the_repositorys(server: Server) -> None:
    import json
    import urllib.request

    with urllib.request.urlopen(f"{server.url}/openapi.json", timeout=10) as answer:
        assert json.loads(answer.read()) == load_openapi()
