"""A folder of a tenant's own bucket, read with the stack's role: a custom model's training
data (docsafe.training) and a batch's documents (docsafe.batches). Free of any PDF or
image library, so that the batch's stage needs none."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from docsafe.failures import TrainingDataElsewhere, TrainingDataInvalid

logger = Logger(service="docsafe", child=True)


class TrainingBucket:
    """A tenant's training folder, read with the stack's role: always as the stack's own
    account (`ExpectedBucketOwner`), and only in the stack's region. Every failure to read
    it answers TrainingDataElsewhere (nothing tells which buckets exist) or, for a file
    the folder lacks, TrainingDataInvalid."""

    def __init__(self, s3: Any, region: str, account_id: str | None, max_document_bytes: int):
        self._s3 = s3
        self._region = region
        self._owner = {"ExpectedBucketOwner": account_id} if account_id else {}
        self._max_document_bytes = max_document_bytes

    def check_region(self, bucket: str) -> None:
        """Training data stays in the stack's account and region."""
        try:
            region = self._s3.get_bucket_location(Bucket=bucket, **self._owner).get("LocationConstraint")
        except ClientError as exc:
            raise _elsewhere(exc) from None
        if (region or "us-east-1") != self._region:
            raise TrainingDataElsewhere()

    def labels_files(self, bucket: str, prefix: str) -> list[str]:
        return [key for key in self.keys(bucket, prefix) if key.endswith(".labels.json")]

    def keys(self, bucket: str, prefix: str, limit: int | None = None) -> list[str]:
        """Every key under `prefix` in order (the first `limit` of them, if given)."""
        found: list[str] = []
        try:
            listing = self._s3.get_paginator("list_objects_v2")
            for page in listing.paginate(Bucket=bucket, Prefix=prefix, **self._owner):
                found += [item["Key"] for item in page.get("Contents", [])]
                if limit is not None and len(found) >= limit:
                    break
        except ClientError as exc:
            raise _elsewhere(exc) from None
        return sorted(found)[:limit] if limit is not None else sorted(found)

    def stream(self, bucket: str, key: str) -> Iterator[bytes]:
        """A training document, a megabyte at a time (sealed as it arrives)."""
        return self.open(bucket, key)[1]

    def open(self, bucket: str, key: str) -> tuple[int, Chunks]:
        """A document's size and its bytes, a megabyte at a time (close() gives the
        connection back when not read to the end)."""
        answer = self._get(bucket, key)
        limit = self._max_document_bytes
        if answer["ContentLength"] > limit:
            answer["Body"].close()
            name = posixpath.basename(key)[:80]
            raise TrainingDataInvalid(f"{name} is larger than {limit // 2**20} MB.")
        return int(answer["ContentLength"]), Chunks(answer["Body"])

    def read(self, bucket: str, key: str, limit: int | None = None) -> bytes:
        """A small file of the folder (one past `limit` bytes: TrainingDataInvalid)."""
        answer = self._get(bucket, key)
        if limit is not None and answer["ContentLength"] > limit:
            name = posixpath.basename(key)[:80]
            raise TrainingDataInvalid(f"{name} is larger than {limit // 1024} KB.")
        return bytes(answer["Body"].read())

    def _get(self, bucket: str, key: str) -> dict[str, Any]:
        try:
            return self._s3.get_object(Bucket=bucket, Key=key, **self._owner)  # type: ignore[no-any-return]
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("NoSuchKey", "404"):
                name = posixpath.basename(key)[:80]
                raise TrainingDataInvalid(f"The folder has no {name}.") from None
            raise _elsewhere(exc) from None


class Chunks:
    """An S3 object's body, a megabyte at a time."""

    def __init__(self, body: Any):
        self._body = body
        self._chunks = body.iter_chunks(2**20)

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)  # type: ignore[no-any-return]

    def close(self) -> None:
        self._body.close()


def _elsewhere(exc: ClientError) -> TrainingDataElsewhere:
    logger.info("training source unreadable", aws_error=exc.response.get("Error", {}).get("Code", ""))
    return TrainingDataElsewhere()
