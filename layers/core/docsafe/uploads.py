"""Presigned uploads: documents too large for a request body go straight to S3.

`POST /v1/uploads` records an upload for the tenant and hands out a presigned POST into
the tenant's own prefix. S3 itself enforces the POST's policy: the exact key, a size
between one byte and the upload limit, and an expiry; the request names no encryption,
so the bucket's default (SSE-KMS with the stack's key) applies and the ticket discloses
no key, account or bucket policy detail beyond the URL itself.

A presigned request can be replayed until it expires, so an upload is single-use by its
record, not by its URL: analyze claims the record (a conditional write: only an upload
still `issued` can be claimed) and notes the object's ETag; the pipeline then reads the
object only if it still has that ETag (`If-Match`), so bytes put after the check are
never read, and counts what it reads against the size it checked. The object is deleted
once taken, and the record stays `taken` until it expires, so a second analyze of the
same upload is refused. An upload never analyzed is removed by the purge after
`ttl_seconds`, or at once by `DELETE /v1/uploads/{id}`.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from botocore.exceptions import ClientError

from docsafe import clock
from docsafe.contract.errors import Conflict, InvalidRequest, NotFound
from docsafe.formats import SNIFF_BYTES
from docsafe.ids import is_canonical_uuid
from docsafe.jobs import iso

URL_SECONDS = 900  # how long the presigned POST can be used
PREFIX = "uploads/"
READ_BYTES = 1024 * 1024
ISSUED, TAKEN = "issued", "taken"


def upload_key(tenant: str, upload_id: str) -> str:
    return f"{PREFIX}{tenant}/{upload_id}"


@dataclass(frozen=True)
class UploadTicket:
    upload_id: str
    url: str
    fields: dict[str, str]
    max_bytes: int
    expires_at: float

    def to_wire(self) -> dict[str, Any]:
        return {
            "uploadId": self.upload_id,
            "uploadUrl": self.url,
            # An HTML-form POST (multipart/form-data): every field, then the document as
            # the last part, named "file".
            "method": "POST",
            "formFields": self.fields,
            "maxBytes": self.max_bytes,
            "expirationDateTime": iso(self.expires_at),
        }


@dataclass(frozen=True)
class UploadedDocument:
    """An upload as analyze checked it: its first bytes, size and ETag."""

    upload_id: str
    head: bytes
    size: int
    etag: str


class UploadChanged(Exception):
    """The object is not the one analyze checked (replaced, or grown past the limit)."""


class Uploads:
    def __init__(
        self,
        s3: Any,
        table: Any,
        bucket: str,
        max_bytes: int,
        ttl_seconds: int,
        now: Callable[[], float] = clock.now,
        claim_margin_seconds: int = 0,
    ):
        self._s3 = s3
        self._table = table
        self._bucket = bucket
        self.max_bytes = max_bytes
        self._ttl = ttl_seconds
        self._clock = now
        # The purge removes an upload up to one of its intervals before its time: one
        # claimed later than that could lose its bytes before the pipeline reads them.
        self._claim_margin = claim_margin_seconds

    def create(self, tenant: str) -> UploadTicket:
        upload_id = str(uuid.uuid4())
        now = self._clock()
        self._table.put_item(
            Item={
                "tenant": tenant,
                "uploadId": upload_id,
                "state": ISSUED,
                "createdAt": int(now),
                "expiresAt": int(now + self._ttl),
            },
            ConditionExpression="attribute_not_exists(uploadId)",
        )
        post = self._s3.generate_presigned_post(
            Bucket=self._bucket,
            Key=upload_key(tenant, upload_id),
            Conditions=[["content-length-range", 1, self.max_bytes]],
            ExpiresIn=URL_SECONDS,
        )
        return UploadTicket(upload_id, post["url"], dict(post["fields"]), self.max_bytes, now + URL_SECONDS)

    def form_origin(self) -> str:
        """Where upload forms are posted (scheme and host), for a page's security policy.
        Presigning is local: no call to S3."""
        url = self._s3.generate_presigned_post(Bucket=self._bucket, Key=PREFIX, ExpiresIn=60)["url"]
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}"

    def check(self, tenant: str, upload_id: str, count: int = SNIFF_BYTES) -> UploadedDocument:
        """The upload's first bytes (to tell its format), size and ETag; 404 if the
        tenant has no such upload, 409 if it was already analyzed."""
        self._issued(tenant, upload_id)
        try:
            answer = self._s3.get_object(
                Bucket=self._bucket, Key=upload_key(tenant, upload_id), Range=f"bytes=0-{count - 1}"
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404", "InvalidRange"):
                raise NotFound(
                    "The upload holds no document yet: POST the document to its uploadUrl first.",
                    inner_code="UploadNotFound",
                ) from None
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
        return UploadedDocument(upload_id, answer["Body"].read(), size, answer["ETag"])

    def claim(self, tenant: str, upload: UploadedDocument, operation_id: str) -> None:
        """Mark the upload taken by `operation_id`; 409 if another analyze took it first."""
        claimed = self._move(
            tenant,
            upload.upload_id,
            "SET #state = :taken, operationId = :operation, etag = :etag",
            "#state = :issued AND expiresAt > :latest",
            {
                ":operation": operation_id,
                ":etag": upload.etag,
                ":latest": int(self._clock() + self._claim_margin),
            },
        )
        if not claimed:
            raise _already_used()

    def release(self, tenant: str, upload: UploadedDocument, operation_id: str) -> None:
        """Give back a claim whose analysis never started (only `operation_id`'s own)."""
        self._move(
            tenant,
            upload.upload_id,
            "SET #state = :issued REMOVE operationId, etag",
            "#state = :taken AND operationId = :operation",
            {":operation": operation_id},
        )

    def _move(self, tenant: str, upload_id: str, update: str, condition: str, values: dict[str, Any]) -> bool:
        """One conditional change of the record's state; False if its condition failed."""
        try:
            self._table.update_item(
                Key={"tenant": tenant, "uploadId": upload_id},
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":issued": ISSUED, ":taken": TAKEN, **values},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def pieces(self, tenant: str, upload_id: str, etag: str, size: int) -> Iterator[bytes]:
        """The upload's bytes, a megabyte at a time, only while it is the object analyze
        checked: raises UploadChanged if it was replaced or reads past its checked size,
        ClientError NoSuchKey if it is gone."""
        try:
            answer = self._s3.get_object(Bucket=self._bucket, Key=upload_key(tenant, upload_id), IfMatch=etag)
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("PreconditionFailed", "412"):
                raise UploadChanged() from None
            raise
        return _at_most(answer["Body"].iter_chunks(READ_BYTES), size)

    def delete(self, tenant: str, upload_id: str) -> None:
        """`DELETE /v1/uploads/{id}`: the upload's document and record, now; 404 if the
        tenant has no such upload."""
        if not is_canonical_uuid(upload_id) or self._record(tenant, upload_id) is None:
            raise _not_found()
        self.remove_document(tenant, upload_id)
        self._table.delete_item(Key={"tenant": tenant, "uploadId": upload_id})

    def remove_document(self, tenant: str, upload_id: str) -> str:
        """Delete the uploaded bytes (taken, or given up); the record stays to refuse reuse.
        Returns what was removed as `bucket/key`."""
        key = upload_key(tenant, upload_id)
        self._s3.delete_object(Bucket=self._bucket, Key=key)
        return f"{self._bucket}/{key}"

    def _issued(self, tenant: str, upload_id: str) -> None:
        record = self._record(tenant, upload_id) if is_canonical_uuid(upload_id) else None
        if record is None or int(record["expiresAt"]) <= self._clock() + self._claim_margin:
            raise _not_found()
        if record.get("state") != ISSUED:
            raise _already_used()

    def _record(self, tenant: str, upload_id: str) -> dict[str, Any] | None:
        answer = self._table.get_item(Key={"tenant": tenant, "uploadId": upload_id}, ConsistentRead=True)
        return answer.get("Item")  # type: ignore[no-any-return]


def _at_most(chunks: Iterator[bytes], size: int) -> Iterator[bytes]:
    read = 0
    for chunk in chunks:
        read += len(chunk)
        if read > size:
            raise UploadChanged()
        yield chunk
    if read != size:
        raise UploadChanged()


def _not_found() -> NotFound:
    return NotFound("Upload not found.", inner_code="UploadNotFound")


def _already_used() -> Conflict:
    return Conflict(
        "The upload was already analyzed: each upload is analyzed once. Create a new upload.",
        inner_code="UploadAlreadyUsed",
    )
