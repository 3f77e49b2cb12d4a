"""Analyze requests API Gateway stored in intake/, on their way to becoming jobs: what a
client sees meanwhile, and a delete that meets the intake function half-way."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import boto3
import pytest
from docsafe import runtime
from docsafe.intake import Intake
from docsafe.settings import API_VERSION
from docsafe_tools.local.stack import invoke

from tests.support.clock import Clock
from tests.support.documents import encode, text_image, words_of
from tests.support.stack import REGION, Harness

RESULTS = "/documentintelligence/documentModels/{model}/analyzeResults/{operation}"


def stored_request(local_stack: Harness, tenant: str, words: list[str], model: str = "prebuilt-read") -> str:
    """What API Gateway puts into S3 for an analyze request; returns the operation id."""
    operation_id = str(uuid.uuid4())
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=local_stack.settings.documents_bucket,
        Key=f"intake/{tenant}/{operation_id}",
        Body=encode(text_image(words), "PNG"),
        ContentType="application/octet-stream",
        Metadata={"model": f"{model}:analyze", "api-version": API_VERSION},
    )
    return operation_id


def before_the_workflow_starts(monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[], object]) -> None:
    """Run `meanwhile` once, when the intake function has recorded the job and checks the
    request is still wanted (the moment before it starts the workflow)."""
    intake = runtime.services().intake
    real_still_there = intake.still_there
    done: list[bool] = []

    def still_there(request):  # type: ignore[no-untyped-def]
        if not done:
            done.append(True)
            meanwhile()
        return real_still_there(request)

    monkeypatch.setattr(intake, "still_there", still_there)


def object_created(tenant: str, operation_id: str) -> dict:
    return {"detail": {"object": {"key": f"intake/{tenant}/{operation_id}"}}}


def test_a_request_not_yet_taken_in_is_not_started_for_its_tenant_only(local_stack: Harness) -> None:
    owner, other = local_stack.new_key("acme"), local_stack.new_key("globex")
    operation_id = stored_request(local_stack, "acme", ["Waiting words"])
    path = RESULTS.format(model="prebuilt-read", operation=operation_id)
    waiting = local_stack.request("GET", path, owner)
    assert waiting.status == 200 and waiting.json()["status"] == "notStarted"
    assert waiting.headers["Retry-After"] == "1"
    # Another tenant, and another model's path, get what an unknown id gets
    for key, asked in (
        (other, path),
        (owner, RESULTS.format(model="prebuilt-layout", operation=operation_id)),
    ):
        answer = local_stack.request("GET", asked, key)
        assert answer.status == 404 and answer.json()["error"]["innererror"]["code"] == "OperationNotFound"
    # Taken in, it runs to its result
    invoke(local_stack.stack, "IntakeFunction", object_created("acme", operation_id))
    assert {"waiting", "words"} <= words_of(local_stack.wait(path, owner)["analyzeResult"]["content"])
    assert not [o for o in local_stack.stored_objects() if "/intake/" in o]


def test_a_request_deleted_before_it_was_taken_in_never_becomes_a_job(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    operation_id = stored_request(local_stack, "acme", ["Withdrawn words"])
    path = RESULTS.format(model="prebuilt-read", operation=operation_id)
    deleted = local_stack.request("DELETE", f"/v1/operations/{operation_id}", key, query="")
    assert deleted.status == 200 and deleted.json()["receipt"]["destroyed"]["input"] is True
    invoke(local_stack.stack, "IntakeFunction", object_created("acme", operation_id))
    assert local_stack.request("GET", path, key).status == 404
    assert local_stack.job_records() == [] and local_stack.stored_objects() == []


def test_a_delete_while_the_intake_function_submits_leaves_nothing(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = local_stack.new_key("acme")
    operation_id = stored_request(local_stack, "acme", ["Raced words"])

    def delete() -> None:
        # The client's delete lands after the job was recorded, before the workflow starts
        answer = local_stack.request("DELETE", f"/v1/operations/{operation_id}", key, query="")
        assert answer.status == 200, answer.body

    before_the_workflow_starts(monkeypatch, delete)
    invoke(local_stack.stack, "IntakeFunction", object_created("acme", operation_id))
    local_stack.wait_for_executions()
    assert local_stack.job_records() == [] and local_stack.stored_objects() == []


def test_an_event_delivered_twice_makes_one_job(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    operation_id = stored_request(local_stack, "acme", ["Once only"])
    for _ in range(2):
        invoke(local_stack.stack, "IntakeFunction", object_created("acme", operation_id))
    local_stack.wait(RESULTS.format(model="prebuilt-read", operation=operation_id), key)
    assert [r["operationId"]["S"] for r in local_stack.job_records()] == [operation_id]


def test_objects_outside_intake_are_not_taken_for_requests() -> None:
    assert Intake.parse_key("intake/acme/not-an-id") is None
    assert Intake.parse_key("uploads/acme/0b7c4a52-6f1e-4c3b-9a57-3f2d1e0c9b8a") is None
    assert Intake.parse_key("intake/../0b7c4a52-6f1e-4c3b-9a57-3f2d1e0c9b8a") is None
    assert Intake.parse_key("intake/acme/0b7c4a52-6f1e-4c3b-9a57-3f2d1e0c9b8a") == (
        "acme",
        "0b7c4a52-6f1e-4c3b-9a57-3f2d1e0c9b8a",
    )


def test_a_request_the_intake_function_never_took_in_is_removed_after_an_hour(
    local_stack: Harness, fake_clock: Clock
) -> None:
    from docsafe.intake import INTAKE_SECONDS

    stored_request(local_stack, "acme", ["Never taken in"])
    assert invoke(local_stack.stack, "PurgeFunction", {})["orphanObjects"] == 0
    fake_clock.now += INTAKE_SECONDS
    assert invoke(local_stack.stack, "PurgeFunction", {})["orphanObjects"] == 1
    assert local_stack.stored_objects() == []


def test_a_request_lambda_gave_up_on_is_reported_failed_not_left_waiting(
    local_stack: Harness, fake_clock: Clock
) -> None:
    from docsafe.intake import INTAKE_ATTEMPTS_SECONDS
    from docsafe_tools.local.template import load_template

    # What Lambda's event configuration says is what the status relies on
    config = load_template().resources["IntakeFunction"]["Properties"]["EventInvokeConfig"]
    assert config["MaximumEventAgeInSeconds"] == INTAKE_ATTEMPTS_SECONDS
    key = local_stack.new_key("acme")
    operation_id = stored_request(local_stack, "acme", ["Never taken in"])
    path = RESULTS.format(model="prebuilt-read", operation=operation_id)
    assert local_stack.request("GET", path, key).json()["status"] == "notStarted"
    fake_clock.now += INTAKE_ATTEMPTS_SECONDS + 1  # (S3 keeps whole seconds)
    body = local_stack.request("GET", path, key).json()
    assert body["status"] == "failed" and body["error"]["code"] == "InternalServerError"
    assert "Retry-After" not in local_stack.request("GET", path, key).headers


def test_an_event_delivered_again_while_the_first_is_taking_it_in_loses_nothing(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = local_stack.new_key("acme")
    operation_id = stored_request(local_stack, "acme", ["Delivered twice"])
    # Lambda delivers the same event again while the first delivery seals the document
    before_the_workflow_starts(
        monkeypatch, lambda: invoke(local_stack.stack, "IntakeFunction", object_created("acme", operation_id))
    )
    invoke(local_stack.stack, "IntakeFunction", object_created("acme", operation_id))
    body = local_stack.wait(RESULTS.format(model="prebuilt-read", operation=operation_id), key)
    assert {"delivered", "twice"} <= words_of(body["analyzeResult"]["content"])
    assert [r["operationId"]["S"] for r in local_stack.job_records()] == [operation_id]
    assert not [o for o in local_stack.stored_objects() if "/intake/" in o]


def test_a_request_that_names_its_own_request_id_is_refused_before_anything_is_stored(
    local_stack: Harness,
) -> None:
    # API Gateway would take the client's x-amzn-RequestId as the operation id and key
    key = local_stack.new_key("acme")
    chosen = "0b7c4a52-6f1e-4c3b-9a57-3f2d1e0c9b8a"
    answer = local_stack.gateway.handle(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        query=f"api-version={API_VERSION}",
        headers={"Ocp-Apim-Subscription-Key": key, "X-Amzn-RequestId": chosen},
        body=encode(text_image(["Chosen id"]), "PNG"),
    )
    assert answer.status == 401
    assert local_stack.stored_objects() == [] and local_stack.job_records() == []
