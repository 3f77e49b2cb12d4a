"""What the logs say of a job: each line names its tenant and operation, and the operation
id is the correlation id from the request through the intake to every stage."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from aws_lambda_powertools import Logger

from tests.support.documents import encode, text_image
from tests.support.stack import Harness

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
