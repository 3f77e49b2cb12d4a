"""The audit trail: who did what to which job, and when; never any content.

Operation ids are kept as SHA-256 fingerprints: after a job is deleted nothing in the
stack names it, yet the client, who knows the id, can still find its entries.
"""

from __future__ import annotations

import copy
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from docsafe import clock
from docsafe.jobs import iso
from docsafe.tables import all_items, thread_copy


class Action(StrEnum):
    SUBMITTED = "submitted"
    READ = "read"
    DELETED = "deleted"
    EXPIRED = "expired"


def fingerprint(operation_id: str) -> str:
    return hashlib.sha256(f"docsafe-operation|{operation_id}".encode()).hexdigest()


@dataclass(frozen=True)
class AuditEntry:
    tenant: str
    operation: str  # fingerprint of the operation id
    action: Action
    at: float
    entry_id: str
    details: dict[str, Any]

    def to_wire(self) -> dict[str, Any]:
        return {
            "id": self.entry_id,
            "tenant": self.tenant,
            "operationFingerprint": self.operation,
            "action": self.action.value,
            "dateTime": iso(self.at),
            **({"details": self.details} if self.details else {}),
        }


class AuditLog:
    """The audit table: one item per event, partitioned by tenant, kept `retention_days`."""

    def __init__(self, table: Any, retention_days: int, now: Callable[[], float] = clock.now):
        self._table = table
        self._retention_seconds = retention_days * 24 * 3600
        self._clock = now

    def record(
        self, tenant: str, operation_id: str, action: Action, details: dict[str, Any] | None = None
    ) -> AuditEntry:
        entry = self._entry(tenant, operation_id, action, details)
        self._table.put_item(Item=self._item(entry))
        return entry

    def record_many(self, events: list[tuple[str, str, Action, dict[str, Any]]]) -> list[AuditEntry]:
        """Several (tenant, operation id, action, details) at once: 25 a BatchWriteItem,
        boto3 sending again what DynamoDB left unprocessed."""
        entries = [self._entry(*event) for event in events]
        with self._table.batch_writer() as batch:
            for entry in entries:
                batch.put_item(Item=self._item(entry))
        return entries

    def _entry(
        self, tenant: str, operation_id: str, action: Action, details: dict[str, Any] | None
    ) -> AuditEntry:
        return AuditEntry(
            tenant=tenant,
            operation=fingerprint(operation_id),
            action=action,
            at=self._clock(),
            entry_id=str(uuid.uuid4()),
            details=details or {},
        )

    def _item(self, entry: AuditEntry) -> dict[str, Any]:
        return {
            "tenant": entry.tenant,
            # Sorts by time (microseconds); the id keeps simultaneous events apart.
            "entry": f"{int(entry.at * 1_000_000):020d}#{entry.entry_id}",
            "entryId": entry.entry_id,
            "operation": entry.operation,
            "action": entry.action.value,
            "at": int(entry.at),
            "details": entry.details,
            "expiresAt": int(entry.at) + self._retention_seconds,
        }

    def for_thread(self) -> AuditLog:
        """This log for another thread: a table object of its own, the same client."""
        twin = copy.copy(self)
        twin._table = thread_copy(self._table)
        return twin

    def entries(self, tenant: str, operation_id: str | None = None) -> list[AuditEntry]:
        kwargs: dict[str, Any] = {"KeyConditionExpression": Key("tenant").eq(tenant)}
        if operation_id is not None:
            kwargs["FilterExpression"] = Attr("operation").eq(fingerprint(operation_id))
        return [
            AuditEntry(
                tenant=item["tenant"],
                operation=item["operation"],
                action=Action(item["action"]),
                at=float(item["at"]),
                entry_id=item["entryId"],
                details={name: _plain(value) for name, value in item["details"].items()},
            )
            for item in all_items(self._table.query, **kwargs)
        ]


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; details hold whole numbers, text and flags."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
