"""Image Analysis 4.0 READ: an image read while the request waits, through the same
pipeline, and nothing of it kept once answered."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import pytest
from docsafe import runtime
from docsafe.audit import Action

from tests.support.documents import encode, text_image, text_pdf
from tests.support.stack import Harness

ANALYZE = "/computervision/imageanalysis:analyze"
LINES = ["Invoice 2231 for Acme Freight", "Total due 118.40 EUR"]


def _analyze(
    stack: Harness,
    key: str | None,
    body: bytes,
    query: str = "features=read&api-version=2024-02-01",
    content_type: str = "application/octet-stream",
):  # type: ignore[no-untyped-def]
    return stack.request("POST", ANALYZE, key, query=query, body=body, content_type=content_type)


def test_an_image_is_read_in_the_answer_and_nothing_of_it_is_kept(local_stack: Harness) -> None:
    tenant, key = local_stack.new_tenant()
    answer = _analyze(local_stack, key, encode(text_image(LINES), "PNG"))
    assert answer.status == 200, answer.body
    body = answer.json()
    assert body["modelVersion"] == "2023-10-01"
    assert body["metadata"] == {"width": 1400, "height": 600}
    (block,) = body["readResult"]["blocks"]
    assert [line["text"] for line in block["lines"]] == LINES
    word = block["lines"][0]["words"][0]
    assert word["text"] == "Invoice" and 0 < word["confidence"] <= 1
    assert len(word["boundingPolygon"]) == 4 and all(isinstance(p["x"], int) for p in word["boundingPolygon"])
    # Then the job that read it is gone, with a receipt to show for it
    receipt = json.loads(answer.headers["x-docsafe-receipt"])
    assert receipt["destroyed"]["input"] and receipt["destroyed"]["result"]
    local_stack.wait_for_executions()
    assert local_stack.stored_objects(tenant) == [] and local_stack.unowned_objects() == []
    assert local_stack.job_records() == []
    entries = runtime.services().audit.entries(tenant, receipt["operationId"])
    assert [e.action for e in entries] == [Action.SUBMITTED, Action.READ, Action.DELETED]


@pytest.mark.parametrize(
    ("query", "body", "content_type", "status", "code"),
    [
        ("features=read&api-version=2024-02-01", b"plain text", "text/plain", 400, "InvalidImageFormat"),
        ("features=read&api-version=2024-02-01", b"", None, 400, "InvalidImageSize"),
        ("features=caption,read&api-version=2024-02-01", None, None, 400, "NotSupportedVisualFeature"),
        ("api-version=2024-02-01", None, None, 400, "BadArgument"),
        ("features=read", None, None, 400, "BadArgument"),
        ("features=read&api-version=2024-11-30", None, None, 400, "UnsupportedApiVersion"),
        ("features=read&api-version=2023-10-01&language=xx-Nope", None, None, 400, "NotSupportedLanguage"),
        ("features=read&api-version=2023-10-01&model-version=2020-01-01", None, None, 400, "InvalidModel"),
        (
            "features=read&api-version=2023-10-01",
            b'{"url": "https://10.0.0.1/a.png"}',
            "application/json",
            400,
            "InvalidImageUrl",
        ),
        ("features=read&api-version=2023-10-01", b'{"uri": 1}', "application/json", 400, "InvalidImageUrl"),
    ],
)
def test_bad_input_is_refused_in_the_answer_with_its_code(
    local_stack: Harness, query: str, body: bytes | None, content_type: str | None, status: int, code: str
) -> None:
    tenant, key = local_stack.new_tenant()
    document = encode(text_image(["Fine"]), "PNG") if body is None else body
    answer = _analyze(local_stack, key, document, query, content_type or "application/octet-stream")
    assert answer.status == status, answer.body
    error = answer.json()["error"]
    assert error["innererror"]["code"] == code and error["message"]
    assert "Retry-After" not in answer.headers
    local_stack.wait_for_executions()
    assert local_stack.stored_objects(tenant) == [] and local_stack.job_records() == []


def test_a_multi_page_pdf_gives_a_block_per_page_in_points(local_stack: Harness) -> None:
    _, key = local_stack.new_tenant()
    answer = _analyze(local_stack, key, text_pdf([["Lease signed in Bern"], [], ["Keys returned in May"]]))
    assert answer.status == 200, answer.body
    body = answer.json()
    assert body["metadata"] == {"width": 612, "height": 792}  # US Letter, 72 to the inch
    first, blank, third = body["readResult"]["blocks"]
    assert [line["text"] for line in first["lines"]] == ["Lease signed in Bern"]
    assert blank == {"lines": []}
    assert [line["text"] for line in third["lines"]] == ["Keys returned in May"]
    assert all(0 <= p["x"] <= 612 and 0 <= p["y"] <= 792 for p in third["lines"][0]["boundingPolygon"])


@pytest.fixture
def slower_than_a_request(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """An engine that reads nothing until released (the event, set once the answer is in,
    or at teardown), and requests that may wait 3 s. (A deadline of a second, with a
    slow engine, was sometimes spent before the job was submitted, on a loaded machine.)"""
    from docsafe.engines import cascade

    original = cascade.CascadeEngine.read
    released = threading.Event()

    def held(self, image, layout=False):  # type: ignore[no-untyped-def]
        released.wait(60)
        return original(self, image, layout)

    monkeypatch.setattr(cascade.CascadeEngine, "read", held)
    monkeypatch.setenv("DOCSAFE_SYNC_READ_SECONDS", "3")
    runtime.reset()
    yield released
    released.set()


def test_an_image_not_read_in_time_is_answered_with_the_asynchronous_route_and_purged(
    local_stack: Harness, slower_than_a_request: threading.Event
) -> None:
    # Given an engine slower than the request may wait
    tenant, key = local_stack.new_tenant()
    answer = _analyze(local_stack, key, encode(text_image(["Too slow"]), "PNG"))
    slower_than_a_request.set()
    # Then the answer says so, and where to read it instead
    assert answer.status == 400, answer.body
    error = answer.json()["error"]
    assert error["innererror"]["code"] == "Timeout" and "/vision/v3.2/read/analyze" in error["message"]
    # (the job was submitted, and its purge is receipted)
    assert json.loads(answer.headers["x-docsafe-receipt"])["destroyed"]["input"]
    # And nothing of the job remains once its reading stops
    local_stack.wait_for_executions()
    assert local_stack.stored_objects(tenant) == [] and local_stack.job_records() == []


def test_a_request_without_a_key_is_refused(local_stack: Harness) -> None:
    answer = _analyze(local_stack, None, encode(text_image(["No key"]), "PNG"))
    assert answer.status == 401 and answer.json()["error"]["code"] == "401"
    assert local_stack.stored_objects() == []


def test_an_image_body_too_large_for_a_lambda_event_is_told_to_go_as_a_url(local_stack: Harness) -> None:
    # A body travels base64-encoded in the event, which Lambda takes up to 6 MB: API
    # Gateway cannot pass a 4.9 MB image to the function (local mode refuses it the same)
    tenant, key = local_stack.new_tenant()
    answer = _analyze(local_stack, key, b"\x89PNG\r\n\x1a\n" + b"\0" * 4_900_000)
    assert answer.status == 500
    message = answer.json()["error"]["message"]
    assert "4.4 MB" in message and '{"url": ...}' in message
    assert local_stack.stored_objects(tenant) == []


def test_a_read_whose_workflow_cannot_be_stopped_is_purged_all_the_same(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch, slower_than_a_request: threading.Event
) -> None:
    # (moto's stop_execution can fail on an execution that just started: the purge, which
    # stops the stages by itself, must not wait on it)
    from docsafe.workflows import Workflows

    def broken(self, operation_id):  # type: ignore[no-untyped-def]
        raise AttributeError("'NoneType' object has no attribute 'set_stop'")

    monkeypatch.setattr(Workflows, "stop_analysis", broken)
    tenant, key = local_stack.new_tenant()
    answer = _analyze(local_stack, key, encode(text_image(["Too slow"]), "PNG"))
    slower_than_a_request.set()
    assert answer.status == 400, answer.body
    assert json.loads(answer.headers["x-docsafe-receipt"])["destroyed"]["input"]
    local_stack.wait_for_executions()
    assert local_stack.stored_objects(tenant) == [] and local_stack.job_records() == []
