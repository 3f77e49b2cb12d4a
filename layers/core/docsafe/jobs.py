"""Job records and their status transitions (DynamoDB, conditional writes)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from docsafe import clock
from docsafe.specs import AnalysisSpec, BatchSpec, BuildSpec, is_batch, is_build
from docsafe.tables import all_items, binary, number, thread_copy


class Status(StrEnum):
    NOT_STARTED = "notStarted"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"

    @property
    def finished(self) -> bool:
        return self in (Status.SUCCEEDED, Status.FAILED)


# The states a job may move to, and the states it may come from. Nothing leaves a
# finished state, and a deleted record can never be written again (the condition needs
# the item to exist).
ALLOWED_FROM: dict[Status, tuple[Status, ...]] = {
    Status.RUNNING: (Status.NOT_STARTED, Status.RUNNING),
    Status.SUCCEEDED: (Status.RUNNING,),
    Status.FAILED: (Status.NOT_STARTED, Status.RUNNING),
}


class JobExists(Exception):
    """A job of that id is recorded already (another delivery of the same request)."""


class TransitionRejected(Exception):
    """The job is gone (deleted, expired) or not in a state that allows the change."""


class UnreadKeys(Exception):
    """DynamoDB kept leaving keys of a batch read unprocessed (throttled)."""


BATCH_GET_LIMIT = 100
UNPROCESSED_ATTEMPTS = 6


class Expiring(NamedTuple):
    """A job whose retention ends soon; sorts by when it ends."""

    expires_at: int
    tenant: str
    operation_id: str


@dataclass(frozen=True)
class JobError:
    code: str
    message: str
    inner_code: str | None = None
    target: str | None = None  # the request's part at fault (a refused request)

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            wire["target"] = self.target
        if self.inner_code:
            wire["innererror"] = {"code": self.inner_code, "message": self.message}
        return wire


@dataclass(frozen=True)
class Job:
    tenant: str
    operation_id: str
    model_id: str
    status: Status
    created_at: float
    updated_at: float
    expires_at: float
    wrapped_key: bytes
    content_format: str = ""
    page_count: int = 0
    pages_read: int = 0  # progress; a retried batch may count its pages twice
    attempts: int = 0  # a batch's expansions begun (each names its documents anew)
    options: dict[str, str] = field(default_factory=dict)
    error: JobError | None = None

    def expired(self, now: float) -> bool:
        return now >= self.expires_at

    @property
    def is_build(self) -> bool:
        """A custom model's build (its own workflow and route), not an analysis."""
        return is_build(self.options)

    @property
    def is_batch(self) -> bool:
        """A batch of analyses (its own workflow and routes), not an analysis itself."""
        return is_batch(self.options)

    @property
    def is_analysis(self) -> bool:
        return not (self.is_build or self.is_batch)

    def batch(self) -> BatchSpec:
        """The batch's source and options, as they were checked at submit."""
        return BatchSpec.from_record(self.options)

    def analysis(self) -> AnalysisSpec:
        """What the analysis is to do, as it was checked at submit."""
        return AnalysisSpec.from_record(self.options)

    def build(self) -> BuildSpec:
        """Where the build's training data is, as it was checked at submit."""
        return BuildSpec.from_record(self.options)

    @property
    def created_iso(self) -> str:
        return iso(self.created_at)

    @property
    def updated_iso(self) -> str:
        return iso(self.updated_at)


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class JobStore:
    """The jobs table, keyed by tenant and operation id."""

    def __init__(
        self,
        table: Any,
        now: Callable[[], float] = clock.now,
        ended: Callable[[Job, Status, str | None], None] | None = None,
    ):
        self._table = table
        self._clock = now
        # Told of every job this store ends (succeeded or failed): the completion events.
        self._ended = ended

    def create(
        self,
        *,
        tenant: str,
        operation_id: str,
        model_id: str,
        wrapped_key: bytes,
        content_format: str,
        retention_seconds: int,
        options: dict[str, str],
    ) -> Job:
        now = self._clock()
        job = Job(
            tenant=tenant,
            operation_id=operation_id,
            model_id=model_id,
            status=Status.NOT_STARTED,
            created_at=now,
            updated_at=now,
            expires_at=float(int(now + retention_seconds)),
            wrapped_key=wrapped_key,
            content_format=content_format,
            options=options,
        )
        try:
            self._table.put_item(Item=_to_item(job), ConditionExpression="attribute_not_exists(operationId)")
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise JobExists(operation_id) from None
            raise
        return job

    def get(self, tenant: str, operation_id: str) -> Job | None:
        """The job as stored, or None; says nothing about expiry (see `visible`)."""
        answer = self._table.get_item(
            Key={"tenant": tenant, "operationId": operation_id}, ConsistentRead=True
        )
        item = answer.get("Item")
        return _from_item(item) if item else None

    def visible(self, tenant: str, operation_id: str) -> Job | None:
        """The job if this tenant may still see it: present and not past its retention."""
        job = self.get(tenant, operation_id)
        if job is None or job.expired(self._clock()):
            return None
        return job

    def list_for(self, tenant: str) -> list[Job]:
        """The tenant's jobs that are still within retention, newest first."""
        now = self._clock()
        items = all_items(
            self._table.query, KeyConditionExpression=Key("tenant").eq(tenant), ConsistentRead=True
        )
        jobs = [job for job in map(_from_item, items) if not job.expired(now)]
        return sorted(jobs, key=lambda job: job.created_at, reverse=True)

    def expiring(self, before: float, segment: int = 0, segments: int = 1) -> list[Expiring]:
        """Every job whose retention ends before `before`, the earliest end first; with
        `segments` > 1, only those of one segment of a parallel scan."""
        parallel = {"Segment": segment, "TotalSegments": segments} if segments > 1 else {}
        items = all_items(
            self._table.scan,
            FilterExpression=Attr("expiresAt").lte(int(before)),
            ProjectionExpression="tenant, operationId, expiresAt",
            ConsistentRead=True,
            **parallel,
        )
        return sorted(Expiring(int(i["expiresAt"]), i["tenant"], i["operationId"]) for i in items)

    def unfinished(self, updated_before: float) -> list[Job]:
        """Jobs still notStarted or running that have not changed since `updated_before`."""
        items = all_items(
            self._table.scan,
            FilterExpression=Attr("status").is_in([Status.NOT_STARTED.value, Status.RUNNING.value])
            & Attr("updatedAt").lte(number(updated_before)),
            ConsistentRead=True,
        )
        return [_from_item(item) for item in items]

    def exists(self, tenant: str, operation_id: str) -> bool:
        answer = self._table.get_item(
            Key={"tenant": tenant, "operationId": operation_id},
            ProjectionExpression="operationId",
            ConsistentRead=True,
        )
        return "Item" in answer

    def existing(self, jobs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (tenant, operation id) still have a record: consistent reads of
        the keys alone, a hundred jobs a call (BatchGetItem's limit)."""
        items = self._batch_get(jobs, "tenant, operationId")
        return {(item["tenant"], item["operationId"]) for item in items}

    def many(self, jobs: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Job]:
        """The records of these jobs that exist (a hundred a call), as `get` reads one."""
        return {(job.tenant, job.operation_id): job for job in map(_from_item, self._batch_get(jobs, None))}

    def _batch_get(self, jobs: Iterable[tuple[str, str]], projection: str | None) -> list[dict[str, Any]]:
        wanted = sorted(set(jobs))
        client, name = self._table.meta.client, self._table.name
        found: list[dict[str, Any]] = []
        read: dict[str, Any] = {"ConsistentRead": True}
        if projection:
            read["ProjectionExpression"] = projection
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            keys = [{"tenant": t, "operationId": o} for t, o in wanted[start : start + BATCH_GET_LIMIT]]
            request: dict[str, Any] = {name: {"Keys": keys, **read}}
            for attempt in range(UNPROCESSED_ATTEMPTS):
                if attempt:  # what DynamoDB left unread (throttled) is asked again, after a pause
                    time.sleep(min(1.0, 0.05 * 2**attempt))
                answer = client.batch_get_item(RequestItems=request)
                found += answer["Responses"].get(name, [])
                request = answer.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise UnreadKeys(f"{len(request[name]['Keys'])} job keys left unread")
        return found

    def for_thread(self) -> JobStore:
        """This store for another thread: a table object of its own, the same client."""
        return JobStore(thread_copy(self._table), self._clock)

    def transition(self, job: Job, to: Status, **changes: Any) -> None:
        """Move `job` to `to` if its stored state allows it; extra attributes ride along."""
        allowed = ALLOWED_FROM[to]
        names = {"#status": "status", "#updatedAt": "updatedAt"}
        values: dict[str, Any] = {":to": to.value, ":now": number(self._clock())}
        sets = ["#status = :to", "#updatedAt = :now"]
        for name, value in changes.items():
            names[f"#{name}"] = name
            values[f":{name}"] = value
            sets.append(f"#{name} = :{name}")
        placeholders = []
        for index, state in enumerate(allowed):
            values[f":from{index}"] = state.value
            placeholders.append(f":from{index}")
        try:
            self._table.update_item(
                Key={"tenant": job.tenant, "operationId": job.operation_id},
                UpdateExpression="SET " + ", ".join(sets),
                ConditionExpression=(
                    f"attribute_exists(operationId) AND #status IN ({', '.join(placeholders)})"
                ),
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise TransitionRejected(f"job cannot move to {to.value}") from exc
            raise
        if to.finished and self._ended is not None:
            self._ended(job, to, changes.get("errorInnerCode") or changes.get("errorCode"))

    def count_page_read(self, job: Job) -> bool:
        """Count one more page read; False once the job is gone or no longer running
        (the caller then takes back what it wrote)."""
        return self._add_while_running(job, "pagesRead") is not None

    def count_attempt(self, job: Job) -> int:
        """One more attempt at the job's stage begun; which one it is (1, 2, …).
        TransitionRejected once the job is gone or no longer running."""
        attempt = self._add_while_running(job, "attempts")
        if attempt is None:
            raise TransitionRejected("job gone or not running")
        return attempt

    def _add_while_running(self, job: Job, counter: str) -> int | None:
        """One added to the job's `counter`, if the job is still running; its new value,
        else None."""
        try:
            answer = self._table.update_item(
                Key={"tenant": job.tenant, "operationId": job.operation_id},
                UpdateExpression="ADD #counter :one SET #updatedAt = :now",
                ConditionExpression="attribute_exists(operationId) AND #status = :running",
                ExpressionAttributeNames={
                    "#counter": counter,
                    "#updatedAt": "updatedAt",
                    "#status": "status",
                },
                ExpressionAttributeValues={
                    ":one": 1,
                    ":now": number(self._clock()),
                    ":running": Status.RUNNING.value,
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return int(answer["Attributes"][counter])

    def fail(self, job: Job, error: JobError) -> None:
        changes: dict[str, Any] = {"errorCode": error.code, "errorMessage": error.message}
        if error.inner_code:
            changes["errorInnerCode"] = error.inner_code
        if error.target:
            changes["errorTarget"] = error.target
        self.transition(job, Status.FAILED, **changes)

    def delete(self, tenant: str, operation_id: str) -> bool:
        """Delete the record and with it the wrapped data key. True if it existed."""
        return self.remove(tenant, operation_id) is not None

    def remove(self, tenant: str, operation_id: str) -> Job | None:
        """Delete the record and with it the wrapped data key; the job it was, if any."""
        answer = self._table.delete_item(
            Key={"tenant": tenant, "operationId": operation_id}, ReturnValues="ALL_OLD"
        )
        return _from_item(answer["Attributes"]) if "Attributes" in answer else None


def _to_item(job: Job) -> dict[str, Any]:
    item: dict[str, Any] = {
        "tenant": job.tenant,
        "operationId": job.operation_id,
        "modelId": job.model_id,
        "status": job.status.value,
        "createdAt": number(job.created_at),
        "updatedAt": number(job.updated_at),
        # Whole epoch seconds, rounded down so retention never grows; DynamoDB TTL reads
        # the same attribute as a backstop behind the purge.
        "expiresAt": int(job.expires_at),
        "wrappedKey": job.wrapped_key,
        "contentFormat": job.content_format,
        "pageCount": job.page_count,
        "options": job.options,
    }
    return item


def _from_item(item: dict[str, Any]) -> Job:
    error = None
    if item.get("errorCode"):
        error = JobError(
            code=str(item["errorCode"]),
            message=str(item.get("errorMessage", "")),
            inner_code=item.get("errorInnerCode"),
            target=item.get("errorTarget"),
        )
    return Job(
        tenant=item["tenant"],
        operation_id=item["operationId"],
        model_id=item["modelId"],
        status=Status(item["status"]),
        created_at=float(item["createdAt"]),
        updated_at=float(item["updatedAt"]),
        expires_at=float(item["expiresAt"]),
        wrapped_key=binary(item["wrappedKey"]),
        content_format=item.get("contentFormat", ""),
        page_count=int(item.get("pageCount", 0)),
        pages_read=int(item.get("pagesRead", 0)),
        attempts=int(item.get("attempts", 0)),
        options=dict(item.get("options", {})),
        error=error,
    )
