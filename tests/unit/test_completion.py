"""Completion events (docsafe.completion): what an event says, and that publishing never
holds or fails the job."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from docsafe.completion import DETAIL_TYPE, SOURCE, CompletionEvents
from docsafe.jobs import Job, Status


def job(**changes: Any) -> Job:
    base = dict(
        tenant="acme",
        operation_id="0b7c4a52-6f1e-4c3b-9a57-3f2d1e0c9b8a",
        model_id="prebuilt-layout",
        status=Status.SUCCEEDED,
        created_at=1_800_000_000.0,
        updated_at=1_800_000_010.0,
        expires_at=1_800_086_400.0,
        wrapped_key=b"k",
        page_count=3,
    )
    return Job(**{**base, **changes})  # type: ignore[arg-type]


class Client:
    def __init__(self, fail: Exception | None = None, answer: dict[str, Any] | None = None):
        self.entries: list[dict[str, Any]] = []
        self._fail, self._answer = fail, answer or {"FailedEntryCount": 0, "Entries": [{"EventId": "1"}]}

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        if self._fail is not None:
            raise self._fail
        self.entries.extend(Entries)
        return self._answer


def test_an_event_names_the_job_and_how_it_ended() -> None:
    client = Client()
    CompletionEvents(lambda: client, "docsafe-job-events", lambda: 1_800_000_020.0).ended(
        job(), "failed", "InvalidContent"
    )
    (entry,) = client.entries
    assert (entry["Source"], entry["DetailType"], entry["EventBusName"]) == (
        SOURCE,
        DETAIL_TYPE,
        "docsafe-job-events",
    )
    assert json.loads(entry["Detail"]) == {
        "operationId": "0b7c4a52-6f1e-4c3b-9a57-3f2d1e0c9b8a",
        "tenant": "acme",
        "modelId": "prebuilt-layout",
        "kind": "analysis",
        "status": "failed",
        "pageCount": 3,
        "createdDateTime": "2027-01-15T08:00:00Z",
        "endedDateTime": "2027-01-15T08:00:20Z",
        "errorCode": "InvalidContent",
    }
    CompletionEvents(lambda: client, "bus", lambda: 0.0).ended(
        job(options={"kind": "documentModelBuild"}), "succeeded"
    )
    assert json.loads(client.entries[-1]["Detail"])["kind"] == "modelBuild"


def test_without_a_bus_nothing_is_put() -> None:
    client = Client()
    CompletionEvents(lambda: client, "", lambda: 0.0).ended(job(), "succeeded")
    assert client.entries == []


@pytest.mark.parametrize(
    "client",
    [
        Client(fail=ClientError({"Error": {"Code": "AccessDeniedException"}}, "PutEvents")),
        Client(fail=EndpointConnectionError(endpoint_url="https://events")),
        Client(answer={"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure"}]}),
    ],
)
def test_an_event_that_cannot_be_put_does_not_fail_the_job(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe import completion

    warned: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(completion.logger, "warning", lambda message, **keys: warned.append((message, keys)))
    CompletionEvents(lambda: client, "bus", lambda: 0.0).ended(job(), "succeeded")  # raises nothing
    ((message, keys),) = warned
    assert message == "completion event not published"
    assert keys["operation_id"] == job().operation_id and keys["aws_error"]
