"""Faults injected at every stage: transient ones are retried by the state machine,
permanent ones end in `failed` with an error code, and no job is left running."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from docsafe import clock, runtime
from docsafe.sealing import KeyService
from docsafe.settings import API_VERSION
from docsafe_tools.local.stack import invoke

from tests.support.clock import Clock
from tests.support.documents import encode, text_image, text_pdf, words_of
from tests.support.stack import Harness, location_of, use_fake_textract


def failing(times: int, error: Exception, original: Any) -> Any:
    """A replacement that raises `error` the first `times` calls, then behaves."""
    calls = {"n": 0}

    def replacement(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] <= times:
            raise error
        return original(*args, **kwargs)

    replacement.calls = calls  # type: ignore[attr-defined]
    return replacement


def aws_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "injected"}}, operation)


def test_kms_throttling_is_retried_and_the_job_succeeds(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = local_stack.new_key("acme")
    location = local_stack.submit(text_pdf([["survives throttling"]]), key)
    patched = failing(2, aws_error("ThrottlingException", "Decrypt"), KeyService.open_job_key)
    monkeypatch.setattr(KeyService, "open_job_key", patched)
    body = local_stack.wait(location, key)
    assert body["status"] == "succeeded" and body["analyzeResult"]["content"] == "survives throttling"
    assert patched.calls["n"] >= 3


def test_a_permanent_storage_error_fails_the_job_with_a_code(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe.storage import SealedStore

    key = local_stack.new_key("acme")
    monkeypatch.setattr(
        SealedStore, "get", failing(10**6, aws_error("AccessDenied", "GetObject"), SealedStore.get)
    )
    body = local_stack.wait(local_stack.submit(text_pdf([["never read"]]), key), key)
    assert body["status"] == "failed"
    assert body["error"]["code"] == "InternalServerError"
    assert "AccessDenied" not in body["error"]["message"]


def test_textract_throttling_is_retried(local_stack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = use_fake_textract(monkeypatch)
    throttled = failing(1, aws_error("ThrottlingException", "DetectDocumentText"), fake.detect_document_text)
    monkeypatch.setattr(fake, "detect_document_text", throttled)
    key = local_stack.new_key("acme")
    body = local_stack.wait(local_stack.submit(encode(text_image(["Throttled once"]), "PNG"), key), key)
    assert body["status"] == "succeeded" and {"throttled", "once"} <= words_of(
        body["analyzeResult"]["content"]
    )
    assert throttled.calls["n"] == 2


def test_a_lambda_timeout_ends_as_a_timeout(local_stack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    from docsafe_tools.local import stack

    # Lambda itself stops a function at its timeout and reports this error name.
    timed_out = type("Sandbox.Timedout", (Exception,), {})
    original = stack.invoke

    def invoke_with_timeout(local: Any, function: str, event: dict[str, Any]) -> Any:
        if function == "ReadPageFunction":
            raise timed_out("Task timed out after 300.00 seconds")
        return original(local, function, event)

    monkeypatch.setattr(stack, "invoke", invoke_with_timeout)
    key = local_stack.new_key("acme")
    body = local_stack.wait(local_stack.submit(text_pdf([["too slow"]]), key), key)
    assert body["status"] == "failed" and body["error"]["code"] == "Timeout"


def test_the_watchdog_fails_jobs_whose_execution_died_and_the_purge_removes_them(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a job whose workflow never ran (its start was lost)
    services = runtime.services()
    monkeypatch.setattr(services.stepfunctions, "start_execution", lambda **kwargs: {})
    key = local_stack.new_key("acme")
    location = local_stack.submit(text_pdf([["orphan"]]), key)
    assert local_stack.request("GET", location, key).json()["status"] == "notStarted"
    monkeypatch.undo()
    # When the scheduled run comes after the grace period
    later = time.time() + 600
    with clock.using(lambda: later):
        report = invoke(local_stack.stack, "PurgeFunction", {})
        body = local_stack.request("GET", location, key).json()
    # Then the job is failed with a code, not left waiting
    assert report["recoveredJobs"] == 1
    assert body["status"] == "failed" and body["error"]["code"] == "InternalServerError"
    # And the purge removes it at the end of its retention like any other job
    gone = time.time() + local_stack.settings.retention_seconds + 1
    with clock.using(lambda: gone):
        invoke(local_stack.stack, "PurgeFunction", {})
    assert local_stack.job_records() == [] and local_stack.stored_objects() == []


def allow(monkeypatch: pytest.MonkeyPatch, fake_clock: Clock, work: int, reads: int) -> None:
    """Each tenant's allowance a minute (0: none), with the clock in mid-minute so that
    a test's requests all fall in one window."""
    fake_clock.now = fake_clock.now // 60 * 60 + 30
    monkeypatch.setenv("DOCSAFE_RATE_LIMIT_PER_MINUTE", str(work))
    monkeypatch.setenv("DOCSAFE_READ_RATE_LIMIT_PER_MINUTE", str(reads))
    runtime.reset()


def test_rate_limit_refuses_a_tenants_analyses_past_its_allowance_and_no_one_elses(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch, fake_clock: Clock
) -> None:
    allow(monkeypatch, fake_clock, work=2, reads=0)
    busy, quiet = local_stack.new_key("busy"), local_stack.new_key("quiet")
    pdf = text_pdf([["x"]])
    path = "/documentintelligence/documentModels/prebuilt-read:analyze"
    answers = [local_stack.request("POST", path, busy, body=pdf) for _ in range(3)]
    # API Gateway takes each in; the third is refused when taken in, before any work
    limited = local_stack.refusal(answers[2], busy)
    assert limited["code"] == "429" and "Try again in" in limited["message"]
    assert local_stack.wait(location_of(answers[0]), busy)["status"] == "succeeded"
    assert local_stack.wait(location_of(answers[1]), busy)["status"] == "succeeded"
    other = local_stack.request("POST", path, quiet, body=pdf, query=f"api-version={API_VERSION}")
    assert local_stack.wait(location_of(other), quiet)["status"] == "succeeded"


def test_reads_and_uploads_are_rate_limited_per_tenant_too(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch, fake_clock: Clock
) -> None:
    allow(monkeypatch, fake_clock, work=2, reads=3)
    busy, quiet = local_stack.new_key("busy"), local_stack.new_key("quiet")
    # Reads (each one a KMS decrypt and an audit write when it returns a result) have
    # their own allowance
    reads = [local_stack.request("GET", "/v1/operations", busy, query="").status for _ in range(4)]
    assert reads == [200, 200, 200, 429]
    # Uploads count with the work a tenant starts
    uploads = [
        local_stack.request("POST", "/v1/uploads", busy, query="", content_type="application/json").status
        for _ in range(3)
    ]
    assert uploads == [201, 201, 429]
    # Another tenant is not slowed down by it
    assert local_stack.request("GET", "/v1/operations", quiet, query="").status == 200
    assert (
        local_stack.request("POST", "/v1/uploads", quiet, query="", content_type="application/json").status
        == 201
    )
