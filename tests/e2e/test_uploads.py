"""Documents over API Gateway's 10 MB body limit go through a presigned upload."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.request

import pytest
from docsafe.settings import API_VERSION
from PIL import Image

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
    request = urllib.request.Request(
        server.url + path,
        data=body,
        method=method,
        headers={"x-api-key": server.keys[tenant], "Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


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
    assert call(server, "alpha", "POST", path, document, "application/octet-stream")[0] == 413
    # An upload: a presigned PUT that must carry SSE-KMS
    status, _, body = call(server, "alpha", "POST", "/v1/uploads", b"")
    assert status == 201
    ticket = json.loads(body)
    put = urllib.request.Request(
        ticket["uploadUrl"], data=document, method="PUT", headers=ticket["requiredHeaders"]
    )
    with urllib.request.urlopen(put, timeout=60) as answer:
        assert answer.status == 200
    # Another tenant cannot analyze it
    source = json.dumps({"uploadSource": ticket["uploadId"]}).encode()
    status, _, body = call(server, "beta", "POST", path, source)
    assert status == 404 and json.loads(body)["error"]["innererror"]["code"] == "UploadNotFound", body
    # Its owner can
    status, headers, _ = call(server, "alpha", "POST", path, source)
    assert status == 202
    location = headers["Operation-Location"].split(server.url, 1)[1]
    while True:
        status, _, body = call(server, "alpha", "GET", location)
        result = json.loads(body)
        if result["status"] in ("succeeded", "failed"):
            break
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


def test_uploads_are_written_encrypted_with_kms(server: Server) -> None:
    _, _, body = call(server, "alpha", "POST", "/v1/uploads", b"")
    ticket = json.loads(body)
    data = io.BytesIO()
    Image.new("L", (100, 100), 255).save(data, format="PNG")
    put = urllib.request.Request(
        ticket["uploadUrl"], data=data.getvalue(), method="PUT", headers=ticket["requiredHeaders"]
    )
    with urllib.request.urlopen(put, timeout=60):
        pass
    s3 = server.aws("s3")
    bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "documents" in b["Name"])
    head = s3.head_object(Bucket=bucket, Key=f"uploads/alpha/{ticket['uploadId']}")
    assert head["ServerSideEncryption"] == "aws:kms"
