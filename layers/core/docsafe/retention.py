"""Deleting jobs for good: on request, and when their retention ends.

A job's data key lives only in its record, so the record goes first: from that moment
every copy of its sealed objects is unreadable (crypto-shredding), and the objects are
removed right after. S3 lifecycle and DynamoDB TTL stay as backstops only: lifecycle
rounds to midnight and removes lazily, TTL deletes "within days".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from docsafe.audit import Action
from docsafe.custom.models import PREFIX as MODELS_PREFIX
from docsafe.custom.models import model_of
from docsafe.jobs import iso
from docsafe.runtime import Services
from docsafe.storage import job_of
from docsafe.uploads import PREFIX as UPLOADS_PREFIX

logger = Logger(service="docsafe", child=True)

# An object whose record is gone is normally removed by the same purge that removed the
# record; one that is not (a write racing a delete) is swept once it is this old.
ORPHAN_GRACE_SECONDS = 60


@dataclass(frozen=True)
class Receipt:
    """What was destroyed, and when: handed to the client and kept in the audit trail."""

    receipt_id: str
    operation_id: str
    reason: Action
    destroyed_at: float
    record: bool
    objects: tuple[str, ...] = field(default_factory=tuple)

    def to_wire(self) -> dict[str, Any]:
        names = [key.rsplit("/", 1)[-1] for key in self.objects]
        return {
            "receiptId": self.receipt_id,
            "operationId": self.operation_id,
            "reason": self.reason.value,
            "destroyedDateTime": iso(self.destroyed_at),
            "destroyed": {
                "dataKey": self.record,
                "jobRecord": self.record,
                # An upload not yet taken into the job is its input too.
                "input": "input" in names
                or any(key.split("/", 1)[-1].startswith(UPLOADS_PREFIX) for key in self.objects),
                "pages": sum(1 for key in self.objects if "/pages/" in key),
                "result": "result.json" in names,
                "objects": len(self.objects),
            },
        }


def purge_job(services: Services, tenant: str, operation_id: str, reason: Action) -> Receipt:
    """Destroy the job's key and record, then every object it has, and log a receipt."""
    record = services.jobs.delete(tenant, operation_id)
    objects = services.objects.purge(tenant, operation_id)
    details = {"objects": len(objects), "record": record}
    entry = services.audit.record(tenant, operation_id, reason, details)
    return Receipt(entry.entry_id, operation_id, reason, entry.at, record, tuple(objects))


def _stray(services: Services, key: str, modified: float, now: float, horizon: float) -> bool:
    """Whether an object must go: past retention, an upload past its own TTL, not a job's
    at all, or a job's whose record is gone (after a grace for writes in flight)."""
    settings = services.settings
    if key.startswith(UPLOADS_PREFIX):
        return modified + min(settings.upload_ttl_seconds, settings.retention_seconds) <= horizon
    if key.startswith(MODELS_PREFIX):
        # Models have no retention; one whose record (and key) is gone is unreadable waste.
        owner = model_of(key)
        return owner is None or (
            modified + ORPHAN_GRACE_SECONDS <= now and services.models.get(*owner) is None
        )
    job = job_of(key)
    if job is None or modified + settings.retention_seconds <= horizon:
        return True
    return modified + ORPHAN_GRACE_SECONDS <= now and not services.jobs.exists(*job)


@dataclass(frozen=True)
class PurgeReport:
    jobs: int
    orphans: int
    recovered: int = 0


def purge_expired(services: Services) -> PurgeReport:
    """Remove every job that would pass its retention before the next run, and any
    object left without a job."""
    now = services.clock()
    settings = services.settings
    horizon = now + settings.purge_interval_seconds
    expiring = services.jobs.expiring(before=horizon)
    for tenant, operation_id in expiring:
        purge_job(services, tenant, operation_id, Action.EXPIRED)
    orphans = 0
    for bucket, key, modified in services.objects.all_objects():
        if _stray(services, key, modified, now, horizon):
            services.objects.delete(bucket, key)
            orphans += 1
    if expiring or orphans:
        logger.info("purge", expired_jobs=len(expiring), orphan_objects=orphans)
    return PurgeReport(jobs=len(expiring), orphans=orphans)
