"""The local API front end meets the limits of API Gateway and Lambda as AWS does, so a
test sees what the deployed stack would answer."""

from __future__ import annotations

import json
import threading
import time

import pytest
from docsafe_tools.local import server
from docsafe_tools.local.server import Gateway, GatewayResponse

from tests.support.stack import Harness


def functions_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions local mode invokes from now on, in order."""
    ran: list[str] = []
    real_invoke = server.invoke

    def recording(stack, name, event):  # type: ignore[no-untyped-def]
        ran.append(name)
        return real_invoke(stack, name, event)

    monkeypatch.setattr(server, "invoke", recording)
    return ran


def _azure_error(answer: GatewayResponse) -> dict:
    """The API's error shape: what the Azure clients read."""
    assert answer.headers["Content-Type"] == "application/json"
    return json.loads(answer.body)["error"]


def test_an_answer_over_lambdas_6_mb_is_api_gateways_502_in_the_apis_shape(
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
    assert answer.status == 502 and _azure_error(answer)["code"] == "InternalServerError"


def test_a_request_that_runs_past_29_seconds_gets_api_gateways_504(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_invoke = server.invoke

    def slow(stack, name, event):  # type: ignore[no-untyped-def]
        if name == "StatusFunction":
            time.sleep(0.5)
        return real_invoke(stack, name, event)

    monkeypatch.setattr(server, "invoke", slow)
    gateway = Gateway(local_stack.stack, scheme="https", timeout_seconds=0.1)  # 29 s, scaled down
    key = local_stack.new_key("acme")
    answer = gateway.handle("GET", "/v1/operations", headers={"Ocp-Apim-Subscription-Key": key})
    assert answer.status == 504 and _azure_error(answer)["code"] == "Timeout"
    with server._ROUTER_LOCK:  # the function finishes in the background, as in Lambda
        pass


def test_a_body_over_10_mb_never_reaches_a_function_and_is_told_the_ways_that_work(
    local_stack: Harness,
) -> None:
    answer = local_stack.request(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        local_stack.new_key("acme"),
        body=b"%PDF" + b"x" * (10 * 1024 * 1024),
    )
    assert answer.status == 413
    assert "/v1/uploads" in _azure_error(answer)["message"] and "urlSource" in _azure_error(answer)["message"]
    assert local_stack.job_records() == []


def test_a_request_without_a_valid_key_is_refused_before_any_route_runs(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = functions_run(monkeypatch)
    for key in (None, "dsk_not-a-key"):
        answer = local_stack.request("GET", "/v1/operations", key, query="")
        assert answer.status == 401 and _azure_error(answer)["code"] == "401"
    assert set(ran) == {"AuthorizerFunction"}


def test_a_path_the_api_does_not_have_is_a_404_in_the_apis_shape_without_asking_the_authorizer(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[str] = []
    monkeypatch.setattr(server, "invoke", lambda stack, name, event: ran.append(name))
    for method, path in [("GET", "/v1"), ("GET", "/nothing/here"), ("PUT", "/v1/operations")]:
        answer = local_stack.request(method, path, None, query="")
        assert answer.status == 404 and _azure_error(answer)["code"] == "NotFound", (method, path)
    assert ran == []


def test_every_route_of_the_azure_contract_reaches_its_function(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A REST API picks the resource first, then the method: a method missing on a more
    # specific resource is API Gateway's own 404, even where a greedy one would take it.
    ran = functions_run(monkeypatch)
    key = local_stack.new_key("acme")
    models = "/documentintelligence/documentModels"
    result = f"{models}/prebuilt-read/analyzeResults/0b7c4a52-6f1e-4c3b-9a57-3f2d1e0c9b8a"
    for method, path, function in [
        ("GET", models, "StatusFunction"),
        ("GET", f"{models}/prebuilt-read", "StatusFunction"),
        ("DELETE", f"{models}/custom-one", "DeleteFunction"),
        # (API Gateway stores it in S3; EventBridge starts the intake function)
        ("POST", f"{models}/prebuilt-read:analyze", "IntakeFunction"),
        ("POST", f"{models}:build", "SubmitFunction"),
        ("GET", result, "StatusFunction"),
        ("DELETE", result, "DeleteFunction"),
        ("GET", f"{result}/pdf", "ResultFunction"),
        ("GET", f"{result}/figures/1.1", "ResultFunction"),
        ("GET", "/documentintelligence/info", "StatusFunction"),
        ("GET", "/documentintelligence/operations/0b7c4a52", "StatusFunction"),
    ]:
        ran.clear()
        local_stack.request(method, path, key)
        assert ran == ["AuthorizerFunction", function], (method, path)


def test_waiting_for_another_request_does_not_count_against_the_29_seconds(local_stack: Harness) -> None:
    # Local mode runs API handlers one at a time (Lambda would start another instance):
    # the time spent queued behind a slow request is not the function's own
    gateway = Gateway(local_stack.stack, scheme="https", timeout_seconds=2)
    key = local_stack.new_key("acme")
    locked = threading.Event()

    def hold() -> None:
        with server._ROUTER_LOCK:
            locked.set()
            time.sleep(3)

    held = threading.Thread(target=hold)
    held.start()
    assert locked.wait(5)
    answer = gateway.handle("GET", "/v1/operations", headers={"Ocp-Apim-Subscription-Key": key})
    held.join()
    assert answer.status == 200, answer.body


def test_a_path_no_function_has_is_a_404_whatever_the_request_lacks(local_stack: Harness) -> None:
    # The greedy routes take any /documentintelligence/ path to a function: one it has no
    # route for is a 404, with or without the api-version its routes need
    key = local_stack.new_key("acme")
    for method, path in [
        ("POST", "/documentintelligence/documentClassifiers:build"),
        ("GET", "/documentintelligence/nothing"),
        ("DELETE", "/documentintelligence/nothing/here"),
    ]:
        for query in ("", "api-version=2024-11-30"):
            answer = local_stack.request(method, path, key, query=query)
            assert answer.status == 404 and _azure_error(answer)["code"] == "NotFound", (method, path, query)
