"""A result larger than one Lambda response: the Azure route says so in its own error
shape, and the native route serves it in parts (HTTP Range) that add up to the whole."""

from __future__ import annotations

import json

import pytest
from docsafe import analysis, api

from tests.support.documents import text_pdf
from tests.support.stack import Harness


def read_part(harness: Harness, operation_id: str, key: str, first: int) -> tuple[int, dict, bytes]:
    answer = harness.gateway.handle(
        "GET",
        f"/v1/operations/{operation_id}/result",
        headers={"Host": "docsafe.test", "Ocp-Apim-Subscription-Key": key, "Range": f"bytes={first}-"},
    )
    return answer.status, answer.headers, answer.body


def test_a_result_too_large_for_one_response_is_read_in_parts(
    shared_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = shared_stack.new_tenant()[1]
    location = shared_stack.submit(text_pdf([["First page words"], ["Second page words"]]), key)
    whole = shared_stack.wait(location, key)["analyzeResult"]
    operation_id = location.rsplit("/", 1)[1]
    # Given responses (scaled down) too small for the whole result
    monkeypatch.setattr(api, "LAMBDA_PAYLOAD_BYTES", 2000)
    monkeypatch.setattr(analysis, "RESULT_PART_BYTES", 700)
    # The Azure route answers in its error shape, naming the way that works
    refused = shared_stack.request("GET", location, key)
    assert refused.status == 413
    error = refused.json()["error"]
    assert error["innererror"]["code"] == "ResponseTooLarge" and "Range" in error["message"]
    # The native route gives it a part at a time, and the parts make the whole
    text, total = b"", None
    while total is None or len(text) < total:
        status, headers, body = read_part(shared_stack, operation_id, key, len(text))
        assert status == 206
        first_last, total_text = headers["Content-Range"].removeprefix("bytes ").split("/")
        assert int(first_last.split("-")[0]) == len(text)
        total = int(total_text)
        assert 0 < len(body) <= 700
        text += body
    assert json.loads(text) == whole
    # Past the end: 416 in the API's shape; another tenant: not found
    status, _, body = read_part(shared_stack, operation_id, key, total)
    assert status == 416 and json.loads(body)["error"]["innererror"]["code"] == "InvalidRange"
    other = shared_stack.new_tenant()[1]
    assert read_part(shared_stack, operation_id, other, 0)[0] == 404


@pytest.mark.parametrize(
    "header", ["bytes=5-2", "items=0-1", "bytes=-5", "bytes=a-", "bytes=0-1,4-5", "bytes=²-", "bytes=0-١"]
)
def test_a_malformed_range_is_a_416(shared_stack: Harness, header: str) -> None:
    key = shared_stack.new_tenant()[1]
    location = shared_stack.submit(text_pdf([["Ranged words"]]), key)
    shared_stack.wait(location, key)
    answer = shared_stack.gateway.handle(
        "GET",
        f"/v1/operations/{location.rsplit('/', 1)[1]}/result",
        headers={"Ocp-Apim-Subscription-Key": key, "Range": header},
    )
    assert answer.status == 416, answer.body
    assert "error" in json.loads(answer.body)


def test_parts_are_sent_as_bytes_so_a_split_character_survives() -> None:
    response = api.partial_response("é".encode()[:1], 0, 2)
    assert response.status_code == 206 and response.body == b"\xc3"
    assert response.content_type == "application/octet-stream"  # not run through the JSON serializer
