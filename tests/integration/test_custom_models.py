"""Custom template models: built from labelled forms in the tenant's own bucket, used to
extract fields from a new form, visible to nobody else, deleted for good."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from docsafe_tools.local.server import GatewayResponse

from tests.support.documents import encode
from tests.support.forms import assert_fields_are, fields_json, filled_form, random_values
from tests.support.stack import REGION, Harness

TRAINING_BUCKET = "acme-training-data"
UNSEEN = {
    "CustomerName": "Ingrid Olsen",
    "PolicyNumber": "PX-7310",
    "StartDate": "2026-09-17",
    "Premium": "1234.56",
}


def training_folder(prefix: str = "forms/", count: int = 5, tenant: str = "acme") -> None:
    """The tenant's bucket with `count` labelled forms and fields.json under `prefix`, which
    the operator allowed the tenant to train from."""
    allow_training(tenant, TRAINING_BUCKET)
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=TRAINING_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket=TRAINING_BUCKET, Key=prefix + "fields.json", Body=json.dumps(fields_json()))
    for seed in range(count):
        form = filled_form(random_values(seed))
        s3.put_object(Bucket=TRAINING_BUCKET, Key=f"{prefix}form-{seed}.png", Body=encode(form.image, "PNG"))
        labels = form.labels(f"form-{seed}.png")
        s3.put_object(
            Bucket=TRAINING_BUCKET, Key=f"{prefix}form-{seed}.png.labels.json", Body=json.dumps(labels)
        )


def allow_training(tenant: str, bucket: str, prefix: str = "") -> None:
    from docsafe import runtime
    from docsafe.tenants import TrainingSource

    runtime.services().tenants.allow_training(tenant, TrainingSource(bucket, prefix))


def request_build(stack: Harness, key: str, body: dict[str, Any]) -> GatewayResponse:
    return stack.request(
        "POST",
        "/documentintelligence/documentModels:build",
        key,
        body=json.dumps(body).encode(),
        content_type="application/json",
    )


def build(
    stack: Harness, key: str, model_id: str, prefix: str = "forms/", bucket: str = TRAINING_BUCKET
) -> dict[str, Any]:
    """Build `model_id` from `bucket`/`prefix` and poll its operation to the end."""
    body = {
        "modelId": model_id,
        "description": "Insurance applications",
        "buildMode": "template",
        "s3Source": {"bucket": bucket, "prefix": prefix},
    }
    answer = request_build(stack, key, body)
    assert answer.status == 202, answer.body
    location = urlsplit(answer.headers["Operation-Location"]).path
    assert location.startswith("/documentintelligence/operations/")
    return stack.wait(location, key)


def test_a_model_built_from_labelled_forms_extracts_the_fields_of_a_new_one(local_stack: Harness) -> None:
    # Given five labelled forms of one layout in the tenant's own bucket
    training_folder()
    key = local_stack.new_key("acme")

    # When the tenant builds a template model from them
    operation = build(local_stack, key, "insurance-form")

    # Then the build succeeds, names the fields it learned, and keeps no training copy
    assert operation["status"] == "succeeded", operation
    assert operation["kind"] == "documentModelBuild"
    schema = operation["result"]["docTypes"]["insurance-form"]["fieldSchema"]
    assert schema == {
        "CustomerName": {"type": "string"},
        "PolicyNumber": {"type": "string"},
        "StartDate": {"type": "date"},
        "Premium": {"type": "number"},
    }
    assert not [
        o for o in local_stack.stored_objects() if "/jobs/" in o or o.split("/", 1)[1].startswith("jobs/")
    ]
    listed = local_stack.request("GET", "/documentintelligence/documentModels", key).json()["value"]
    assert "insurance-form" in [m["modelId"] for m in listed]

    # When a new, unseen form is analyzed with the model
    location = local_stack.submit(
        encode(filled_form(UNSEEN, shift=(40, 30)).image, "PNG"), key, model="insurance-form"
    )
    result = local_stack.wait(location, key)["analyzeResult"]

    # Then its document carries every field with the right typed value
    (document,) = result["documents"]
    fields = document["fields"]
    assert document["docType"] == "insurance-form"
    assert_fields_are(fields, UNSEEN)
    assert result["pages"] and "Ingrid Olsen" in result["content"]


def test_another_tenant_can_neither_see_nor_use_the_model_and_a_delete_is_final(local_stack: Harness) -> None:
    training_folder()
    owner, other = local_stack.new_key("acme"), local_stack.new_key("globex")
    assert build(local_stack, owner, "claims")["status"] == "succeeded"
    form = encode(filled_form(UNSEEN).image, "PNG")
    analyze = "/documentintelligence/documentModels/claims:analyze"

    # Another tenant gets ModelNotFound everywhere, exactly as for a model that never existed
    for answer in (
        local_stack.request("GET", "/documentintelligence/documentModels/claims", other),
        local_stack.request("DELETE", "/documentintelligence/documentModels/claims", other),
        local_stack.request("GET", "/documentintelligence/documentModels/never-built", owner),
    ):
        assert answer.status == 404
        assert answer.json()["error"]["innererror"]["code"] == "ModelNotFound"
    # (an analyze request is taken in after API Gateway answered: a failed operation)
    refused = local_stack.refusal(local_stack.request("POST", analyze, other, body=form), other)
    assert refused["innererror"]["code"] == "ModelNotFound"
    listed = local_stack.request("GET", "/documentintelligence/documentModels", other).json()["value"]
    assert "claims" not in [m["modelId"] for m in listed]

    # A second build of the same id is refused; the owner's delete removes key and model
    training = {
        "modelId": "claims",
        "buildMode": "template",
        "s3Source": {"bucket": TRAINING_BUCKET, "prefix": "forms/"},
    }
    again = request_build(local_stack, owner, training)
    assert again.status == 409 and again.json()["error"]["innererror"]["code"] == "ModelExists"
    assert local_stack.request("DELETE", "/documentintelligence/documentModels/claims", owner).status == 204
    after = local_stack.refusal(local_stack.request("POST", analyze, owner, body=form), owner)
    assert after["innererror"]["code"] == "ModelNotFound"
    assert not [o for o in local_stack.stored_objects() if "/models/" in o]
    tables = boto3.client("dynamodb", region_name=REGION)
    assert tables.scan(TableName=local_stack.settings.models_table)["Items"] == []


@pytest.mark.parametrize(
    ("prefix", "count", "inner"),
    [("empty/", 0, "TrainingContentMissing"), ("forms/", 5, None)],
)
def test_a_build_without_training_data_fails_with_a_reason(
    local_stack: Harness, prefix: str, count: int, inner: str | None
) -> None:
    training_folder(count=count)
    key = local_stack.new_key("acme")
    operation = build(local_stack, key, "model-" + prefix.strip("/"), prefix=prefix)
    if inner is None:
        assert operation["status"] == "succeeded"
        return
    assert operation["status"] == "failed"
    assert operation["error"]["innererror"]["code"] == inner
    assert "fields.json" in operation["error"]["message"]


def test_build_requests_are_checked_before_anything_starts(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    cases = [
        (
            {
                "modelId": "prebuilt-mine",
                "buildMode": "template",
                "s3Source": {"bucket": "b-1x", "prefix": ""},
            },
            "modelId",
        ),
        ({"modelId": "mine", "buildMode": "neural", "s3Source": {"bucket": "b-1x"}}, "buildMode"),
        (
            {"modelId": "mine", "buildMode": "template", "azureBlobSource": {"containerUrl": "https://x"}},
            "s3Source",
        ),
    ]
    for body, target in cases:
        answer = request_build(local_stack, key, body)
        assert answer.status == 400 and answer.json()["error"]["target"] == target, answer.body
    assert local_stack.job_records() == []


def test_models_outlive_the_retention_purge_but_a_model_without_its_key_is_swept(
    local_stack: Harness,
) -> None:
    from docsafe import clock, runtime
    from docsafe_tools.local.stack import invoke

    # Given a built model, and a day and more later
    training_folder()
    key = local_stack.new_key("acme")
    assert build(local_stack, key, "long-lived")["status"] == "succeeded"
    later = time.time() + 2 * local_stack.settings.retention_seconds
    with clock.using(lambda: later):
        runtime.reset()
        # When the scheduled purge runs, the model is still there and still works
        invoke(local_stack.stack, "PurgeFunction", {"source": "aws.events"})
        assert [o for o in local_stack.stored_objects() if "/models/acme/long-lived/" in o]
        assert (
            local_stack.request("GET", "/documentintelligence/documentModels/long-lived", key).status == 200
        )
        # But a sealed model whose record (and key) is gone is swept as a stray object
        boto3.client("dynamodb", region_name=REGION).delete_item(
            TableName=local_stack.settings.models_table,
            Key={"tenant": {"S": "acme"}, "modelId": {"S": "long-lived"}},
        )
        report = invoke(local_stack.stack, "PurgeFunction", {"source": "aws.events"})
    runtime.reset()
    assert report["orphanObjects"] == 1
    assert not [o for o in local_stack.stored_objects() if "/models/" in o]


def test_training_data_in_another_region_is_refused(local_stack: Harness) -> None:
    from docsafe.failures import TRAINING_SOURCE_REFUSED

    allow_training("acme", "acme-far-away")
    s3 = boto3.client("s3", region_name="us-west-2")
    s3.create_bucket(Bucket="acme-far-away", CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    s3.put_object(Bucket="acme-far-away", Key="fields.json", Body=json.dumps(fields_json()))
    operation = build(local_stack, local_stack.new_key("acme"), "far", prefix="", bucket="acme-far-away")
    assert operation["status"] == "failed"
    assert operation["error"]["innererror"]["code"] == "AuthorizationFailed"
    assert operation["error"]["message"] == TRAINING_SOURCE_REFUSED


def test_a_stack_on_the_textract_engine_builds_and_uses_models_too(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.stack import use_fake_textract

    # Given a stack whose engine is Amazon Textract (answered by the stand-in)
    fake = use_fake_textract(monkeypatch)
    training_folder()
    key = local_stack.new_key("acme")
    # When it builds a model and reads a new form with it
    assert build(local_stack, key, "textract-forms")["status"] == "succeeded"
    location = local_stack.submit(encode(filled_form(UNSEEN).image, "PNG"), key, model="textract-forms")
    (document,) = local_stack.wait(location, key)["analyzeResult"]["documents"]
    # Then the fields are right, and every page went through Textract's synchronous API
    assert_fields_are(document["fields"], UNSEEN)
    assert [name for name, _ in fake.calls] == ["DetectDocumentText"] * 6


def test_an_analysis_whose_model_was_deleted_meanwhile_fails_with_model_not_found(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe import runtime
    from docsafe.failures import ModelGone
    from docsafe_tools.local.stack import invoke

    training_folder()
    key = local_stack.new_key("acme")
    assert build(local_stack, key, "short-lived")["status"] == "succeeded"
    # Given an analysis submitted with the model, its workflow run here stage by stage
    services = runtime.services()
    monkeypatch.setattr(services.stepfunctions, "start_execution", lambda **_: {"executionArn": "held"})
    location = local_stack.submit(encode(filled_form(UNSEEN).image, "PNG"), key, model="short-lived")
    job = {"tenant": "acme", "operationId": location.rsplit("/", 1)[1]}
    stack = local_stack.stack
    invoke(stack, "PrepareFunction", job)
    invoke(stack, "ReadPageFunction", {**job, "pages": [1]})
    # When the model is deleted before the result is assembled
    assert (
        local_stack.request("DELETE", "/documentintelligence/documentModels/short-lived", key).status == 204
    )
    # Then assembly fails with the reason, and the client sees the job failed ModelNotFound
    with pytest.raises(ModelGone) as failure:
        invoke(stack, "AssembleFunction", {**job, "pages": [1]})
    cause = json.dumps({"errorType": "ModelGone", "errorMessage": str(failure.value)})
    invoke(stack, "MarkFailedFunction", {**job, "error": {"Error": "ModelGone", "Cause": cause}})
    body = local_stack.request("GET", location, key).json()
    assert body["status"] == "failed"
    assert body["error"]["innererror"]["code"] == "ModelNotFound"


def test_a_build_that_fails_after_copying_documents_keeps_none_of_them(local_stack: Harness) -> None:
    # Given two good labelled forms, then a labels file whose document is not there
    training_folder(count=2)
    lost = filled_form(random_values(99)).labels("lost.png")
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=TRAINING_BUCKET, Key="forms/zz-lost.png.labels.json", Body=json.dumps(lost)
    )
    # When the build reaches it
    operation = build(local_stack, local_stack.new_key("acme"), "incomplete")
    # Then it fails naming the missing file, and the copies already made are gone
    assert operation["status"] == "failed", operation
    assert "lost.png" in operation["error"]["message"]
    assert not [o for o in local_stack.stored_objects() if o.split("/", 1)[1].startswith("jobs/")]


def test_resource_info_has_every_field_the_client_reads(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    info = local_stack.request("GET", "/documentintelligence/info", key).json()
    assert info["customDocumentModels"] == {"count": 0, "limit": 5000}
    neural = info["customNeuralDocumentModelBuilds"]
    # DocSafe builds no neural models: none used of none, the quota renewed on the 1st
    assert (neural["used"], neural["quota"]) == (0, 0)
    assert re.fullmatch(r"\d{4}-\d{2}-01T00:00:00Z", neural["quotaResetDateTime"])


def test_model_ids_follow_azures_pattern(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    # A first digit is Azure's; a first dash is not
    assert local_stack.request("GET", "/documentintelligence/documentModels/2024-invoices", key).status == 404
    refused = local_stack.request("GET", "/documentintelligence/documentModels/-invoices", key)
    assert refused.status == 400 and refused.json()["error"]["innererror"]["code"] == "InvalidParameter"
