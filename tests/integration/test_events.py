"""Every function run on its ready event from events/ (the files `sam local invoke -e` takes)."""

from __future__ import annotations

import importlib.util
import json
import uuid
from typing import Any

import boto3
import pytest
from docsafe import runtime
from docsafe.jobs import Status
from docsafe_tools.local.stack import invoke
from docsafe_tools.local.template import REPO_ROOT, load_template

from tests.support.documents import encode, text_image
from tests.support.stack import REGION, Harness

EVENTS = REPO_ROOT / "events"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_events", REPO_ROOT / "infra" / "scripts" / "make_events.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE = _generator()


def event(function: str, tenant: str, operation_id: str | None = None) -> dict[str, Any]:
    """The function's event file, with a real tenant (and operation) put in."""
    text = (EVENTS / f"{function}.json").read_text()
    if operation_id:
        text = text.replace(MAKE.OPERATION_ID, operation_id)
    text = text.replace(f"intake/{MAKE.TENANT}/", f"intake/{tenant}/")
    loaded = json.loads(text.replace(f'"{MAKE.TENANT}"', json.dumps(tenant)))
    return loaded


def test_every_function_has_a_current_event_file() -> None:
    functions = set(load_template().functions())
    assert {path.stem for path in EVENTS.glob("*.json")} == functions
    for name, expected in MAKE.events().items():
        assert (EVENTS / f"{name}.json").read_text() == MAKE.render(expected), (
            f"events/{name}.json is stale: run python infra/scripts/make_events.py"
        )


def test_the_authorizer_event_finds_the_tenant_of_a_real_key_only(local_stack: Harness) -> None:
    # An unknown key is denied (API Gateway answers the Azure 401 itself); a tenant's key
    # is allowed with the tenant for the routes
    key = local_stack.new_key("acme")
    unknown = invoke(local_stack.stack, "AuthorizerFunction", event("AuthorizerFunction", "acme"))
    assert [s["Effect"] for s in unknown["policyDocument"]["Statement"]] == ["Deny"]
    assert "tenant" not in unknown.get("context", {})
    with_key = event("AuthorizerFunction", "acme")
    with_key["headers"]["Ocp-Apim-Subscription-Key"] = key
    allowed = invoke(local_stack.stack, "AuthorizerFunction", with_key)
    assert [s["Effect"] for s in allowed["policyDocument"]["Statement"]] == ["Allow"]
    assert allowed["context"]["tenant"] == "acme"


def _header(response: dict, name: str) -> str:
    """A header of a Lambda proxy response, single- or multi-valued."""
    single = response.get("headers") or {}
    multi = response.get("multiValueHeaders") or {}
    return single.get(name) or multi[name][0]


def test_the_api_events_take_in_poll_fetch_and_delete(local_stack: Harness) -> None:
    stack = local_stack.stack
    uploaded = invoke(stack, "SubmitFunction", event("SubmitFunction", "acme"))
    assert uploaded["statusCode"] == 201
    # Given the analyze request API Gateway stored (the intake event's object)
    operation_id = str(uuid.uuid4())
    stored = MAKE.intake_object()
    stored["Key"] = stored["Key"].replace(MAKE.TENANT, "acme").replace(MAKE.OPERATION_ID, operation_id)
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=local_stack.settings.documents_bucket, **stored)
    key = local_stack.new_key("acme")
    path = f"/documentintelligence/documentModels/prebuilt-read/analyzeResults/{operation_id}"
    assert local_stack.request("GET", path, key).json()["status"] == "notStarted"
    # When the intake function gets its event, the job runs
    invoke(stack, "IntakeFunction", event("IntakeFunction", "acme", operation_id))
    body = local_stack.wait(path, key)
    assert "DocSafe" in body["analyzeResult"]["content"]  # the sample letter

    status = invoke(stack, "StatusFunction", event("StatusFunction", "acme", operation_id))
    assert status["statusCode"] == 200
    result = invoke(stack, "ResultFunction", event("ResultFunction", "acme", operation_id))
    assert result["statusCode"] == 200
    other_tenant = invoke(stack, "StatusFunction", event("StatusFunction", "someone-else", operation_id))
    assert other_tenant["statusCode"] == 404
    deleted = invoke(stack, "DeleteFunction", event("DeleteFunction", "acme", operation_id))
    assert deleted["statusCode"] == 204
    assert invoke(stack, "StatusFunction", event("StatusFunction", "acme", operation_id))["statusCode"] == 404


def test_the_pipeline_events_run_a_job_stage_by_stage(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    services = runtime.services()
    # No workflow starts: the test runs each stage on its own event, as Step Functions would.
    monkeypatch.setattr(services.stepfunctions, "start_execution", lambda **_: {"executionArn": "held"})
    key = local_stack.new_key("acme")
    document = encode(text_image(["Stage by stage"]), "PNG")
    operation_id = local_stack.submit(document, key).rsplit("/", 1)[1]
    stack = local_stack.stack

    prepared = invoke(stack, "PrepareFunction", event("PrepareFunction", "acme", operation_id))
    assert prepared["pages"] == [1] and prepared["batches"] == [[1]]
    invoke(stack, "ReadPageFunction", event("ReadPageFunction", "acme", operation_id))
    invoke(stack, "AssembleFunction", event("AssembleFunction", "acme", operation_id))
    job = services.jobs.get("acme", operation_id)
    assert job is not None and job.status is Status.SUCCEEDED

    failing = local_stack.submit(document, key).rsplit("/", 1)[1]
    invoke(stack, "MarkFailedFunction", event("MarkFailedFunction", "acme", failing))
    failed = services.jobs.get("acme", failing)
    assert (
        failed is not None and failed.status is Status.FAILED and failed.error.inner_code == "InvalidContent"
    )


def test_the_purge_event_runs_the_sweep(local_stack: Harness) -> None:
    report = invoke(local_stack.stack, "PurgeFunction", event("PurgeFunction", "acme"))
    assert set(report) == {"expiredJobs", "orphanObjects", "recoveredJobs"}


def test_the_batch_events_answer_for_their_tenant_only(local_stack: Harness) -> None:
    # An unknown batch is 404 on the Batches function's event, as on the route
    answer = invoke(local_stack.stack, "BatchesFunction", event("BatchesFunction", "acme", str(uuid.uuid4())))
    assert answer["statusCode"] == 404
    # and the stage's event of a batch gone is JobGone, which its workflow takes as abandoned
    from docsafe.failures import JobGone

    with pytest.raises(JobGone):
        invoke(
            local_stack.stack,
            "AnalyzeBatchFunction",
            event("AnalyzeBatchFunction", "acme", str(uuid.uuid4())),
        )


@pytest.mark.parametrize(("status", "kept"), [(204, []), (500, ["example-message"])])
def test_the_notify_event_posts_its_callback_or_keeps_it(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch, status: int, kept: list[str]
) -> None:
    from docsafe import urlsource

    posted: list[str] = []

    class Receiver:
        def __init__(self, *_: Any) -> None:
            self.status = status

        def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
            posted.append(path)

        def getresponse(self) -> Receiver:
            return self

        def close(self) -> None:
            pass

    monkeypatch.setattr(urlsource, "resolve", lambda host, port: ["93.184.216.34"])
    monkeypatch.setattr(urlsource, "connect_pinned", Receiver)
    answer = invoke(local_stack.stack, "NotifyFunction", event("NotifyFunction", "acme"))
    assert posted == ["/docsafe"]
    # (a failure's wait cannot be set on the file's made-up receipt: it is kept all the same)
    assert [item["itemIdentifier"] for item in answer["batchItemFailures"]] == kept
