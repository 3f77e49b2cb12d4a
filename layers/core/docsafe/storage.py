"""Sealed objects in S3: the input, per-page artefacts and the result of each job.

Object keys hold only the tenant id, the operation id and a fixed name; never anything a
client supplied (file names stay out of storage, logs and Step Functions state).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from typing import Any

from docsafe.sealing import JobKey, SealedFile

# S3 parts must be at least 5 MiB (all but the last); a part holds sealed chunks until it
# is this large, so a streamed object is held in memory one part at a time.
PART_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str
    kind: str  # bound into the AES-GCM associated data


JOBS_PREFIX = "jobs/"
JOB_KEY = re.compile(r"^jobs/(?P<tenant>[^/]+)/(?P<operation>[^/]+)/")
# S3's DeleteObjects takes at most this many keys a call.
DELETE_LIMIT = 1000


class DeleteFailed(Exception):
    """S3 refused to delete some of the keys of a batch."""


@dataclass(frozen=True)
class Unfinished:
    """A multipart upload never completed (nor aborted): S3 keeps its parts until it is."""

    bucket: str
    key: str
    upload_id: str


def job_prefix(tenant: str, operation_id: str) -> str:
    return f"{tenant_prefix(tenant)}{operation_id}/"


def tenant_prefix(tenant: str) -> str:
    """Where every job of the tenant's objects lives."""
    return f"{JOBS_PREFIX}{tenant}/"


def job_of(key: str) -> tuple[str, str] | None:
    """(tenant, operation id) of an object key under `job_prefix`, else None."""
    match = JOB_KEY.match(key)
    return (match["tenant"], match["operation"]) if match else None


class SealedStore:
    def __init__(self, s3: Any, documents_bucket: str, results_bucket: str, kms_key_id: str):
        self._s3 = s3
        self.documents_bucket = documents_bucket
        self.results_bucket = results_bucket
        # Named on every put: S3 encrypts a put that says "aws:kms" but names no key with
        # the AWS-managed aws/s3 key, not the bucket's default; the bucket policies refuse
        # such a put, and one that names any other key.
        self._encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": kms_key_id}

    # Where each artefact of a job lives.
    def input_ref(self, tenant: str, operation_id: str) -> ObjectRef:
        return ObjectRef(self.documents_bucket, job_prefix(tenant, operation_id) + "input", "input")

    def page_ref(self, tenant: str, operation_id: str, page_number: int) -> ObjectRef:
        return ObjectRef(
            self.documents_bucket,
            job_prefix(tenant, operation_id) + f"pages/{page_number:05d}.json",
            f"page-{page_number}",
        )

    def blocks_ref(self, tenant: str, operation_id: str, page_number: int) -> ObjectRef:
        """An Office or HTML page's blocks, as the prepare stage read them."""
        return ObjectRef(
            self.documents_bucket,
            job_prefix(tenant, operation_id) + f"blocks/{page_number:05d}.json",
            f"blocks-{page_number}",
        )

    def training_ref(self, tenant: str, operation_id: str, number: int) -> ObjectRef:
        """A model build's sealed copy of its `number`th training document."""
        return ObjectRef(
            self.documents_bucket, job_prefix(tenant, operation_id) + f"training/{number:05d}", "training"
        )

    def result_ref(self, tenant: str, operation_id: str) -> ObjectRef:
        return ObjectRef(self.results_bucket, job_prefix(tenant, operation_id) + "result.json", "result")

    def pdf_ref(self, tenant: str, operation_id: str) -> ObjectRef:
        return ObjectRef(self.results_bucket, job_prefix(tenant, operation_id) + "result.pdf", "result-pdf")

    def figure_ref(self, tenant: str, operation_id: str, figure_id: str) -> ObjectRef:
        """The PNG of figure `figure_id` ("page.index") of an analysis with output=figures."""
        return ObjectRef(
            self.results_bucket, job_prefix(tenant, operation_id) + f"figures/{figure_id}.png", "figure"
        )

    def put(self, ref: ObjectRef, job_key: JobKey, plaintext: bytes) -> None:
        self.put_stream(ref, job_key, [plaintext])

    def put_stream(self, ref: ObjectRef, job_key: JobKey, pieces: Iterable[bytes]) -> int:
        """Seal and store `pieces` one S3 part at a time; returns the sealed size.

        A multipart upload that fails is aborted, so no part of it stays behind."""
        parts = _parts(job_key.seal_stream(pieces, ref.kind))
        first = next(parts)
        following = next(parts, None)
        if following is None:
            self._s3.put_object(Bucket=ref.bucket, Key=ref.key, Body=first, **self._encryption)
            return len(first)
        upload_id = self._s3.create_multipart_upload(Bucket=ref.bucket, Key=ref.key, **self._encryption)[
            "UploadId"
        ]
        try:
            done, size = [], 0
            for number, part in enumerate(chain((first, following), parts), start=1):
                done.append(self._upload_part(ref, upload_id, number, part))
                size += len(part)
            self._s3.complete_multipart_upload(
                Bucket=ref.bucket, Key=ref.key, UploadId=upload_id, MultipartUpload={"Parts": done}
            )
            return size
        except BaseException:
            self._s3.abort_multipart_upload(Bucket=ref.bucket, Key=ref.key, UploadId=upload_id)
            raise

    def _upload_part(self, ref: ObjectRef, upload_id: str, number: int, body: bytes) -> dict[str, Any]:
        answer = self._s3.upload_part(
            Bucket=ref.bucket, Key=ref.key, UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": answer["ETag"]}

    def get(self, ref: ObjectRef, job_key: JobKey) -> bytes:
        blob = self._s3.get_object(Bucket=ref.bucket, Key=ref.key)["Body"].read()
        return job_key.open(blob, ref.kind)

    def open_file(self, ref: ObjectRef, job_key: JobKey) -> SealedFile:
        """The sealed object as a seekable file, read from S3 a chunk at a time."""
        size = self._s3.head_object(Bucket=ref.bucket, Key=ref.key)["ContentLength"]

        def fetch(start: int, end: int) -> bytes:
            answer = self._s3.get_object(Bucket=ref.bucket, Key=ref.key, Range=f"bytes={start}-{end - 1}")
            return answer["Body"].read()

        return SealedFile(job_key, ref.kind, size, fetch)

    def exists(self, ref: ObjectRef) -> bool:
        try:
            self._s3.head_object(Bucket=ref.bucket, Key=ref.key)
        except self._s3.exceptions.ClientError:
            return False
        return True

    def purge(self, tenant: str, operation_id: str) -> list[str]:
        """Delete every object of the job in both buckets, and any upload of one still
        in progress; returns the keys removed."""
        for uploads in self.unfinished_uploads(job_prefix(tenant, operation_id)).values():
            for upload in uploads:
                self.abort(upload)
        found = self.keys_of(tenant, operation_id)
        self.delete_found(found)
        return [f"{bucket}/{key}" for bucket, key in found]

    def delete_found(self, found: Iterable[tuple[str, str]]) -> None:
        """Delete (bucket, key) pairs, a thousand keys a call per bucket."""
        by_bucket: dict[str, list[str]] = {}
        for bucket, key in found:
            by_bucket.setdefault(bucket, []).append(key)
        for bucket, keys in by_bucket.items():
            self.delete_keys(bucket, keys)

    @property
    def buckets(self) -> tuple[str, str]:
        return (self.documents_bucket, self.results_bucket)

    def keys_of(self, tenant: str, operation_id: str) -> list[tuple[str, str]]:
        """(bucket, key) of every object of the job, in both buckets."""
        prefix = job_prefix(tenant, operation_id)
        return [(bucket, key) for bucket in self.buckets for key, _, _ in self.listing(bucket, prefix)]

    def unfinished_uploads(self, prefix: str = JOBS_PREFIX) -> dict[tuple[str, str], list[Unfinished]]:
        """The multipart uploads still open under `prefix` (all jobs, or one job's) in both
        buckets, by job."""
        found: dict[tuple[str, str], list[Unfinished]] = {}
        for bucket in self.buckets:
            for upload in self._open_uploads(bucket, prefix):
                job = job_of(upload.key)
                if job is not None:
                    found.setdefault(job, []).append(upload)
        return found

    def abort(self, upload: Unfinished) -> None:
        self._s3.abort_multipart_upload(Bucket=upload.bucket, Key=upload.key, UploadId=upload.upload_id)

    def _open_uploads(self, bucket: str, prefix: str) -> Iterator[Unfinished]:
        for page in self._s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket, Prefix=prefix):
            for upload in page.get("Uploads", []):
                yield Unfinished(bucket, upload["Key"], upload["UploadId"])

    def listing(self, bucket: str, prefix: str, after: str | None = None) -> Iterator[tuple[str, str, float]]:
        """(key, bucket, last-modified epoch) of each object under `prefix`, in key order,
        starting after the key `after`; pages are fetched as the caller goes on."""
        start = {"StartAfter": after} if after else {}
        for page in self._s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, **start):
            for item in page.get("Contents", []):
                yield item["Key"], bucket, item["LastModified"].timestamp()

    def folders(self, bucket: str, prefix: str) -> tuple[list[str], list[str]]:
        """The keys directly under `prefix`, and the folders one level below it."""
        keys: list[str] = []
        folders: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix=prefix, Delimiter="/"
        ):
            keys += [item["Key"] for item in page.get("Contents", [])]
            folders += [common["Prefix"] for common in page.get("CommonPrefixes", [])]
        return keys, folders

    def delete_keys(self, bucket: str, keys: list[str]) -> int:
        """Delete `keys` of `bucket`, a thousand a call; returns how many were deleted.
        Raises DeleteFailed (after the whole list) if S3 refused any."""
        refused = 0
        for start in range(0, len(keys), DELETE_LIMIT):
            batch = [{"Key": key} for key in keys[start : start + DELETE_LIMIT]]
            answer = self._s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            refused += len(answer.get("Errors", []))
        if refused:
            raise DeleteFailed(f"S3 refused to delete {refused} of {len(keys)} objects")
        return len(keys)

    def delete(self, bucket: str, key: str) -> None:
        self._s3.delete_object(Bucket=bucket, Key=key)


def _parts(sealed: Iterable[bytes]) -> Iterator[bytes]:
    """Sealed pieces gathered into parts of at least `PART_BYTES` (the last may be smaller)."""
    pending = bytearray()
    for piece in sealed:
        pending += piece
        if len(pending) >= PART_BYTES:
            yield bytes(pending)
            pending.clear()
    if pending:
        yield bytes(pending)
