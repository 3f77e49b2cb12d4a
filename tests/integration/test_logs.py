"""What the logs say of a job: each line names its tenant and operation, and the operation
id is the correlation id from the request through the intake to every stage."""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterator

import pytest
from aws_lambda_powertools import Logger
from docsafe.jobs import JobStore
from docsafe_tools.local.stack import invoke

from tests.support.documents import encode, text_image
from tests.support.stack import HANG_SECONDS, Harness

JOB_FUNCTIONS = {"IntakeFunction", "PrepareFunction", "ReadPageFunction", "AssembleFunction"}


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


@pytest.fixture
def logs() -> Iterator[Captured]:
    Logger(service="docsafe")  # the service's own handler first: this one copies its format
    service_logger = logging.getLogger("docsafe")
    captured = Captured()
    captured.setFormatter(service_logger.handlers[0].formatter)
    service_logger.addHandler(captured)
    yield captured
    service_logger.removeHandler(captured)


def test_a_jobs_lines_carry_its_operation_as_the_correlation_id(local_stack: Harness, logs: Captured) -> None:
    key = local_stack.new_key("acme")
    # One page, and no polling meanwhile: local mode runs every function in one process,
    # where their loggers share one set of keys (in Lambda each has its own)
    location = local_stack.submit(encode(text_image(["Correlated words"]), "PNG"), key)
    local_stack.wait_for_executions()
    operation_id = location.rsplit("/", 1)[-1]
    job_lines = [line for line in logs.lines if line.get("function_name") in JOB_FUNCTIONS]
    assert {line["function_name"] for line in job_lines} >= {"PrepareFunction", "AssembleFunction"}
    for line in job_lines:
        assert line["correlation_id"] == operation_id, line
        assert (line["tenant"], line["operation_id"]) == ("acme", operation_id), line


def test_an_api_request_is_logged_under_its_request_id(local_stack: Harness, logs: Captured) -> None:
    key = local_stack.new_key("acme")
    refused = local_stack.request("GET", "/v1/operations/not-an-id", key, query="")
    assert refused.status == 404
    (line,) = [line for line in logs.lines if line["message"] == "request refused"]
    assert line["function_name"] == "StatusFunction"
    assert line["correlation_id"]  # API Gateway's request id
    assert "tenant" not in line  # a later request's lines start clean


def test_invocations_running_at_once_in_local_mode_each_log_as_themselves(
    local_stack: Harness, logs: Captured, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a MarkFailed invocation held up in the middle (its job read waits, then fails)
    held, release = threading.Event(), threading.Event()

    def held_up(self: JobStore, tenant: str, operation_id: str) -> None:
        held.set()
        release.wait()  # until the other function has run and logged
        raise RuntimeError("the table went away")

    monkeypatch.setattr(JobStore, "get", held_up)
    operation_id = str(uuid.uuid4())
    event = {"tenant": "acme", "operationId": operation_id, "error": {"Error": "States.TaskFailed"}}
    outcome: list[BaseException] = []

    def mark_failed() -> None:
        try:
            invoke(local_stack.stack, "MarkFailedFunction", event)
        except Exception as exc:
            outcome.append(exc)

    stage = threading.Thread(target=mark_failed, daemon=True)
    stage.start()
    assert held.wait(HANG_SECONDS)
    # When another function runs meanwhile (the authorizer, refusing a key)
    try:
        assert local_stack.request("GET", "/v1/operations", "not-a-key", query="").status == 401
        assert [line for line in logs.lines if line["message"].startswith("unknown or revoked key")]
    finally:
        release.set()
    stage.join(HANG_SECONDS)
    assert not stage.is_alive()
    # Then each line names its own function, job and correlation id
    assert [type(exc).__name__ for exc in outcome] == ["StageFailed"]
    (failed,) = [line for line in logs.lines if line["message"] == "stage failed"]
    assert failed["function_name"] == "MarkFailedFunction"
    assert (failed["correlation_id"], failed["tenant"], failed["operation_id"]) == (
        operation_id,
        "acme",
        operation_id,
    )
    (refused,) = [line for line in logs.lines if line["message"].startswith("unknown or revoked key")]
    assert refused["function_name"] == local_stack.stack.authorizer
    assert refused["correlation_id"] != operation_id and "tenant" not in refused
