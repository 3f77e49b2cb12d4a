"""Batch analysis: every document of a folder of the tenant's bucket, each one analyzed as
an ordinary analysis of its own (sealed under its own key, readable at its resultUrl with
the same API key, expiring with the batch).

`POST …/documentModels/{modelId}:analyzeBatch` arrives through the intake folder as an
analyze does (docsafe.intake); the batch's workflow then lists the folder (or reads its
JSONL file list), copies each document sealed into a job of its own and starts that
job's analysis. A document that cannot be analyzed (missing, too large, not a format
DocSafe reads) fails alone, with its reason; the rest go on.

The batch's record says where its expansion is (notStarted, running, succeeded once every
document is submitted, failed when the folder could not be read); what the client sees
once it is expanded comes from its documents' records. The list of documents (their
names, which are the tenant's) is kept sealed under the batch's key, never in a record.
Results are not written to the tenant's bucket: they stay sealed here, for the retention
period at most, which is the service's promise (README, "Batch analysis").
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from itertools import chain
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from docsafe.audit import Action, AuditLog
from docsafe.contract.document_apis import DOCUMENT_INTELLIGENCE
from docsafe.contract.errors import DocSafeError, Forbidden, InvalidArgument, NotFound, TooManyRequests
from docsafe.contract.requests import (
    check_document_for,
    checked_format,
    parse_batch_request,
    parse_options,
)
from docsafe.custom_models import CustomModels
from docsafe.failures import (
    BATCH_SOURCE_REFUSED,
    JobFailure,
    JobGone,
    TrainingDataElsewhere,
    TrainingDataInvalid,
)
from docsafe.ids import is_canonical_uuid
from docsafe.intake import INTAKE_ATTEMPTS_SECONDS, Intake, Pending, Withdrawn
from docsafe.jobs import Job, JobError, JobStore, Status, TransitionRejected, iso
from docsafe.ratelimit import RateLimiter
from docsafe.retention import Receipt
from docsafe.sealing import KeyService
from docsafe.settings import API_VERSION, Settings
from docsafe.specs import BATCH_KIND, BatchSpec, Contract, is_plain_prefix
from docsafe.storage import ObjectRef, SealedStore, job_prefix
from docsafe.tenants import TenantPolicies
from docsafe.workflows import Workflows

if TYPE_CHECKING:
    from docsafe.folders import TrainingBucket

logger = Logger(service="docsafe", child=True)

# Documents one batch takes, and their bytes together: its expansion copies each within one
# stage's 15 minutes, and its delete purges them all within one request's 29 seconds.
MAX_BATCH_DOCUMENTS = 500
MAX_BATCH_BYTES = 10 * 1024**3
MAX_FILE_LIST_BYTES = 1024 * 1024
LIST_PAGE = 20  # batches a list answer reads (each one's documents, for its counts)
MAX_KEY_BYTES = 1024  # S3's longest key
_FIRST_BYTES = 1024 * 1024  # what is read of a document before its format is known


class BatchSourceRefused(JobFailure):
    """The batch's folder cannot be read (not allowed, another account or region, no such
    bucket): one text for all, as for a build's."""

    code = "Forbidden"
    inner_code = "AuthorizationFailed"


UNREADABLE_DOCUMENT = (
    "The document could not be read with the stack's role (archived, encrypted with another "
    "key, or not the stack's to read)."
)


class BatchTooLarge(JobFailure):
    """More documents than the tenant's allowance has left this minute."""

    code = "TooManyRequests"
    inner_code = "TooManyRequests"


class BatchSourceInvalid(JobFailure):
    """The folder holds nothing to analyze, too much, or a file list that is none."""

    inner_code = "InvalidContentSourceFormat"


def batch_not_found() -> NotFound:
    # One text for unknown, foreign, deleted and expired batches: no existence oracle.
    return NotFound("Analyze batch operation not found.", inner_code="OperationNotFound")


def entries_ref(objects: SealedStore, tenant: str, batch_id: str) -> ObjectRef:
    """The batch's list of documents and the analysis of each, sealed."""
    return ObjectRef(objects.results_bucket, f"{job_prefix(tenant, batch_id)}entries.json", "entries")


class Batches:
    def __init__(
        self,
        *,
        jobs: JobStore,
        objects: SealedStore,
        data_keys: KeyService,
        tenants: TenantPolicies,
        models: CustomModels,
        source: Callable[[], TrainingBucket],
        audit: AuditLog,
        workflows: Workflows,
        intake: Intake,
        rate_limiter: RateLimiter,
        purge: Callable[[list[tuple[str, str]], Action], list[Receipt]],
        settings: Settings,
        now: Callable[[], float],
    ):
        self._jobs = jobs
        self._objects = objects
        self._data_keys = data_keys
        self._tenants = tenants
        self._models = models
        self._source = source
        self._audit = audit
        self._workflows = workflows
        self._intake = intake
        self._rate_limiter = rate_limiter
        self._purge = purge
        self._settings = settings
        self._now = now

    # ---------------------------------------------------------------- the request

    def submit(
        self,
        tenant: str,
        model_id: str,
        query: Mapping[str, str],
        body: bytes,
        operation_id: str,
        still_wanted: Callable[[], bool] = lambda: True,
        callback_url: str | None = None,
    ) -> Job:
        """A batch request checked and its workflow started (the intake function's); each
        document's end is POSTed to `callback_url` (checked already), if given."""
        DOCUMENT_INTELLIGENCE.version_of(query)
        self._models.info(tenant, model_id)  # 404 ModelNotFound, also for another tenant's
        settings = self._settings
        spec = parse_options(query, model_id, settings.ocr_engine, settings.installed_languages)
        request = parse_batch_request(body)
        if not self._tenants.may_train_from(tenant, request.bucket, request.prefix):
            raise Forbidden(BATCH_SOURCE_REFUSED, inner_code="AuthorizationFailed", target="azureBlobSource")
        spec = dataclasses.replace(spec, callback_url=callback_url)
        batch = BatchSpec(request.bucket, request.prefix, request.file_list, spec)
        _, wrapped = self._data_keys.new_job_key(tenant, operation_id)
        job = self._jobs.create(
            tenant=tenant,
            operation_id=operation_id,
            model_id=model_id,
            wrapped_key=wrapped,
            content_format="",
            retention_seconds=settings.retention_seconds,
            options=batch.to_record(),
        )
        try:
            if not still_wanted():
                raise Withdrawn()
            self._workflows.start_batch(tenant, operation_id)
        except Exception:
            self._jobs.delete(tenant, operation_id)
            raise
        self._audit.record(tenant, operation_id, Action.SUBMITTED, {"kind": BATCH_KIND})
        logger.info("batch submitted", tenant=tenant, operation_id=operation_id, model_id=model_id)
        return job

    # ---------------------------------------------------------------- the stage

    def expand(self, tenant: str, batch_id: str) -> None:
        """The batch's stage: one analysis started for each of its documents."""
        batch = self._jobs.visible(tenant, batch_id)
        if batch is None or batch.status.finished or not batch.is_batch:
            raise JobGone("batch deleted, expired or already expanded")
        try:
            self._jobs.transition(batch, Status.RUNNING)
            attempt = self._jobs.count_attempt(batch)
        except TransitionRejected:
            raise JobGone("batch deleted while it ran") from None
        spec = batch.batch()
        source = self._source()
        if not self._tenants.may_train_from(tenant, spec.bucket, spec.prefix):
            raise BatchSourceRefused(BATCH_SOURCE_REFUSED)  # withdrawn since the request
        try:
            source.check_region(spec.bucket)
            names = self._document_names(source, spec)
        except TrainingDataElsewhere:
            raise BatchSourceRefused(BATCH_SOURCE_REFUSED) from None
        if not names:
            raise BatchSourceInvalid("The source folder holds no document.")
        if len(names) > MAX_BATCH_DOCUMENTS:
            raise BatchSourceInvalid(f"A batch analyzes at most {MAX_BATCH_DOCUMENTS} documents.")
        try:  # each document is an analysis: it counts against the allowance as one
            self._rate_limiter.admit(tenant, cost=len(names))
        except TooManyRequests as refused:
            raise BatchTooLarge(
                f"A batch counts one request a document against the tenant's allowance; this "
                f"one's {len(names)} are more than is left this minute. Send it again in "
                f"{refused.retry_after} seconds, or in smaller batches."
            ) from None
        retention = max(1, int(batch.expires_at - self._now()))
        started: list[tuple[str, str]] = []
        budget = _Budget(MAX_BATCH_BYTES)
        try:
            entries = []
            for index, name in enumerate(names):
                if not self._jobs.exists(tenant, batch_id):
                    raise JobGone("batch deleted while it ran")
                operation_id = document_id(batch_id, attempt, index)
                entries.append(
                    self._submit_document(batch, spec, source, name, operation_id, retention, started, budget)
                )
            batch_key = self._data_keys.open_job_key(tenant, batch_id, batch.wrapped_key)
            self._objects.put(
                entries_ref(self._objects, tenant, batch_id), batch_key, json.dumps(entries).encode()
            )
            try:
                self._jobs.transition(batch, Status.SUCCEEDED, pageCount=len(entries))
            except TransitionRejected:
                raise JobGone("batch deleted while it ran") from None
        except BaseException:
            self._purge_started(started)
            raise
        logger.info("batch expanded", operation_id=batch_id, documents=len(entries))

    def _purge_started(self, started: list[tuple[str, str]]) -> None:
        """Nothing of a batch that did not expand is left running: a retry starts over,
        under ids of its own (Step Functions never takes an execution's name twice). (A
        stage killed outright runs none of this: its batch's delete finds the documents by
        their ids, `document_id`.)"""
        if started:
            self._purge(started, Action.DELETED)

    def _document_names(self, source: TrainingBucket, spec: BatchSpec) -> list[str | None]:
        """The documents' names within the folder, in order (at most one past the most a
        batch takes); None for a line of the file list that names none."""
        if spec.file_list is None:
            # (one past the most a batch takes is enough to refuse it: a folder of millions
            # of keys is not listed to its end)
            keys = source.keys(spec.bucket, spec.prefix, limit=MAX_BATCH_DOCUMENTS + 1)
            return [key.removeprefix(spec.prefix) for key in keys if not key.endswith("/")]
        try:
            listed = source.read(spec.bucket, spec.prefix + spec.file_list, MAX_FILE_LIST_BYTES)
        except TrainingDataInvalid as failure:  # missing, or too large
            raise BatchSourceInvalid(failure.message) from None
        names: list[str | None] = []
        # Lines end at "\n" alone: a JSON string may hold U+2028, which splitlines() splits at.
        for line in listed.decode("utf-8", "replace").split("\n"):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except (ValueError, RecursionError):
                item = None
            file = item.get("file") if isinstance(item, dict) else None
            names.append(file if isinstance(file, str) and file else None)
        return names

    def _submit_document(
        self,
        batch: Job,
        spec: BatchSpec,
        source: TrainingBucket,
        name: str | None,
        operation_id: str,
        retention: int,
        started: list[tuple[str, str]],
        budget: _Budget,
    ) -> dict[str, Any]:
        """One document's analysis started; its entry (source and operation, or error)."""
        tenant = batch.tenant
        if (
            name is None
            or not is_plain_prefix(name)
            or name.endswith("/")
            or len((spec.prefix + name).encode()) > MAX_KEY_BYTES
        ):
            return _failed_entry(
                name or "",
                JobError(
                    "InvalidRequest",
                    'A line of the file list is no {"file": "name"} of a document in the folder.',
                    "InvalidContentSourceFormat",
                ),
            )
        key = spec.prefix + name
        chunks = None
        try:
            size, chunks = source.open(spec.bucket, key)
            if not budget.take(size):
                raise BatchSourceInvalid(
                    f"The batch's documents pass {MAX_BATCH_BYTES // 1024**3} GB together: "
                    "this one is left out."
                )
            first = _first_bytes(chunks)
            kind = checked_format(first)
            check_document_for(batch.model_id, kind, spec.analysis)
        except TrainingDataElsewhere:
            # The folder was read already: this object alone is out of reach (archived,
            # under a key the stack may not use). It fails alone.
            _close(chunks)
            return _failed_entry(name, JobError("Forbidden", UNREADABLE_DOCUMENT, "AuthorizationFailed"))
        except JobFailure as failure:
            _close(chunks)
            return _failed_entry(name, failure.job_error())
        except DocSafeError as error:
            _close(chunks)
            return _failed_entry(name, JobError(error.code, error.message, error.inner_code))
        job_key, wrapped = self._data_keys.new_job_key(tenant, operation_id)
        analysis = dataclasses.replace(
            spec.analysis, contract=Contract.DOCUMENT_INTELLIGENCE, batch=batch.operation_id
        )
        self._jobs.create(
            tenant=tenant,
            operation_id=operation_id,
            model_id=batch.model_id,
            wrapped_key=wrapped,
            content_format=kind.value,
            retention_seconds=retention,
            options=analysis.to_record(),
        )
        started.append((tenant, operation_id))
        size = self._objects.put_stream(
            self._objects.input_ref(tenant, operation_id), job_key, chain([first], chunks)
        )
        self._workflows.start_analysis(tenant, operation_id)
        self._audit.record(tenant, operation_id, Action.SUBMITTED, {"bytes": size, "format": kind.value})
        return {"source": name, "operationId": operation_id}

    # ---------------------------------------------------------------- reading

    def operation(self, tenant: str, model_id: str, batch_id: str, base_url: str) -> dict[str, Any]:
        """The AnalyzeBatchOperation resource: the batch's status and, once its documents
        are submitted, each one's (notStarted while the request waits in the intake)."""
        try:
            return self._operation(self._batch(tenant, model_id, batch_id), base_url)
        except NotFound:
            pending = self._pending(tenant, model_id, batch_id)
            if pending is None:
                raise
        arrived = iso(pending.arrived_at)
        body: dict[str, Any] = {
            "resultId": batch_id,
            "status": Status.NOT_STARTED.value,
            "createdDateTime": arrived,
            "lastUpdatedDateTime": arrived,
            "percentCompleted": 0,
        }
        if self._now() >= pending.arrived_at + INTAKE_ATTEMPTS_SECONDS:
            # Lambda no longer retries it: the client is told, instead of waiting for the purge.
            failure = JobError("InternalServerError", "The request could not be taken in; send it again.")
            body.update(status=Status.FAILED.value, error=failure.to_wire())
        return body

    def _pending(self, tenant: str, model_id: str, batch_id: str) -> Pending | None:
        pending = self._intake.pending(tenant, batch_id) if is_canonical_uuid(batch_id) else None
        return pending if pending is not None and pending.batch_model_id == model_id else None

    def list(self, tenant: str, model_id: str, base_url: str, skip: str | None = None) -> dict[str, Any]:
        """The tenant's batches of this model still within retention, newest first, with
        their counts, LIST_PAGE at a time (`nextLink` names the next page, which the
        clients follow): each one's documents are read for its counts, and each
        document's detail is on the batch's own route."""
        self._models.info(tenant, model_id)  # 404 ModelNotFound, as for an analyze
        start = _skip(skip)
        batches = [job for job in self._jobs.list_for(tenant) if job.is_batch and job.model_id == model_id]
        page = batches[start : start + LIST_PAGE]
        listed: dict[str, Any] = {
            "value": [self._operation(job, base_url, with_details=False) for job in page]
        }
        if start + LIST_PAGE < len(batches):
            listed["nextLink"] = (
                f"{base_url}{DOCUMENT_INTELLIGENCE.prefix}/documentModels/{model_id}/analyzeBatchResults"
                f"?api-version={API_VERSION}&skip={start + LIST_PAGE}"
            )
        return listed

    def _operation(self, job: Job, base_url: str, with_details: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {
            "resultId": job.operation_id,
            "status": job.status.value,
            "createdDateTime": job.created_iso,
            "lastUpdatedDateTime": job.updated_iso,
            "percentCompleted": 0,
        }
        if job.status is Status.FAILED:
            if job.error is not None:
                body["error"] = job.error.to_wire()
            return body
        if job.status is not Status.SUCCEEDED:  # still being expanded
            return body
        entries = self._entries(job)
        children = self._jobs.many(
            (job.tenant, entry["operationId"]) for entry in entries if "operationId" in entry
        )
        details = [self._detail(job, entry, children, base_url) for entry in entries]
        finished = [d for d in details if d["status"] in (Status.SUCCEEDED.value, Status.FAILED.value)]
        body["status"] = Status.SUCCEEDED.value if len(finished) == len(details) else Status.RUNNING.value
        body["percentCompleted"] = 100 * len(finished) // len(details) if details else 100
        body["lastUpdatedDateTime"] = max([job, *children.values()], key=lambda j: j.updated_at).updated_iso
        body["result"] = {
            "succeededCount": sum(d["status"] == Status.SUCCEEDED.value for d in details),
            "failedCount": sum(d["status"] == Status.FAILED.value for d in details),
            "skippedCount": 0,  # nothing is skipped: no result file exists to be kept
        }
        if with_details:
            body["result"]["details"] = details
        self._audit.record(job.tenant, job.operation_id, Action.READ)
        return body

    def _detail(
        self, batch: Job, entry: dict[str, Any], children: dict[tuple[str, str], Job], base_url: str
    ) -> dict[str, Any]:
        spec = batch.batch()
        detail: dict[str, Any] = {"sourceUrl": f"s3://{spec.bucket}/{spec.prefix}{entry['source']}"}
        if "error" in entry:
            return {**detail, "status": Status.FAILED.value, "error": entry["error"]}
        operation_id = entry["operationId"]
        child = children.get((batch.tenant, operation_id))
        if child is None or child.expired(self._now()):
            gone = JobError("NotFound", "The document's analysis was deleted.", "OperationNotFound")
            return {**detail, "status": Status.FAILED.value, "error": gone.to_wire()}
        detail["status"] = child.status.value
        if child.status is Status.SUCCEEDED:
            detail["resultUrl"] = (
                f"{base_url}{DOCUMENT_INTELLIGENCE.prefix}/documentModels/{batch.model_id}"
                f"/analyzeResults/{operation_id}?api-version={API_VERSION}"
            )
        if child.status is Status.FAILED and child.error is not None:
            detail["error"] = child.error.to_wire()
        return detail

    def _entries(self, job: Job) -> list[dict[str, Any]]:
        job_key = self._data_keys.open_job_key(job.tenant, job.operation_id, job.wrapped_key)
        entries: list[dict[str, Any]] = json.loads(
            self._objects.get(entries_ref(self._objects, job.tenant, job.operation_id), job_key)
        )
        return entries

    def _batch(self, tenant: str, model_id: str, batch_id: str) -> Job:
        job = self._jobs.visible(tenant, batch_id) if is_canonical_uuid(batch_id) else None
        if job is None or not job.is_batch or job.model_id != model_id:
            raise batch_not_found()
        return job

    # ---------------------------------------------------------------- delete

    def delete(self, tenant: str, model_id: str, batch_id: str) -> Receipt:
        """Purge the batch and every document's analysis, now: their keys first, then
        every object. A batch still expanding finds itself gone and takes back what it
        started; its workflow's stages, and the documents', stop on their own."""
        # A request still in the intake folder goes first: the intake function looks for it
        # before it records the batch, and this looks for the batch after removing it.
        pending = self._pending(tenant, model_id, batch_id)
        taken_in = self._intake.remove(tenant, batch_id) if pending is not None else None
        try:
            batch: Job | None = self._batch(tenant, model_id, batch_id)
        except NotFound:
            if taken_in is None:
                raise
            batch = None
        receipts = self._purge([(tenant, batch_id), *self._documents(batch)], Action.DELETED)
        objects = tuple(chain.from_iterable(receipt.objects for receipt in receipts))
        objects = (*objects, taken_in) if taken_in is not None else objects
        logger.info("batch deleted", tenant=tenant, operation_id=batch_id, documents=len(receipts) - 1)
        return dataclasses.replace(receipts[0], objects=objects)

    def _documents(self, batch: Job | None) -> list[tuple[str, str]]:
        """The analyses of a batch's documents: those its list names once expanded (the
        ids are the batch's own, so a document not yet started is none), else each id it
        could have started."""
        if batch is None:
            return []
        if batch.status is Status.SUCCEEDED:
            entries = self._entries(batch)
            return [(batch.tenant, entry["operationId"]) for entry in entries if "operationId" in entry]
        # Being expanded, or failed part-way: its documents' ids are known in advance.
        ids = [
            document_id(batch.operation_id, attempt, index)
            for attempt in range(1, batch.attempts + 1)
            for index in range(MAX_BATCH_DOCUMENTS)
        ]
        found = self._jobs.existing((batch.tenant, operation_id) for operation_id in ids)
        return sorted(found)


def document_id(batch_id: str, attempt: int, index: int) -> str:
    """The operation id of the `index`th document of a batch's `attempt`th expansion:
    known in advance, so that a batch's delete finds every document any attempt started."""
    return str(uuid.uuid5(uuid.UUID(batch_id), f"{attempt}:{index}"))


def _skip(skip: str | None) -> int:
    """How many batches a list page leaves out (its nextLink's `skip`)."""
    if skip is None:
        return 0
    if not (skip.isascii() and skip.isdigit()) or len(skip) > 6:
        raise InvalidArgument("skip must be a whole number.", inner_code="InvalidParameter", target="skip")
    return int(skip)


def _failed_entry(name: str, error: JobError) -> dict[str, Any]:
    return {"source": name, "error": error.to_wire()}


class _Budget:
    """Bytes a batch may still copy."""

    def __init__(self, total: int):
        self.left = total

    def take(self, size: int) -> bool:
        if size > self.left:
            return False
        self.left -= size
        return True


def _close(chunks: Any) -> None:
    """Give the S3 body's connection back (a document refused part-way)."""
    close = getattr(chunks, "close", None)
    if close is not None:
        close()


def _first_bytes(chunks: Iterator[bytes]) -> bytes:
    first = b""
    for chunk in chunks:
        first += chunk
        if len(first) >= _FIRST_BYTES:
            break
    return first
