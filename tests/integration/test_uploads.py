"""Presigned uploads as an attacker would try them: replaced after the check, reused,
left behind by a delete, posted past the limit; and the form of the signed request."""

from __future__ import annotations

import base64
import io
import json
import time
from urllib.parse import urlsplit

import boto3
import pytest
from docsafe import runtime
from docsafe.settings import API_VERSION
from docsafe.specs import AnalysisSpec
from docsafe_tools.local.stack import invoke
from PIL import Image

from tests.support.documents import text_image, words_of
from tests.support.stack import REGION, Harness

ANALYZE = "/documentintelligence/documentModels/prebuilt-read:analyze"


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def new_upload(harness: Harness, key: str) -> dict:
    answer = harness.request("POST", "/v1/uploads", key, query="", body=b"", content_type="application/json")
    assert answer.status == 201, answer.body
    return answer.json()


def put_upload(harness: Harness, ticket: dict, data: bytes) -> None:
    """What S3 stores when the ticket's form is posted (moto in-process: put directly)."""
    boto3.client("s3", region_name=REGION).put_object(
        Bucket=harness.settings.documents_bucket, Key=ticket["formFields"]["key"], Body=data
    )


def uploaded(harness: Harness, tenant: str, words: list[str]) -> tuple[str, dict]:
    """A key of `tenant` and an upload of a page with `words`, posted but not analyzed."""
    key = harness.new_key(tenant)
    ticket = new_upload(harness, key)
    put_upload(harness, ticket, png(text_image(words)))
    return key, ticket


def analyze_upload(harness: Harness, key: str, upload_id: str) -> object:
    return harness.request(
        "POST",
        ANALYZE,
        key,
        query=f"api-version={API_VERSION}",
        body=json.dumps({"uploadSource": upload_id}).encode(),
        content_type="application/json",
    )


def test_the_upload_form_is_sigv4_on_the_regional_endpoint_with_a_size_range(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the clients DocSafe makes in AWS (no local endpoint)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("DOCSAFE_MAX_UPLOAD_BYTES", str(100 * 1024 * 1024))
    runtime.reset()
    # When a tenant asks for an upload
    ticket = runtime.services().uploads.create("acme").to_wire()
    # Then it is a SigV4 form POST to the bucket's regional virtual host
    url = urlsplit(ticket["uploadUrl"])
    assert url.hostname == f"{runtime.services().settings.documents_bucket}.s3.{REGION}.amazonaws.com"
    fields = ticket["formFields"]
    assert fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert f"/{REGION}/s3/aws4_request" in fields["x-amz-credential"]
    assert "AWSAccessKeyId" not in fields and "signature" not in fields
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 100 * 1024 * 1024] in policy["conditions"]
    assert {"key": f"uploads/acme/{ticket['uploadId']}"} in policy["conditions"]
    # and it names no key, account or encryption detail: the bucket's default SSE-KMS applies
    # (read the decoded policy and the field names, not the base64 text, where any three
    # letters may turn up by chance)
    readable = json.dumps({**ticket, "formFields": sorted(fields), "policy": policy}).lower()
    assert "arn:" not in readable and "kms" not in readable
    assert not any(name.startswith("x-amz-server-side-encryption") for name in fields)


def test_sealed_objects_name_the_stack_key_on_every_put(local_stack: Harness) -> None:
    # S3 encrypts a put that says aws:kms without naming a key with aws/s3, not the
    # bucket's default key (moto applies the default: so look at the requests themselves).
    puts: list[dict] = []

    def record(params: dict, **_: object) -> None:
        puts.append(params)

    s3 = runtime.services().objects._s3
    for operation in ("PutObject", "CreateMultipartUpload"):
        s3.meta.events.register(f"provide-client-params.s3.{operation}", record)
    key = local_stack.new_key("acme")
    local_stack.wait(local_stack.submit(png(text_image(["Keyed words"])), key), key)
    kms_key = runtime.services().settings.kms_key_id
    assert puts
    assert all(p.get("SSEKMSKeyId") == kms_key and p.get("ServerSideEncryption") == "aws:kms" for p in puts)


def test_an_upload_replaced_after_analyze_checked_it_is_not_read(local_stack: Harness) -> None:
    # Given an upload checked by analyze
    key, ticket = uploaded(local_stack, "acme", ["Original harmless words"])
    operations = runtime.services().operations
    request = operations.upload_request("acme", ticket["uploadId"], AnalysisSpec())
    # When the presigned form is used again to replace the bytes before the pipeline reads them
    put_upload(local_stack, ticket, png(text_image(["Smuggled replacement words"])))
    job = operations.submit("acme", "prebuilt-read", request)
    # Then the job fails instead of reading bytes nobody checked, and nothing of them is kept
    location = f"/documentintelligence/documentModels/prebuilt-read/analyzeResults/{job.operation_id}"
    body = local_stack.wait(location, key)
    assert body["status"] == "failed"
    assert body["error"]["innererror"]["code"] == "InvalidContent"
    assert "changed" in body["error"]["message"]
    assert not [o for o in local_stack.stored_objects() if ticket["uploadId"] in o]


def test_an_upload_is_analyzed_once(local_stack: Harness) -> None:
    key, ticket = uploaded(local_stack, "acme", ["Analyzed once"])
    first = analyze_upload(local_stack, key, ticket["uploadId"])
    assert first.status == 202, first.body
    body = local_stack.wait(urlsplit(first.headers["Operation-Location"]).path, key)
    assert {"analyzed", "once"} <= words_of(body["analyzeResult"]["content"])
    # A second analyze of the same upload id, even after the form put new bytes there
    put_upload(local_stack, ticket, png(text_image(["Second helping"])))
    second = analyze_upload(local_stack, key, ticket["uploadId"])
    assert local_stack.refusal(second, key)["innererror"]["code"] == "UploadAlreadyUsed"


def test_two_analyses_racing_for_one_upload_get_one_job(local_stack: Harness) -> None:
    from docsafe.contract.errors import Conflict

    key, ticket = uploaded(local_stack, "acme", ["Raced words"])
    operations = runtime.services().operations
    # Both checked the upload while it was still unused
    first = operations.upload_request("acme", ticket["uploadId"], AnalysisSpec())
    second = operations.upload_request("acme", ticket["uploadId"], AnalysisSpec())
    job = operations.submit("acme", "prebuilt-read", first)
    with pytest.raises(Conflict):
        operations.submit("acme", "prebuilt-read", second)
    # The loser left no job behind
    assert [r["operationId"]["S"] for r in local_stack.job_records()] == [job.operation_id]
    local_stack.wait(
        f"/documentintelligence/documentModels/prebuilt-read/analyzeResults/{job.operation_id}", key
    )


def test_deleting_an_analysis_removes_the_upload_it_had_not_yet_taken(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an analysis of an upload whose workflow has not started yet
    key, ticket = uploaded(local_stack, "acme", ["Waiting upload"])
    monkeypatch.setattr(runtime.services().stepfunctions, "start_execution", lambda **kwargs: {})
    answer = analyze_upload(local_stack, key, ticket["uploadId"])
    operation_id = urlsplit(answer.headers["Operation-Location"]).path.rsplit("/", 1)[-1]
    # When its owner deletes it
    deleted = local_stack.request("DELETE", f"/v1/operations/{operation_id}", key, query="")
    # Then the upload went with it, and the receipt says the input was destroyed
    assert deleted.status == 200, deleted.body
    assert deleted.json()["receipt"]["destroyed"]["input"] is True
    assert not [o for o in local_stack.stored_objects() if ticket["uploadId"] in o]


def test_an_unused_upload_can_be_deleted_by_its_tenant_only(local_stack: Harness) -> None:
    owner, other = local_stack.new_key("acme"), local_stack.new_key("rival")
    ticket = new_upload(local_stack, owner)
    put_upload(local_stack, ticket, png(text_image(["Never analyzed"])))
    path = f"/v1/uploads/{ticket['uploadId']}"
    # Another tenant's delete answers like an upload that never existed
    refused = local_stack.request("DELETE", path, other, query="")
    assert refused.status == 404 and refused.json()["error"]["innererror"]["code"] == "UploadNotFound"
    assert [o for o in local_stack.stored_objects() if ticket["uploadId"] in o]
    # Its owner's removes it at once, and it can no longer be analyzed
    assert local_stack.request("DELETE", path, owner, query="").status == 204
    assert not [o for o in local_stack.stored_objects() if ticket["uploadId"] in o]
    after = local_stack.refusal(analyze_upload(local_stack, owner, ticket["uploadId"]), owner)
    assert after["innererror"]["code"] == "UploadNotFound"
    assert local_stack.request("DELETE", path, owner, query="").status == 404


def test_an_upload_grown_past_the_checked_size_is_refused_while_streaming(local_stack: Harness) -> None:
    from docsafe.uploads import UploadChanged

    key = local_stack.new_key("acme")
    ticket = new_upload(local_stack, key)
    put_upload(local_stack, ticket, b"%PDF-1.7 " + b"x" * 5000)
    uploads = runtime.services().uploads
    checked = uploads.check("acme", ticket["uploadId"])
    # The same ETag, but told a smaller size than S3 streams: reading stops there
    with pytest.raises(UploadChanged):
        list(uploads.pieces("acme", ticket["uploadId"], checked.etag, checked.size - 1))


def test_an_upload_whose_analysis_could_not_start_can_be_analyzed_again(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, ticket = uploaded(local_stack, "acme", ["Second try words"])
    stepfunctions = runtime.services().stepfunctions
    real_start = stepfunctions.start_execution
    calls = []

    def failing_once(**kwargs: object) -> object:
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("StartExecution throttled")
        return real_start(**kwargs)

    monkeypatch.setattr(stepfunctions, "start_execution", failing_once)
    # The intake function fails before any workflow ran: the request waits, not started
    answer = analyze_upload(local_stack, key, ticket["uploadId"])
    location = urlsplit(answer.headers["Operation-Location"]).path
    assert local_stack.request("GET", location, key).json()["status"] == "notStarted"
    # Lambda's retry of the event is not told the upload was already used: it is analyzed
    operation_id = location.rsplit("/", 1)[-1]
    object_created = {"detail": {"object": {"key": f"intake/acme/{operation_id}"}}}
    invoke(local_stack.stack, "IntakeFunction", object_created)
    body = local_stack.wait(location, key)
    assert {"second", "try", "words"} <= words_of(body["analyzeResult"]["content"])


def test_an_upload_close_to_its_expiry_is_not_claimed(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe import clock

    key, ticket = uploaded(local_stack, "acme", ["Late words"])
    settings = runtime.services().settings
    # Within two purge intervals of its end, the purge may take it before the pipeline reads it
    late = time.time() + settings.upload_ttl_seconds - settings.purge_interval_seconds
    with clock.using(lambda: late):
        runtime.reset()
        answer = analyze_upload(local_stack, key, ticket["uploadId"])
        refused = local_stack.refusal(answer, key)
    runtime.reset()
    assert refused["innererror"]["code"] == "UploadNotFound"
