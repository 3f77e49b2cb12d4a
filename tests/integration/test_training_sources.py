"""Custom-model training sources as an attacker would try them: another tenant's folder,
the stack's own buckets, buckets that do not exist, path tricks, a folder withdrawn after
the request; and what a failed build leaves in Step Functions' history."""

from __future__ import annotations

import json

import boto3
import pytest
from docsafe import runtime
from docsafe.failures import TRAINING_SOURCE_REFUSED
from docsafe.tenants import TrainingSource

from tests.integration.test_custom_models import TRAINING_BUCKET, build, request_build, training_folder
from tests.support.forms import filled_form, random_values
from tests.support.stack import REGION, Harness


def build_body(bucket: str, prefix: str, model_id: str = "stolen") -> dict:
    return {"modelId": model_id, "buildMode": "template", "s3Source": {"bucket": bucket, "prefix": prefix}}


def test_a_tenant_cannot_build_from_a_folder_the_operator_did_not_allow_it(local_stack: Harness) -> None:
    # Given the operator allowed globex its own folder of a shared training bucket
    training_folder(prefix="globex/", tenant="globex")
    policies = runtime.services().tenants
    policies.revoke_training("globex", TrainingSource(TRAINING_BUCKET, ""))
    policies.allow_training("globex", TrainingSource(TRAINING_BUCKET, "globex/"))
    policies.allow_training("acme", TrainingSource(TRAINING_BUCKET, "acme/"))
    # and the globex folder builds for globex
    assert (
        build(local_stack, local_stack.new_key("globex"), "theirs", prefix="globex/")["status"] == "succeeded"
    )
    acme = local_stack.new_key("acme")
    settings = local_stack.settings
    attempts = [
        (TRAINING_BUCKET, "globex/"),  # another tenant's folder
        (TRAINING_BUCKET, ""),  # the whole bucket, above its own folder
        (TRAINING_BUCKET, "acme/../globex/"),  # out of its folder by path
        (TRAINING_BUCKET, "acm"),  # a shorter prefix ("acm" would list "acme/" and more)
        ("no-such-bucket-anywhere", "acme/"),  # a bucket that does not exist
        (settings.documents_bucket, ""),  # the stack's own buckets
        (settings.results_bucket, "models/"),
    ]
    answers = [request_build(local_stack, acme, build_body(bucket, prefix)) for bucket, prefix in attempts]
    # Then every attempt gets the same answer, which tells nothing of what exists
    for (bucket, prefix), answer in zip(attempts, answers, strict=True):
        assert answer.status in (400, 403), (bucket, prefix, answer.body)
        if answer.status == 403:
            error = answer.json()["error"]
            assert error["message"] == TRAINING_SOURCE_REFUSED, (bucket, prefix)
            assert error["innererror"]["code"] == "AuthorizationFailed"
    # Only the path trick is refused as malformed, before any look-up
    assert [a.status for a in answers].count(400) == 1 and answers[2].status == 400
    # and nothing was started for acme
    assert [r for r in local_stack.job_records() if r["tenant"]["S"] == "acme"] == []


def test_even_an_allowed_stack_bucket_is_refused(local_stack: Harness) -> None:
    # An operator's mistake cannot open the stack's own buckets to training
    settings = local_stack.settings
    runtime.services().tenants.allow_training("acme", TrainingSource(settings.documents_bucket, ""))
    answer = request_build(
        local_stack, local_stack.new_key("acme"), build_body(settings.documents_bucket, "")
    )
    assert answer.status == 403 and answer.json()["error"]["message"] == TRAINING_SOURCE_REFUSED


def test_a_folder_withdrawn_after_the_request_is_not_read(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe_tools.local.stack import invoke

    training_folder()
    key = local_stack.new_key("acme")
    # Given a build accepted while the folder was allowed, its workflow held
    services = runtime.services()
    monkeypatch.setattr(services.stepfunctions, "start_execution", lambda **_: {"executionArn": "held"})
    answer = request_build(local_stack, key, build_body(TRAINING_BUCKET, "forms/", "withdrawn"))
    assert answer.status == 202
    operation_id = answer.headers["Operation-Location"].split("/operations/")[1].split("?")[0]
    # When the operator withdraws the folder before the build reads it
    services.tenants.revoke_training("acme", TrainingSource(TRAINING_BUCKET, ""))
    with pytest.raises(Exception) as refused:
        invoke(local_stack.stack, "BuildModelFunction", {"tenant": "acme", "operationId": operation_id})
    # Then the build fails with the same refusal, and no model exists
    assert type(refused.value).__name__ == "TrainingDataElsewhere"
    operation = local_stack.request("GET", f"/documentintelligence/operations/{operation_id}", key).json()
    assert operation["status"] == "failed"
    assert operation["error"]["message"] == TRAINING_SOURCE_REFUSED
    assert local_stack.request("GET", "/documentintelligence/documentModels/withdrawn", key).status == 404


def test_a_failed_build_names_its_files_to_its_tenant_but_not_in_step_functions_history(
    local_stack: Harness,
) -> None:
    # Given a labels file whose document is missing (the tenant is told which)
    training_folder(count=1)
    lost = filled_form(random_values(7)).labels("quarterly-secret-merger.png")
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=TRAINING_BUCKET, Key="forms/zz.png.labels.json", Body=json.dumps(lost)
    )
    operation = build(local_stack, local_stack.new_key("acme"), "named")
    assert operation["status"] == "failed"
    assert "quarterly-secret-merger.png" in operation["error"]["message"]
    # Then the execution's history, kept 90 days, holds no file or field name
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = local_stack.stack.state_machines["BuildStateMachine"]
    (execution,) = sfn.list_executions(stateMachineArn=arn)["executions"]
    history = json.dumps(
        sfn.get_execution_history(executionArn=execution["executionArn"])["events"], default=str
    )
    assert "TrainingDataInvalid" in history  # the failure's kind is there
    assert "quarterly-secret-merger" not in history
    for field in ("CustomerName", "PolicyNumber"):
        assert field not in history


@pytest.mark.parametrize("document", ["../globex/secret.png", "/globex/secret.png", "./../globex/secret.png"])
def test_a_labels_file_cannot_point_outside_its_folder(local_stack: Harness, document: str) -> None:
    # Given acme's allowed folder, and globex's document beside it in the same bucket
    training_folder(prefix="acme/", count=1)
    policies = runtime.services().tenants
    policies.revoke_training("acme", TrainingSource(TRAINING_BUCKET, ""))
    policies.allow_training("acme", TrainingSource(TRAINING_BUCKET, "acme/"))
    s3 = boto3.client("s3", region_name=REGION)
    form = filled_form(random_values(3))
    from tests.support.documents import encode

    s3.put_object(Bucket=TRAINING_BUCKET, Key="globex/secret.png", Body=encode(form.image, "PNG"))
    # When a labels file in acme's folder names that document by a path
    s3.put_object(
        Bucket=TRAINING_BUCKET, Key="acme/zz.png.labels.json", Body=json.dumps(form.labels(document))
    )
    operation = build(local_stack, local_stack.new_key("acme"), "escape", prefix="acme/")
    # Then the build fails without reading it
    assert operation["status"] == "failed"
    assert operation["error"]["innererror"]["code"] == "TrainingContentMissing"
    assert "by a path" in operation["error"]["message"]
