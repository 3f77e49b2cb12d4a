"""Documents over API Gateway's 10 MB body limit go through a presigned upload."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request

import pytest
from azure.ai.documentintelligence import DocumentIntelligenceClient
from azure.core.credentials import AzureKeyCredential
from docsafe.limits import DIRECT_DOCUMENT_BYTES
from docsafe.settings import API_VERSION
from docsafe_tools.client import ApiClient, post_upload
from PIL import Image

from tests.e2e import plain_http
from tests.e2e.conftest import Server
from tests.support.documents import text_image, words_of

pytestmark = pytest.mark.e2e


def call(
    server: Server,
    tenant: str,
    method: str,
    path: str,
    body: bytes | None = None,
    content_type: str = "application/json",
) -> tuple[int, dict, bytes]:
    """A request with the key in x-api-key, the API's other key header."""
    return plain_http.call(server, tenant, method, path, body, content_type, key_header="x-api-key")


def finished(server: Server, tenant: str, location: str) -> dict:
    return plain_http.finished(server, tenant, location)


def big_tiff() -> bytes:
    """A two-page TIFF over 10 MB (uncompressed), with known words on each page."""
    pages = [
        text_image([f"Uploaded page {n} words"], size=(2600, 2200)).convert("RGB") for n in ("one", "two")
    ]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
    return buffer.getvalue()


def test_a_document_over_the_body_limit_goes_through_an_upload(server: Server) -> None:
    document = big_tiff()
    assert len(document) > 10 * 1024 * 1024
    # Sent as a body, API Gateway refuses it
    path = f"/documentintelligence/documentModels/prebuilt-read:analyze?api-version={API_VERSION}"
    status, headers, body = call(server, "alpha", "POST", path, document, "application/octet-stream")
    assert status == 413 and headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert "/v1/uploads" in error["message"] and "urlSource" in error["message"]
    # An upload: a presigned form POST, straight to storage
    status, _, body = call(server, "alpha", "POST", "/v1/uploads", b"")
    assert status == 201
    ticket = json.loads(body)
    assert post_upload(ticket, document) == 204
    # Another tenant cannot analyze it
    source = json.dumps({"uploadSource": ticket["uploadId"]}).encode()
    status, headers, _ = call(server, "beta", "POST", path, source)
    assert status == 202
    refused = finished(server, "beta", headers["Operation-Location"].split(server.url, 1)[1])
    assert refused["status"] == "failed" and refused["error"]["innererror"]["code"] == "UploadNotFound"
    # Its owner can
    status, headers, _ = call(server, "alpha", "POST", path, source)
    assert status == 202
    location = headers["Operation-Location"].split(server.url, 1)[1]
    result = finished(server, "alpha", location)
    assert result["status"] == "succeeded", result.get("error")
    assert {"uploaded", "page", "one", "two"} <= words_of(result["analyzeResult"]["content"])
    # The upload was taken into the job's sealed input and is gone
    s3 = server.aws("s3")
    keys = [
        o["Key"]
        for b in s3.list_buckets()["Buckets"]
        for o in s3.list_objects_v2(Bucket=b["Name"]).get("Contents", [])
    ]
    assert not [k for k in keys if ticket["uploadId"] in k]
    assert call(server, "alpha", "DELETE", location)[0] == 204
    # DocSafe's own client takes the same way by itself
    own = ApiClient(server.url, server.keys["gamma"])
    uploaded = own.wait(own.submit(document))
    assert uploaded.status == "succeeded" and {"uploaded", "two"} <= words_of(uploaded.result["content"])


def test_uploads_are_written_encrypted_with_kms(server: Server) -> None:
    _, _, body = call(server, "alpha", "POST", "/v1/uploads", b"")
    ticket = json.loads(body)
    data = io.BytesIO()
    Image.new("L", (100, 100), 255).save(data, format="PNG")
    post_upload(ticket, data.getvalue())
    s3 = server.aws("s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "documents" in b["Name"])
    head = s3.head_object(Bucket=bucket, Key=f"uploads/alpha/{ticket['uploadId']}")
    assert head["ServerSideEncryption"] == "aws:kms"


def test_storage_refuses_an_upload_past_the_limit_and_a_form_reused_for_another_key(server: Server) -> None:
    _, _, body = call(server, "alpha", "POST", "/v1/uploads", b"")
    ticket = json.loads(body)
    # Past the size the form allows: S3 (local mode enforces the policy as S3 does) refuses it
    with pytest.raises(urllib.error.HTTPError) as refused:
        post_upload({**ticket}, b"x" * (ticket["maxBytes"] + 1))
    assert refused.value.code == 400 and b"EntityTooLarge" in refused.value.read()
    # The signed form cannot be pointed at another key (another tenant's prefix)
    other = {**ticket, "formFields": {**ticket["formFields"], "key": "uploads/beta/" + ticket["uploadId"]}}
    with pytest.raises(urllib.error.HTTPError) as moved:
        post_upload(other, b"%PDF-1.7")
    assert moved.value.code == 403


def test_a_body_up_to_10_mb_is_analyzed_directly_by_the_unchanged_azure_client(server: Server) -> None:
    # Over Lambda's 6 MB even before base64: API Gateway puts it into S3 itself
    buffer = io.BytesIO()
    text_image(["Straight through the gateway"], size=(2600, 1250)).convert("RGB").save(buffer, format="TIFF")
    document = buffer.getvalue()
    assert 6 * 2**20 < len(document) <= DIRECT_DOCUMENT_BYTES
    client = DocumentIntelligenceClient(server.url, AzureKeyCredential(server.keys["alpha"]))
    poller = client.begin_analyze_document("prebuilt-read", io.BytesIO(document), polling_interval=0.5)
    result = poller.result()
    assert {"straight", "through", "gateway"} <= words_of(result.content)
    client.delete_analyze_result(model_id="prebuilt-read", result_id=poller.details["operation_id"])
    # DocSafe's own client sends it as the body too (it uploads only past 10 MB)
    own = ApiClient(server.url, server.keys["gamma"])
    own.upload = lambda data: pytest.fail("uploaded a body API Gateway takes")  # type: ignore[method-assign]
    assert own.wait(own.submit(document)).status == "succeeded"


def test_the_client_reads_a_result_in_parts_over_http(server: Server) -> None:
    client = ApiClient(server.url, server.keys["gamma"])
    analysis = client.analyze(encode_png(text_image(["Parts over the wire"])))
    parts = client.result_in_parts(analysis.operation_id)
    assert json.loads(parts) == analysis.succeeded_result()
    client.delete(analysis)


def encode_png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
