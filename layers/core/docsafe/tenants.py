"""What the operator allows each tenant, beyond its own documents: the S3 folders it may
train custom models from.

A build reads a bucket with the stack's own role, which can read every bucket listed in
the template's TrainingBuckets; without a per-tenant allow-list any tenant could name any
of them (another tenant's training data among them). So a build's `s3Source` must lie
inside a folder the operator allowed for that tenant (`docsafe tenants allow-training`),
and never in the stack's own buckets. Every refusal, and every failure to read an
allowed folder's bucket, answers the same words: nothing tells which buckets or folders
exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from docsafe.auth import validate_tenant
from docsafe.specs import folder, is_plain_prefix


@dataclass(frozen=True, order=True)
class TrainingSource:
    bucket: str
    prefix: str  # "" for the whole bucket, else a folder ending in "/"

    @classmethod
    def parse(cls, uri: str) -> TrainingSource:
        """`s3://bucket/folder/` (or `bucket/folder`) as the operator writes it."""
        path = uri.removeprefix("s3://")
        bucket, _, prefix = path.partition("/")
        if not bucket or not is_plain_prefix(prefix):
            raise ValueError("a training source is s3://BUCKET/FOLDER/ (no '.', '..' or empty segments)")
        return cls(bucket, folder(prefix))

    def covers(self, bucket: str, prefix: str) -> bool:
        """Whether everything under `bucket`/`prefix` lies inside this source."""
        return bucket == self.bucket and is_plain_prefix(prefix) and folder(prefix).startswith(self.prefix)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"


class TenantPolicies:
    """The tenants table: tenant → the training sources the operator allowed it."""

    def __init__(self, table: Any, *, own_buckets: Iterable[str]):
        self._table = table
        self._own_buckets = frozenset(own_buckets)

    def training_sources(self, tenant: str) -> tuple[TrainingSource, ...]:
        item = self._table.get_item(Key={"tenant": tenant}, ConsistentRead=True).get("Item") or {}
        return tuple(sorted(TrainingSource.parse(uri) for uri in item.get("trainingSources", ())))

    def may_train_from(self, tenant: str, bucket: str, prefix: str) -> bool:
        """Inside a folder the operator allowed this tenant, and never the stack's own buckets."""
        if bucket in self._own_buckets:
            return False
        return any(source.covers(bucket, prefix) for source in self.training_sources(tenant))

    def allow_training(self, tenant: str, source: TrainingSource) -> None:
        validate_tenant(tenant)
        self._table.update_item(
            Key={"tenant": tenant},
            UpdateExpression="ADD trainingSources :source",
            ExpressionAttributeValues={":source": {str(source)}},
        )

    def revoke_training(self, tenant: str, source: TrainingSource) -> None:
        self._table.update_item(
            Key={"tenant": tenant},
            UpdateExpression="DELETE trainingSources :source",
            ExpressionAttributeValues={":source": {str(source)}},
        )
