"""Presigned uploads: documents larger than API Gateway's 10 MB body go straight to S3.

`POST /v1/uploads` hands out a short-lived presigned PUT into the tenant's own prefix;
the signed request carries SSE-KMS, so the object is encrypted at rest from its first
byte (the bucket policy refuses any other put). Analyze then names the upload
(`{"uploadSource": "<id>"}`): the pipeline seals it into the job like any input and
deletes the upload. An upload never used is swept by the purge after `ttl_seconds`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from docsafe.contract.errors import InvalidRequest, NotFound
from docsafe.jobs import iso

URL_SECONDS = 900  # how long the presigned PUT can be used
PREFIX = "uploads/"
UPLOAD_CONTENT_TYPE = "application/octet-stream"  # signed: the PUT must send exactly this
READ_BYTES = 1024 * 1024


def upload_key(tenant: str, upload_id: str) -> str:
    return f"{PREFIX}{tenant}/{upload_id}"


@dataclass(frozen=True)
class UploadTicket:
    upload_id: str
    url: str
    headers: dict[str, str]
    expires_at: float

    def to_wire(self) -> dict[str, Any]:
        return {
            "uploadId": self.upload_id,
            "uploadUrl": self.url,
            "method": "PUT",
            "requiredHeaders": self.headers,
            "expirationDateTime": iso(self.expires_at),
        }


class Uploads:
    def __init__(self, s3: Any, bucket: str, kms_key_id: str, max_bytes: int):
        self._s3 = s3
        self._bucket = bucket
        self._kms_key_id = kms_key_id
        self.max_bytes = max_bytes

    def create(self, tenant: str) -> UploadTicket:
        upload_id = str(uuid.uuid4())
        headers = {
            "Content-Type": UPLOAD_CONTENT_TYPE,
            "x-amz-server-side-encryption": "aws:kms",
            "x-amz-server-side-encryption-aws-kms-key-id": self._kms_key_id,
        }
        url = self._s3.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self._bucket,
                "Key": upload_key(tenant, upload_id),
                "ServerSideEncryption": "aws:kms",
                "SSEKMSKeyId": self._kms_key_id,
                "ContentType": UPLOAD_CONTENT_TYPE,
            },
            ExpiresIn=URL_SECONDS,
        )
        return UploadTicket(upload_id, url, headers, time.time() + URL_SECONDS)

    def first_bytes(self, tenant: str, upload_id: str, count: int = 1024) -> tuple[bytes, int]:
        """The upload's first bytes (to tell its format) and its size; 404 if none."""
        if not _is_uuid(upload_id):
            raise _not_found()
        try:
            answer = self._s3.get_object(
                Bucket=self._bucket, Key=upload_key(tenant, upload_id), Range=f"bytes=0-{count - 1}"
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404", "InvalidRange"):
                raise _not_found() from None
            raise
        size = (
            int(answer["ContentRange"].rsplit("/", 1)[1])
            if "ContentRange" in answer
            else answer["ContentLength"]
        )
        if size > self.max_bytes:
            raise InvalidRequest(
                f"The upload is larger than {self.max_bytes // (1024 * 1024)} MB.",
                inner_code="InvalidContentLength",
            )
        return answer["Body"].read(), size

    def pieces(self, tenant: str, upload_id: str) -> Iterator[bytes]:
        """The upload's bytes, a megabyte at a time (raises at once if it is gone)."""
        body = self._s3.get_object(Bucket=self._bucket, Key=upload_key(tenant, upload_id))["Body"]
        return body.iter_chunks(READ_BYTES)

    def delete(self, tenant: str, upload_id: str) -> None:
        self._s3.delete_object(Bucket=self._bucket, Key=upload_key(tenant, upload_id))


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except (ValueError, TypeError, AttributeError):
        return False


def _not_found() -> NotFound:
    return NotFound("Upload not found.", inner_code="UploadNotFound")
