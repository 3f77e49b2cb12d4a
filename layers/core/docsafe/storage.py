"""Sealed objects in S3: the input, per-page artefacts and the result of each job.

Object keys hold only the tenant id, the operation id and a fixed name; never anything a
client supplied (file names stay out of storage, logs and Step Functions state).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from docsafe.sealing import JobKey


@dataclass(frozen=True)
class ObjectRef:
    bucket: str
    key: str
    kind: str  # bound into the AES-GCM associated data


JOB_KEY = re.compile(r"^jobs/(?P<tenant>[^/]+)/(?P<operation>[^/]+)/")


def job_prefix(tenant: str, operation_id: str) -> str:
    return f"jobs/{tenant}/{operation_id}/"


def job_of(key: str) -> tuple[str, str] | None:
    """(tenant, operation id) of an object key under `job_prefix`, else None."""
    match = JOB_KEY.match(key)
    return (match["tenant"], match["operation"]) if match else None


class SealedStore:
    def __init__(self, s3: Any, documents_bucket: str, results_bucket: str):
        self._s3 = s3
        self.documents_bucket = documents_bucket
        self.results_bucket = results_bucket

    # Where each artefact of a job lives.
    def input_ref(self, tenant: str, operation_id: str) -> ObjectRef:
        return ObjectRef(self.documents_bucket, job_prefix(tenant, operation_id) + "input", "input")

    def page_ref(self, tenant: str, operation_id: str, page_number: int) -> ObjectRef:
        return ObjectRef(
            self.documents_bucket,
            job_prefix(tenant, operation_id) + f"pages/{page_number:05d}.json",
            f"page-{page_number}",
        )

    def result_ref(self, tenant: str, operation_id: str) -> ObjectRef:
        return ObjectRef(self.results_bucket, job_prefix(tenant, operation_id) + "result.json", "result")

    def put(self, ref: ObjectRef, job_key: JobKey, plaintext: bytes) -> None:
        self._s3.put_object(
            Bucket=ref.bucket,
            Key=ref.key,
            Body=job_key.seal(plaintext, ref.kind),
            ServerSideEncryption="aws:kms",
        )

    def get(self, ref: ObjectRef, job_key: JobKey) -> bytes:
        blob = self._s3.get_object(Bucket=ref.bucket, Key=ref.key)["Body"].read()
        return job_key.open(blob, ref.kind)

    def exists(self, ref: ObjectRef) -> bool:
        try:
            self._s3.head_object(Bucket=ref.bucket, Key=ref.key)
        except self._s3.exceptions.ClientError:
            return False
        return True

    def purge(self, tenant: str, operation_id: str) -> list[str]:
        """Delete every object of the job in both buckets; returns the keys removed."""
        removed: list[str] = []
        prefix = job_prefix(tenant, operation_id)
        for bucket in (self.documents_bucket, self.results_bucket):
            paginator = self._s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if keys:
                    self._s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
                    removed.extend(f"{bucket}/{key['Key']}" for key in keys)
        return removed

    def all_objects(self) -> Iterator[tuple[str, str, float]]:
        """(bucket, key, last-modified epoch) of every object in both buckets."""
        for bucket in (self.documents_bucket, self.results_bucket):
            paginator = self._s3.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=bucket):
                for item in page.get("Contents", []):
                    yield bucket, item["Key"], item["LastModified"].timestamp()

    def delete(self, bucket: str, key: str) -> None:
        self._s3.delete_object(Bucket=bucket, Key=key)
