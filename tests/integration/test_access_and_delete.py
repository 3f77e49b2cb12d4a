"""Keys, tenants and deletion through the API handlers."""

from __future__ import annotations

import pytest
from docsafe.settings import API_VERSION

from tests.support.documents import text_pdf
from tests.support.stack import Harness

READ = "/documentintelligence/documentModels/prebuilt-read"


def test_requests_without_a_valid_key_get_the_azure_401(local_stack: Harness) -> None:
    for key in (None, "not-a-key"):
        answer = local_stack.request(
            "GET", f"{READ}/analyzeResults/00000000-0000-0000-0000-000000000000", key
        )
        assert answer.status == 401
        assert answer.json()["error"]["code"] == "401"
        assert "Retry-After" not in answer.headers


def test_x_api_key_header_is_accepted(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    answer = local_stack.gateway.handle(
        "GET",
        "/documentintelligence/documentModels",
        query=f"api-version={API_VERSION}",
        headers={"x-api-key": key},
    )
    assert answer.status == 200
    assert [m["modelId"] for m in answer.json()["value"]] == [
        "prebuilt-read",
        "prebuilt-layout",
        "prebuilt-invoice",
        "prebuilt-receipt",
        "prebuilt-idDocument",
    ]


def test_revoked_key_stops_working(local_stack: Harness) -> None:
    from docsafe import runtime

    key = local_stack.new_key("acme")
    assert local_stack.request("GET", "/documentintelligence/documentModels", key).status == 200
    (record,) = runtime.services().api_keys.list()
    runtime.services().api_keys.revoke(record.key_id)
    assert local_stack.request("GET", "/documentintelligence/documentModels", key).status == 401


def test_another_tenant_gets_the_same_404_as_an_unknown_id(local_stack: Harness) -> None:
    # Given a job of tenant acme
    acme, other = local_stack.new_key("acme"), local_stack.new_key("other")
    location = local_stack.submit(text_pdf([["acme only"]]), acme)
    local_stack.wait(location, acme)
    operation_id = location.rsplit("/", 1)[1]
    unknown = location.replace(operation_id, "11111111-2222-3333-4444-555555555555")
    # When the other tenant reads, deletes or uses the native route
    foreign = [
        local_stack.request("GET", location, other),
        local_stack.request("DELETE", location, other),
        local_stack.request("GET", f"/v1/operations/{operation_id}", other),
        local_stack.request("GET", f"/v1/operations/{operation_id}/result", other),
    ]
    never = local_stack.request("GET", unknown, other)
    # Then every answer is the unknown id's answer, and acme's job is untouched
    for answer in foreign:
        assert (answer.status, answer.json()) == (never.status, never.json())
    assert never.status == 404 and never.json()["error"]["innererror"]["code"] == "OperationNotFound"
    assert local_stack.request("GET", location, acme).json()["status"] == "succeeded"


def test_delete_purges_input_result_and_record_at_once(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    location = local_stack.submit(text_pdf([["to be deleted"]]), key)
    local_stack.wait(location, key)
    assert local_stack.stored_objects() and local_stack.job_records()
    # When deleted
    answer = local_stack.request("DELETE", location, key)
    # Then 204, the next read and a second delete are 404, and nothing is stored
    assert answer.status == 204 and answer.body == b""
    assert local_stack.request("GET", location, key).status == 404
    assert local_stack.request("DELETE", location, key).status == 404
    assert local_stack.stored_objects() == []
    assert local_stack.job_records() == []


def test_native_routes_give_status_and_result(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    location = local_stack.submit(text_pdf([["native route"]]), key)
    local_stack.wait(location, key)
    operation_id = location.rsplit("/", 1)[1]
    status = local_stack.request("GET", f"/v1/operations/{operation_id}", key, query="")
    assert status.status == 200
    assert status.json()["status"] == "succeeded" and "analyzeResult" not in status.json()
    result = local_stack.request("GET", f"/v1/operations/{operation_id}/result", key, query="")
    assert result.status == 200 and result.json()["content"] == "native route"
    deleted = local_stack.request("DELETE", f"/v1/operations/{operation_id}", key, query="")
    assert deleted.status == 200
    receipt = deleted.json()["receipt"]
    assert receipt["operationId"] == operation_id and receipt["reason"] == "deleted"
    assert receipt["destroyed"] == {
        "dataKey": True,
        "jobRecord": True,
        "input": True,
        "pages": 0,  # deleted once they were in the result
        "result": True,
        "objects": 2,
    }
    assert local_stack.stored_objects() == []


def test_an_unfinished_job_says_when_to_poll_and_has_no_result_yet(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe import runtime

    # Given a job whose workflow has not started yet (its start is held back)
    start = runtime.services().stepfunctions.start_execution
    held: list[dict] = []
    monkeypatch.setattr(
        runtime.services().stepfunctions, "start_execution", lambda **kw: held.append(kw) or {}
    )
    key = local_stack.new_key("acme")
    location = local_stack.submit(text_pdf([["slow"]]), key)
    operation_id = location.rsplit("/", 1)[1]
    # Then reads say notStarted with Retry-After, and the native result route answers 409
    first = local_stack.request("GET", location, key)
    assert first.json()["status"] == "notStarted" and first.headers["Retry-After"] == "1"
    early = local_stack.request("GET", f"/v1/operations/{operation_id}/result", key, query="")
    assert early.status == 409 and early.json()["error"]["innererror"]["code"] == "OperationNotComplete"
    assert "Retry-After" not in early.headers
    # When the workflow runs, the finished job carries no Retry-After
    start(**held[0])
    assert local_stack.wait(location, key)["status"] == "succeeded"
    assert "Retry-After" not in local_stack.request("GET", location, key).headers


def test_missing_api_version_and_unknown_model_are_client_errors(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    pdf = text_pdf([["x"]])
    # API Gateway itself answers a missing or another api-version, and another action
    no_version = local_stack.request("POST", f"{READ}:analyze", key, query="", body=pdf)
    assert no_version.status == 400 and no_version.json()["error"]["innererror"]["code"] == "ParameterMissing"
    old_version = local_stack.request(
        "POST", f"{READ}:analyze", key, query="api-version=2023-07-31", body=pdf
    )
    assert old_version.status == 400
    assert old_version.json()["error"]["innererror"]["code"] == "UnsupportedApiVersion"
    copy = local_stack.request("POST", f"{READ}:copyTo", key, body=pdf)
    assert copy.status == 404 and copy.json()["error"]["code"] == "NotFound"
    # and the intake function drops what it refused: nothing of them remains
    assert local_stack.job_records() == [] and local_stack.stored_objects() == []
    # The rest is checked when the request is taken in: a failed operation, no document
    unknown_model = local_stack.request(
        "POST", "/documentintelligence/documentModels/prebuilt-nothing:analyze", key, body=pdf
    )
    assert local_stack.refusal(unknown_model, key)["innererror"]["code"] == "ModelNotFound"
    bad_pages = local_stack.request(
        "POST", f"{READ}:analyze", key, query=f"api-version={API_VERSION}&pages=x", body=pdf
    )
    assert local_stack.refusal(bad_pages, key)["target"] == "pages"
    assert local_stack.stored_objects() == []
