"""Batch analysis through the local stack: a folder of the tenant's bucket analyzed document
by document, bad documents failing alone, the results sealed and readable at each
resultUrl, a delete purging everything, and other tenants seeing nothing of it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from docsafe import runtime
from docsafe.failures import BATCH_SOURCE_REFUSED
from docsafe.tenants import TrainingSource

from tests.support.documents import encode, text_image, text_pdf
from tests.support.stack import REGION, GatewayResponse, Harness, location_of

SOURCE_BUCKET = "acme-batch-documents"
BATCH_PATH = "/documentintelligence/documentModels/prebuilt-read:analyzeBatch"


def batch_folder(tenant: str, prefix: str = "inbox/", allowed: str | None = None) -> dict[str, bytes]:
    """The tenant's bucket with two documents and one file that is none, under `prefix`
    (allowed for the tenant: `allowed`, else the prefix itself)."""
    folder = prefix if allowed is None else allowed
    runtime.services().tenants.allow_training(tenant, TrainingSource(SOURCE_BUCKET, folder))
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=SOURCE_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    documents = {
        "letter.png": encode(text_image(["Dear customer", "Your order shipped"]), "PNG"),
        "sub/report.pdf": text_pdf(["Quarterly report"]),
        "notes.txt": b"plain text is no document DocSafe reads",
    }
    for name, body in documents.items():
        s3.put_object(Bucket=SOURCE_BUCKET, Key=prefix + name, Body=body)
    return documents


def request_batch(
    stack: Harness, key: str, body: dict[str, Any], model: str = "prebuilt-read"
) -> GatewayResponse:
    return stack.request(
        "POST",
        f"/documentintelligence/documentModels/{model}:analyzeBatch",
        key,
        body=json.dumps(body).encode(),
        content_type="application/json",
    )


def run_batch(stack: Harness, key: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    answer = request_batch(stack, key, body)
    assert answer.status == 202, answer.body
    location = location_of(answer)
    assert "/analyzeBatchResults/" in location
    return location, stack.wait(location, key)


def azure_source(prefix: str = "inbox") -> dict[str, Any]:
    """What the official client sends: an Azure container URL naming the S3 bucket."""
    return {
        "azureBlobSource": {"containerUrl": f"s3://{SOURCE_BUCKET}", "prefix": prefix},
        "resultContainerUrl": f"s3://{SOURCE_BUCKET}",
        "resultPrefix": "results/",
    }


def test_a_batch_analyzes_each_document_and_reports_each_one(local_stack: Harness) -> None:
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant)
    # When the tenant analyzes the folder
    location, body = run_batch(local_stack, key, azure_source())
    # Then every document has its entry: two read, the text file failed with its reason
    assert body["status"] == "succeeded" and body["percentCompleted"] == 100
    result = body["result"]
    assert (result["succeededCount"], result["failedCount"], result["skippedCount"]) == (2, 1, 0)
    by_source = {detail["sourceUrl"]: detail for detail in result["details"]}
    assert set(by_source) == {
        f"s3://{SOURCE_BUCKET}/inbox/{name}" for name in ("letter.png", "sub/report.pdf", "notes.txt")
    }
    failed = by_source[f"s3://{SOURCE_BUCKET}/inbox/notes.txt"]
    assert failed["status"] == "failed" and failed["error"]["innererror"]["code"] == "InvalidContent"
    assert "resultUrl" not in failed
    # And each result is read at its resultUrl with the same key, as any analysis
    letter = by_source[f"s3://{SOURCE_BUCKET}/inbox/letter.png"]
    analysis = local_stack.request("GET", urlsplit(letter["resultUrl"]).path, key)
    assert analysis.status == 200
    content = analysis.json()["analyzeResult"]["content"]
    assert "customer" in content and "shipped" in content
    report = by_source[f"s3://{SOURCE_BUCKET}/inbox/sub/report.pdf"]
    assert (
        "Quarterly"
        in local_stack.request("GET", urlsplit(report["resultUrl"]).path, key).json()["analyzeResult"][
            "content"
        ]
    )
    # And nothing was written into the tenant's bucket (results stay sealed in DocSafe)
    listed = boto3.client("s3", region_name=REGION).list_objects_v2(Bucket=SOURCE_BUCKET)["Contents"]
    assert sorted(item["Key"] for item in listed) == [
        "inbox/letter.png",
        "inbox/notes.txt",
        "inbox/sub/report.pdf",
    ]
    # And the batch is listed under its model
    listing = local_stack.request("GET", location.rsplit("/", 1)[0], key)
    assert listing.status == 200
    (listed_batch,) = listing.json()["value"]
    assert listed_batch["resultId"] == location.rsplit("/", 1)[1]
    assert listed_batch["result"]["succeededCount"] == 2 and "details" not in listed_batch["result"]


def test_a_file_list_names_the_documents_and_a_bad_line_fails_alone(local_stack: Harness) -> None:
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant)
    lines = [
        json.dumps({"file": "letter.png"}),
        json.dumps({"file": "missing.png"}),  # not in the folder
        json.dumps({"file": "../outside.png"}),  # out of the folder by path
        "not json",
        "[" * 100_000,  # nested past what json.loads can read
        json.dumps({"file": "line\u2028separator.png"}, ensure_ascii=False),  # one line, not two
        json.dumps({"file": "x" * 1100}),  # longer than S3's longest key
    ]
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=SOURCE_BUCKET, Key="inbox/batch.jsonl", Body="\n".join(lines).encode()
    )
    body = {
        "azureBlobFileListSource": {"containerUrl": f"s3://{SOURCE_BUCKET}/inbox", "fileList": "batch.jsonl"},
        "resultContainerUrl": f"s3://{SOURCE_BUCKET}",
    }
    _, operation = run_batch(local_stack, key, body)
    details = operation["result"]["details"]
    assert [d["status"] for d in details] == ["succeeded"] + ["failed"] * 6
    assert "missing.png" in details[1]["error"]["message"]
    assert "separator.png" in details[5]["error"]["message"]
    assert operation["result"]["succeededCount"] == 1 and operation["result"]["failedCount"] == 6


def test_a_batch_from_a_folder_not_allowed_is_refused_as_a_build_is(local_stack: Harness) -> None:
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant, prefix="inbox/")
    other, other_key = local_stack.new_tenant()
    # Another tenant names the same folder; the stack's own bucket; a bucket that is none
    attempts = [
        (other_key, {"s3Source": {"bucket": SOURCE_BUCKET, "prefix": "inbox/"}}),
        (key, {"s3Source": {"bucket": local_stack.settings.documents_bucket, "prefix": "jobs/"}}),
        (key, {"s3Source": {"bucket": "no-such-bucket-anywhere", "prefix": "inbox/"}}),
    ]
    for who, body in attempts:
        error = local_stack.refusal(request_batch(local_stack, who, body), who)
        assert (
            error["message"] == BATCH_SOURCE_REFUSED and error["innererror"]["code"] == "AuthorizationFailed"
        )
    # and nothing of theirs was started
    analyses = [r for r in local_stack.job_records() if r["tenant"]["S"] in (tenant, other)]
    assert all(r["status"]["S"] == "failed" for r in analyses) and len(analyses) == 3


def test_a_refused_batch_is_reported_on_the_batch_route(local_stack: Harness) -> None:
    _, key = local_stack.new_tenant()
    answer = request_batch(local_stack, key, {"s3Source": {"bucket": "x"}})  # no valid bucket name
    assert answer.status == 202
    body = local_stack.wait(location_of(answer), key)
    assert body["status"] == "failed" and body["error"]["target"] == "s3Source"
    # and the analyze route does not serve it
    analyze = location_of(answer).replace("/analyzeBatchResults/", "/analyzeResults/")
    assert local_stack.request("GET", analyze, key).status == 404


def test_an_empty_folder_fails_the_batch(local_stack: Harness) -> None:
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant, prefix="inbox/", allowed="")
    _, body = run_batch(local_stack, key, azure_source("nothing-here"))
    assert body["status"] == "failed" and "no document" in body["error"]["message"]


def test_deleting_a_batch_purges_every_document_and_answers_404_after(local_stack: Harness) -> None:
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant)
    location, body = run_batch(local_stack, key, azure_source())
    results = [urlsplit(d["resultUrl"]).path for d in body["result"]["details"] if "resultUrl" in d]
    assert local_stack.stored_objects(tenant)
    # Another tenant can neither read nor delete it: it does not exist for them
    _, stranger = local_stack.new_tenant()
    assert local_stack.request("GET", location, stranger).status == 404
    assert local_stack.request("DELETE", location, stranger).status == 404
    assert local_stack.request("GET", results[0], stranger).status == 404
    # When its owner deletes it
    deleted = local_stack.request("DELETE", location, key)
    assert deleted.status == 204
    receipt = json.loads(deleted.headers["x-docsafe-receipt"])
    assert receipt["destroyed"]["input"] and receipt["destroyed"]["result"]
    local_stack.wait_for_executions()
    # Then nothing of the batch or its documents remains
    assert local_stack.stored_objects(tenant) == []
    assert [r for r in local_stack.job_records() if r["tenant"]["S"] == tenant] == []
    assert local_stack.request("GET", location, key).status == 404
    assert all(local_stack.request("GET", path, key).status == 404 for path in results)


def test_the_form_recognizer_api_has_no_batches(local_stack: Harness) -> None:
    _, key = local_stack.new_tenant()
    answer = local_stack.request(
        "POST",
        "/formrecognizer/documentModels/prebuilt-read:analyzeBatch",
        key,
        query="api-version=2023-07-31",
        body=b"{}",
        content_type="application/json",
    )
    assert answer.status == 404


def test_each_document_counts_against_the_tenants_allowance(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an allowance of three requests a minute: the batch request, then its documents
    monkeypatch.setenv("DOCSAFE_RATE_LIMIT_PER_MINUTE", "3")
    runtime.reset()
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant)
    # When a batch of three documents comes (four requests in all)
    _, body = run_batch(local_stack, key, azure_source())
    # Then it is refused as a whole, and says why; nothing of it was started
    assert body["status"] == "failed" and body["error"]["innererror"]["code"] == "TooManyRequests"
    assert "one request a document" in body["error"]["message"]
    assert _documents_of(local_stack, tenant) == []


def test_a_document_out_of_the_roles_reach_fails_alone(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (AWS answers AccessDenied for an object under a key the stack may not use, or
    # InvalidObjectState for an archived one: moto has neither)
    from docsafe.failures import TrainingDataElsewhere
    from docsafe.folders import TrainingBucket

    original = TrainingBucket.open

    def archived(self, bucket, key):  # type: ignore[no-untyped-def]
        if key.endswith("letter.png"):
            raise TrainingDataElsewhere()
        return original(self, bucket, key)

    monkeypatch.setattr(TrainingBucket, "open", archived)
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant)
    _, body = run_batch(local_stack, key, azure_source())
    by_name = {d["sourceUrl"].rsplit("/", 1)[1]: d for d in body["result"]["details"]}
    assert by_name["letter.png"]["error"]["innererror"]["code"] == "AuthorizationFailed"
    assert by_name["report.pdf"]["status"] == "succeeded"


def test_a_retried_expansion_leaves_each_document_once(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a batch whose stage fails part-way (throttled), as Step Functions would retry it
    from botocore.exceptions import ClientError
    from docsafe.workflows import Workflows

    original = Workflows.start_analysis
    calls: list[str] = []

    def throttled_once(self, tenant, operation_id):  # type: ignore[no-untyped-def]
        calls.append(operation_id)
        if len(calls) == 2:
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "StartExecution")
        return original(self, tenant, operation_id)

    monkeypatch.setattr(Workflows, "start_analysis", throttled_once)
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant)
    _, body = run_batch(local_stack, key, azure_source())
    # Then it finished with each document once: what the first attempt started is gone
    assert body["status"] == "succeeded" and body["result"]["succeededCount"] == 2
    documents = {r["operationId"]["S"] for r in _documents_of(local_stack, tenant)}
    results = body["result"]["details"]
    assert documents == {urlsplit(d["resultUrl"]).path.rsplit("/", 1)[1] for d in results if "resultUrl" in d}
    assert calls[0] not in documents and len(documents) == 2


def test_a_batch_whose_stage_died_part_way_is_deleted_with_its_documents(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a stage killed after it started a document (a timeout: no cleanup runs)
    from docsafe.batches import Batches

    original = Batches._submit_document
    seen: list[int] = []

    def dies_on_the_second(self, *args):  # type: ignore[no-untyped-def]
        seen.append(1)
        if len(seen) == 2:
            raise RuntimeError("the stage's Lambda timed out")
        return original(self, *args)

    monkeypatch.setattr(Batches, "_submit_document", dies_on_the_second)
    monkeypatch.setattr(Batches, "_purge_started", lambda self, started: None)
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant)
    answer = request_batch(local_stack, key, azure_source())
    location = location_of(answer)
    body = local_stack.wait(location, key)
    assert body["status"] == "failed"
    assert _documents_of(local_stack, tenant)
    # When its tenant deletes it, the document it started goes too
    assert local_stack.request("DELETE", location, key).status == 204
    local_stack.wait_for_executions()
    assert [r for r in local_stack.job_records() if r["tenant"]["S"] == tenant] == []
    assert local_stack.stored_objects(tenant) == []


def _documents_of(stack: Harness, tenant: str) -> list[dict[str, Any]]:
    """The records of the tenant's batches' documents."""
    return [r for r in stack.job_records() if r["tenant"]["S"] == tenant and "batch" in r["options"]["M"]]


def test_the_list_of_batches_goes_a_page_at_a_time(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe import batches

    monkeypatch.setattr(batches, "LIST_PAGE", 1)
    tenant, key = local_stack.new_tenant()
    batch_folder(tenant)
    made = {run_batch(local_stack, key, azure_source())[0].rsplit("/", 1)[1] for _ in range(2)}
    # The first page names the next, which the clients follow
    path = "/documentintelligence/documentModels/prebuilt-read/analyzeBatchResults"
    first = local_stack.request("GET", path, key).json()
    second = local_stack.request(
        "GET", urlsplit(first["nextLink"]).path + "?" + urlsplit(first["nextLink"]).query, key
    )
    listed = [item["resultId"] for item in first["value"] + second.json()["value"]]
    assert set(listed) == made and len(listed) == 2 and "nextLink" not in second.json()
    # and a skip that is no number is a 400
    bad = local_stack.request("GET", path, key, query="api-version=2024-11-30&skip=x")
    assert bad.status == 400
