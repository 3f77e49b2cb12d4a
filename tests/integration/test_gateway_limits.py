"""The local API front end meets the limits of API Gateway and Lambda as AWS does, so a
test sees what the deployed stack would answer."""

from __future__ import annotations

import json
import threading
import time

import pytest
from docsafe.local import server
from docsafe.local.server import Gateway

from tests.support.stack import Harness


def test_an_answer_over_lambdas_6_mb_is_what_aws_answers(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A function that returns more than Lambda can carry (the API's own guard is off here)
    huge = {"statusCode": 200, "headers": {}, "body": "x" * (6 * 1024 * 1024), "isBase64Encoded": False}
    real_invoke = server.invoke
    monkeypatch.setattr(
        server,
        "invoke",
        lambda stack, name, event: huge if name == "StatusFunction" else real_invoke(stack, name, event),
    )
    answer = local_stack.request("GET", "/v1/operations", local_stack.new_key("acme"), query="")
    assert answer.status == 500 and json.loads(answer.body) == {"message": "Internal Server Error"}


def test_a_request_that_runs_past_30_seconds_gets_api_gateways_503(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_invoke = server.invoke

    def slow(stack, name, event):  # type: ignore[no-untyped-def]
        if name == "StatusFunction":
            time.sleep(0.5)
        return real_invoke(stack, name, event)

    monkeypatch.setattr(server, "invoke", slow)
    gateway = Gateway(local_stack.stack, scheme="https", timeout_seconds=0.1)  # 30 s, scaled down
    key = local_stack.new_key("acme")
    answer = gateway.handle("GET", "/v1/operations", headers={"Ocp-Apim-Subscription-Key": key})
    assert answer.status == 503 and json.loads(answer.body) == {"message": "Service Unavailable"}
    time.sleep(0.6)  # the function finishes in the background, as in Lambda


def test_a_body_over_10_mb_never_reaches_a_function(local_stack: Harness) -> None:
    answer = local_stack.request(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        local_stack.new_key("acme"),
        body=b"%PDF" + b"x" * (10 * 1024 * 1024),
    )
    assert answer.status == 413 and json.loads(answer.body) == {"message": "Request Entity Too Large"}
    assert local_stack.job_records() == []


def test_waiting_for_another_request_does_not_count_against_the_30_seconds(local_stack: Harness) -> None:
    # Local mode runs API handlers one at a time (Lambda would start another instance):
    # the time spent queued behind a slow request is not the function's own
    gateway = Gateway(local_stack.stack, scheme="https", timeout_seconds=0.5)
    key = local_stack.new_key("acme")
    held = threading.Thread(
        target=lambda: (server._ROUTER_LOCK.acquire(), time.sleep(0.8), server._ROUTER_LOCK.release())
    )
    held.start()
    time.sleep(0.05)
    answer = gateway.handle("GET", "/v1/operations", headers={"Ocp-Apim-Subscription-Key": key})
    held.join()
    assert answer.status == 200, answer.body
