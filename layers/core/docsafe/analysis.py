"""What the API does with analyze operations, free of HTTP: submit, read, delete.

Every call is scoped to the caller's tenant; a job of another tenant, an unknown id, a
deleted and an expired job all raise the same OperationNotFound.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from docsafe import urlsource
from docsafe.audit import Action, AuditLog
from docsafe.callbacks import check_callback_url
from docsafe.contract.document_apis import DOCUMENT_INTELLIGENCE, DocumentApi, by_contract
from docsafe.contract.errors import (
    Conflict,
    DocSafeError,
    InvalidRequest,
    NotFound,
    RangeNotSatisfiable,
    operation_not_found,
)
from docsafe.contract.requests import (
    AnalyzeRequest,
    check_document_for,
    checked_format,
    parse_body,
    parse_options,
    upload_source,
)
from docsafe.contract.vision_read import gateway_refusal, parse_read_body, parse_read_options
from docsafe.custom_models import CustomModels
from docsafe.ids import is_canonical_uuid
from docsafe.intake import INTAKE_ATTEMPTS_SECONDS, Intake, Pending, Withdrawn
from docsafe.jobs import Job, JobError, JobExists, JobStore, Status
from docsafe.limits import API_GATEWAY_BODY_BYTES
from docsafe.ratelimit import RateLimiter
from docsafe.retention import Receipt
from docsafe.sealing import JobKey, KeyService
from docsafe.settings import Settings
from docsafe.specs import AnalysisSpec, BatchSpec, Contract, UploadRef
from docsafe.storage import SealedStore
from docsafe.uploads import Uploads
from docsafe.workflows import Workflows

if TYPE_CHECKING:
    from docsafe.batches import Batches

logger = Logger(service="docsafe", child=True)

# Lambda answers at most 6 MB, and a PDF goes out base64-encoded (4 bytes for 3).
MAX_PDF_RESPONSE_BYTES = 4 * 1024 * 1024
# One part of a result read by range: JSON text, well inside Lambda's 6 MB.
RESULT_PART_BYTES = 4 * 1024 * 1024
# The model Vision Read v3.2's requests run (its API names none).
READ_MODEL = "prebuilt-read"


FIGURE_ID = re.compile(r"^[1-9][0-9]{0,4}\.[1-9][0-9]{0,3}$")  # "page.index", as Azure names figures
_RANGE = re.compile(r"bytes=([0-9]{1,15})-([0-9]{0,15})")


@dataclass(frozen=True)
class ByteRange:
    """`Range: bytes=FIRST-[LAST]` of one part, at most RESULT_PART_BYTES long."""

    first: int
    last: int | None = None

    @classmethod
    def parse(cls, header: str) -> ByteRange:
        # ASCII digits only: str.isdigit() takes superscripts that int() refuses.
        match = _RANGE.fullmatch(header.strip())
        if match is None:
            raise RangeNotSatisfiable("Range must be one part, bytes=FIRST-LAST or bytes=FIRST-.")
        first, last = match.groups()
        wanted = cls(int(first), int(last) if last else None)
        if wanted.last is not None and wanted.last < wanted.first:
            raise RangeNotSatisfiable("Range must end after it starts.")
        return wanted

    def within(self, size: int) -> tuple[int, int]:
        """The part's first and last offsets in an object of `size` bytes."""
        if self.first >= size:
            raise RangeNotSatisfiable(f"The result is {size} bytes long.")
        last = min(size - 1, self.first + RESULT_PART_BYTES - 1, self.last if self.last is not None else size)
        return self.first, last


@dataclass(frozen=True)
class RawJson:
    """JSON text passed on to a response as it is: a result of a few thousand pages is
    tens of megabytes, and parsing it only to write it out again would take five times
    that in memory."""

    text: str

    def parsed(self) -> Any:
        return json.loads(self.text)


@dataclass(frozen=True)
class Snapshot:
    """A job as a reader sees it: its state and, once succeeded, its analyzeResult."""

    job: Job
    analyze_result: RawJson | None = None


class Operations:
    def __init__(
        self,
        *,
        jobs: JobStore,
        objects: SealedStore,
        data_keys: KeyService,
        uploads: Uploads,
        intake: Intake,
        audit: AuditLog,
        rate_limiter: RateLimiter,
        workflows: Workflows,
        models: CustomModels,
        batches: Callable[[], Batches],
        purge: Callable[[str, str, Action], Receipt],
        settings: Settings,
        now: Callable[[], float],
    ):
        self._jobs = jobs
        self._objects = objects
        self._data_keys = data_keys
        self._uploads = uploads
        self._intake = intake
        self._audit = audit
        self._rate_limiter = rate_limiter
        self._workflows = workflows
        self._models = models
        self._batches = batches
        self._purge = purge
        self._settings = settings
        self._now = now

    def analyze(
        self,
        tenant: str,
        model_id: str,
        query: Mapping[str, str],
        content_type: str | None,
        body: bytes,
        operation_id: str | None = None,
        still_wanted: Callable[[], bool] = lambda: True,
        through: DocumentApi = DOCUMENT_INTELLIGENCE,
        callback_url: str | None = None,
    ) -> Job:
        """An analyze request checked and submitted: the model the tenant's, the options
        supported, the document one DocSafe reads (in the body, at a urlSource, or an upload);
        `through` the API it came in by (Document Intelligence or Form Recognizer); its end
        POSTed to `callback_url` if given (checked as a urlSource is)."""
        version = through.version_of(query)
        self._models.info(tenant, model_id)  # 404 ModelNotFound, also for another tenant's
        settings = self._settings
        spec = parse_options(query, model_id, settings.ocr_engine, settings.installed_languages)
        through.check_spec(spec, version)
        spec = dataclasses.replace(
            spec, contract=through.contract, callback_url=_checked_callback(callback_url)
        )
        if upload_id := upload_source(body, content_type):
            request = self.upload_request(tenant, upload_id, spec)
        else:
            document, kind = parse_body(body, content_type, settings.max_document_bytes, urlsource.fetch)
            request = AnalyzeRequest(document, kind, spec)
        return self.submit(tenant, model_id, request, operation_id, still_wanted)

    def read(
        self,
        tenant: str,
        query: Mapping[str, str],
        content_type: str | None,
        body: bytes,
        operation_id: str | None = None,
        still_wanted: Callable[[], bool] = lambda: True,
        callback_url: str | None = None,
    ) -> Job:
        """A Vision Read v3.2 request checked and submitted: Read's options, the image in
        the body or at its url, read by prebuilt-read."""
        settings = self._settings
        spec = parse_read_options(query, settings.ocr_engine, settings.installed_languages)
        spec = dataclasses.replace(spec, callback_url=_checked_callback(callback_url))
        document, kind = parse_read_body(body, content_type, settings.max_document_bytes, urlsource.fetch)
        return self.submit(
            tenant, READ_MODEL, AnalyzeRequest(document, kind, spec), operation_id, still_wanted
        )

    def receive(self, tenant: str, operation_id: str) -> Job | None:
        """Take in an analyze request API Gateway put into the intake folder: submitted,
        or recorded as failed with the reason (the client has its operation id already).
        None when there is nothing to do: the client deleted it, it was taken before (a
        retried event), or API Gateway refused it (not an analyze request)."""
        request = self._intake.take(tenant, operation_id)
        if request is None or self._jobs.exists(tenant, operation_id):
            # Gone (deleted, or taken in before), or being taken in by another delivery of
            # the same event (Lambda may deliver one twice): that one removes it when done.
            return None
        contract = request.contract
        through = None if contract is Contract.VISION_READ else by_contract(contract)
        batch_model_id = request.batch_model_id
        model_id = batch_model_id or (request.model_id if through is not None else READ_MODEL)
        if (
            model_id is None
            or (through is not None and request.query.get("api-version") not in through.versions)
            or (through is None and gateway_refusal(request.query) is not None)
        ):
            # API Gateway answered 404 or 400 itself (template.yaml): no operation exists.
            self._intake.remove(tenant, operation_id)
            return None

        def still_wanted() -> bool:
            return self._intake.still_there(request)

        try:
            self._rate_limiter.admit(tenant)
            if len(request.body) > API_GATEWAY_BODY_BYTES:  # no body API Gateway stored
                raise InvalidRequest(
                    "The request body is larger than 10 MB.", inner_code="InvalidContentLength"
                )
            if batch_model_id is not None:
                job = self._batches().submit(
                    tenant,
                    batch_model_id,
                    request.query,
                    request.body,
                    operation_id,
                    still_wanted,
                    _checked_callback(request.callback_url),
                )
            elif through is None:
                job = self.read(
                    tenant,
                    request.query,
                    request.content_type,
                    request.body,
                    operation_id,
                    still_wanted,
                    callback_url=request.callback_url,
                )
            else:
                job = self.analyze(
                    tenant,
                    model_id,
                    request.query,
                    request.content_type,
                    request.body,
                    operation_id,
                    still_wanted=still_wanted,
                    through=through,
                    callback_url=request.callback_url,
                )
        except (Withdrawn, JobExists):
            return None  # deleted meanwhile, or another delivery recorded it first
        except DocSafeError as error:
            try:
                job = self._refused(
                    tenant,
                    operation_id,
                    model_id,
                    contract,
                    error,
                    batch=batch_model_id is not None,
                    callback_url=_callback_if_allowed(request.callback_url),
                )
            except JobExists:
                return None
            if not self._intake.still_there(request):  # deleted meanwhile: nothing may remain
                self._jobs.delete(tenant, operation_id)
                return None
        self._intake.remove(tenant, operation_id)
        return job

    def _refused(
        self,
        tenant: str,
        operation_id: str,
        model_id: str,
        contract: Contract,
        error: DocSafeError,
        batch: bool = False,
        callback_url: str | None = None,
    ) -> Job:
        """A failed operation that never held a document: what a refused request leaves
        (for its API's routes to show: a batch's for the batch's), its end called back."""
        spec = AnalysisSpec(contract=contract, callback_url=callback_url)
        job = self._jobs.create(
            tenant=tenant,
            operation_id=operation_id,
            model_id=model_id[:64],
            wrapped_key=b"",
            content_format="",
            retention_seconds=self._settings.retention_seconds,
            options=BatchSpec("", analysis=spec).to_record() if batch else spec.to_record(),
        )
        failure = JobError(error.code, error.message, error.inner_code, error.target)
        self._jobs.fail(job, failure)
        logger.info(
            "analysis refused", tenant=tenant, operation_id=operation_id, code=error.inner_code or error.code
        )
        return dataclasses.replace(job, status=Status.FAILED, error=failure)

    def submit(
        self,
        tenant: str,
        model_id: str,
        request: AnalyzeRequest,
        operation_id: str | None = None,
        still_wanted: Callable[[], bool] = lambda: True,
        retention_seconds: int | None = None,
    ) -> Job:
        """Seal the document, record the job and start its workflow (unless, by then, the
        client no longer wants it: Withdrawn, and nothing of it remains). The job is kept
        `retention_seconds` at most (the deployment's retention when not given)."""
        check_document_for(model_id, request.format, request.spec)
        operation_id = operation_id or str(uuid.uuid4())
        job_key, wrapped = self._data_keys.new_job_key(tenant, operation_id)
        # The record (holding the wrapped key) is written before any object: no sealed
        # object can exist whose key was never stored.
        job = self._jobs.create(
            tenant=tenant,
            operation_id=operation_id,
            model_id=model_id,
            wrapped_key=wrapped,
            content_format=request.format.value,
            retention_seconds=min(
                retention_seconds or self._settings.retention_seconds, self._settings.retention_seconds
            ),
            options=request.spec.to_record(),
        )
        try:
            if request.upload is None:
                self._objects.put(self._objects.input_ref(tenant, operation_id), job_key, request.document)
            else:
                self._uploads.claim(tenant, request.upload, operation_id)
            if not still_wanted():
                raise Withdrawn()
            self._workflows.start_analysis(tenant, operation_id)
        except Exception:
            self._jobs.delete(tenant, operation_id)
            self._objects.purge(tenant, operation_id)
            if request.upload is not None:
                # A retry may analyze the upload: nothing read it (a lost race leaves the
                # winner's claim alone).
                self._uploads.release(tenant, request.upload, operation_id)
            raise
        self._audit.record(
            tenant,
            operation_id,
            Action.SUBMITTED,
            {"bytes": request.size, "format": request.format.value},
        )
        logger.info(
            "analysis submitted",
            tenant=tenant,
            operation_id=operation_id,
            model_id=model_id,
            format=request.format.value,
            size_bytes=request.size,
        )
        return job

    def upload_request(self, tenant: str, upload_id: str, spec: AnalysisSpec) -> AnalyzeRequest:
        """An analyze request for a document the tenant uploaded (checked, not yet read;
        submitting it claims the upload)."""
        upload = self._uploads.check(tenant, upload_id)
        taken = UploadRef(upload_id, upload.etag, upload.size)
        return AnalyzeRequest(b"", checked_format(upload.head), spec.with_upload(taken), upload)

    def snapshot(
        self,
        tenant: str,
        operation_id: str,
        model_id: str | None = None,
        *,
        with_result: bool = True,
        contract: Contract | None = None,
    ) -> Snapshot:
        """The job's state, with its result once it succeeded (if `with_result`); only a
        job asked for through `contract`, when one is given."""
        job = self._visible_or_pending(tenant, operation_id, model_id, contract)
        if job.status is not Status.SUCCEEDED or not with_result:
            return Snapshot(job)
        result = self._result(job)
        self._audit.record(tenant, operation_id, Action.READ)
        return Snapshot(job, result)

    def list(self, tenant: str) -> list[Job]:
        """The tenant's analyses still within retention, newest first (model builds have
        their own route)."""
        return [job for job in self._jobs.list_for(tenant) if job.is_analysis]

    def _result(self, job: Job) -> RawJson:
        job_key = self._data_keys.open_job_key(job.tenant, job.operation_id, job.wrapped_key)
        return RawJson(
            self._objects.get(self._objects.result_ref(job.tenant, job.operation_id), job_key).decode()
        )

    def delete(
        self,
        tenant: str,
        operation_id: str,
        model_id: str | None = None,
        contract: Contract | None = None,
    ) -> Receipt:
        """Purge the job now: its key first (crypto-shredding), then every object.

        A request still in the intake folder goes first: the intake function checks it is
        there before it starts a job, and this looks for the job after removing it, so one
        of the two always sees the other."""
        pending = self._intake.pending(tenant, operation_id) if is_canonical_uuid(operation_id) else None
        if pending is not None and not _pending_matches(pending, model_id, contract):
            pending = None
        taken_in = self._intake.remove(tenant, operation_id) if pending is not None else None
        try:
            job: Job | None = self._visible(tenant, operation_id, model_id, contract)
        except NotFound:
            if taken_in is None:
                raise
            job = None
        receipt = self._purge(tenant, operation_id, Action.DELETED)
        if taken_in is not None:
            receipt = dataclasses.replace(receipt, objects=(*receipt.objects, taken_in))
        if job is not None and (upload := job.analysis().upload):
            upload_id = upload.upload_id
            # Not yet taken into the job (or taken: then the key is already gone).
            removed = self._uploads.remove_document(tenant, upload_id)
            receipt = dataclasses.replace(receipt, objects=(*receipt.objects, removed))
        if job is not None and not job.status.finished:
            # The stages find the job gone and stop on their own; this only saves work.
            self._workflows.stop_analysis(operation_id)
        logger.info(
            "analysis deleted", tenant=tenant, operation_id=operation_id, objects=len(receipt.objects)
        )
        return receipt

    def discard(self, tenant: str, operation_id: str) -> Receipt:
        """Purge a job this service submitted for itself (an Image Analysis read): its key
        and every object first, then its workflow stopped if it still ran (as a delete: the
        stages find the job gone and stop on their own, so a stop that fails loses nothing)."""
        job = self._jobs.get(tenant, operation_id)
        receipt = self._purge(tenant, operation_id, Action.DELETED)
        if job is not None and not job.status.finished:
            try:
                self._workflows.stop_analysis(operation_id)
            except Exception as exc:
                logger.warning(
                    "workflow not stopped", operation_id=operation_id, error_type=type(exc).__name__
                )
        return receipt

    def result_part(self, tenant: str, operation_id: str, wanted: ByteRange) -> tuple[bytes, int, int]:
        """Bytes of the analyzeResult's JSON text: a result larger than one response can
        carry is read in parts (HTTP Range). Returns (bytes, first offset, total size).

        Read from the sealed object a chunk at a time: the result is never held whole."""
        job = self._visible(tenant, operation_id, None)
        if job.status is not Status.SUCCEEDED:
            raise Conflict(
                f"The operation has no result: its status is {job.status.value}.",
                inner_code="OperationNotComplete",
            )
        job_key = self._data_keys.open_job_key(job.tenant, job.operation_id, job.wrapped_key)
        with self._objects.open_file(self._objects.result_ref(job.tenant, job.operation_id), job_key) as file:
            first, last = wanted.within(file.size)
            file.seek(first)
            data = file.read(last - first + 1)
            total = file.size
        self._audit.record(tenant, operation_id, Action.READ)
        return data, first, total

    def searchable_pdf(
        self, tenant: str, operation_id: str, model_id: str | None = None, contract: Contract | None = None
    ) -> bytes:
        """The searchable PDF of an analysis submitted with output=pdf."""
        job, job_key = self._output_of(tenant, operation_id, model_id, contract, "pdf")
        with self._objects.open_file(self._objects.pdf_ref(job.tenant, job.operation_id), job_key) as file:
            if file.size > MAX_PDF_RESPONSE_BYTES:
                raise InvalidRequest(
                    f"The searchable PDF is {file.size / 1e6:.1f} MB; the API returns at most "
                    f"{MAX_PDF_RESPONSE_BYTES / 1e6:.1f} MB in one response (Lambda's 6 MB limit). "
                    "Analyze fewer pages at a time with the pages option.",
                    inner_code="ResponseTooLarge",
                )
            data = file.read()
        self._audit.record(tenant, operation_id, Action.READ)
        return data

    def figure(
        self,
        tenant: str,
        operation_id: str,
        figure_id: str,
        model_id: str | None = None,
        contract: Contract | None = None,
    ) -> bytes:
        """The PNG of a figure of an analysis submitted with output=figures."""
        job, job_key = self._output_of(tenant, operation_id, model_id, contract, "figures")
        if not FIGURE_ID.match(figure_id):
            raise NotFound(f"The analysis has no figure '{figure_id[:20]}'.", inner_code="FigureNotFound")
        ref = self._objects.figure_ref(job.tenant, job.operation_id, figure_id)
        try:
            data = self._objects.get(ref, job_key)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("NoSuchKey", "404"):
                raise
            raise NotFound(
                f"The analysis has no figure '{figure_id}'.", inner_code="FigureNotFound"
            ) from None
        self._audit.record(tenant, operation_id, Action.READ)
        return data

    def _output_of(
        self, tenant: str, operation_id: str, model_id: str | None, contract: Contract | None, output: str
    ) -> tuple[Job, JobKey]:
        """The job and its key, for an `output` (pdf, figures) it was asked for and has
        made: 404 for an output not asked for, 409 until the analysis succeeded."""
        job = self._visible(tenant, operation_id, model_id, contract)
        spec = job.analysis()
        if not (spec.searchable_pdf if output == "pdf" else spec.figures):
            inner = "PdfNotRequested" if output == "pdf" else "FiguresNotRequested"
            raise NotFound(f"The analysis was not asked for output={output}.", inner_code=inner)
        if job.status is not Status.SUCCEEDED:
            what = "PDF" if output == "pdf" else "figures"
            raise Conflict(
                f"The operation has no {what}: its status is {job.status.value}.",
                inner_code="OperationNotComplete",
            )
        return job, self._data_keys.open_job_key(job.tenant, job.operation_id, job.wrapped_key)

    def _visible_or_pending(
        self, tenant: str, operation_id: str, model_id: str | None, contract: Contract | None
    ) -> Job:
        """The job; or, while its request waits in the intake folder, a notStarted one."""
        try:
            return self._visible(tenant, operation_id, model_id, contract)
        except NotFound:
            pending = self._intake.pending(tenant, operation_id) if is_canonical_uuid(operation_id) else None
            if pending is None or not _pending_matches(pending, model_id, contract):
                # Taken in between the two looks: the job exists now.
                return self._visible(tenant, operation_id, model_id, contract)
        arrived = pending.arrived_at
        waiting = Job(
            tenant=tenant,
            operation_id=operation_id,
            model_id=pending.model_id or "",
            status=Status.NOT_STARTED,
            created_at=arrived,
            updated_at=arrived,
            expires_at=arrived + self._settings.retention_seconds,
            wrapped_key=b"",
        )
        if self._now() < arrived + INTAKE_ATTEMPTS_SECONDS:
            return waiting
        # Lambda no longer retries it: the client is told, instead of waiting for the purge.
        failure = JobError("InternalServerError", "The request could not be taken in; send it again.")
        return dataclasses.replace(waiting, status=Status.FAILED, error=failure)

    def _visible(
        self, tenant: str, operation_id: str, model_id: str | None, contract: Contract | None = None
    ) -> Job:
        if not is_canonical_uuid(operation_id):
            raise operation_not_found()
        job = self._jobs.visible(tenant, operation_id)
        if job is None or (model_id is not None and job.model_id != model_id):
            raise operation_not_found()
        if not job.is_analysis:
            # a model build (/documentintelligence/operations/{id}) or a batch
            # (…/analyzeBatchResults/{id})
            raise operation_not_found()
        if contract is not None and job.analysis().contract is not contract:
            raise operation_not_found()  # another API's: served by its own routes
        return job


def _checked_callback(url: str | None) -> str | None:
    """A request's callback URL, checked as a urlSource is (400 when refused)."""
    return check_callback_url(url) if url else None


def _callback_if_allowed(url: str | None) -> str | None:
    """A refused request's callback URL, if it is one a callback may go to (a refused
    request is still told by its callback; one whose URL was the refusal is not)."""
    try:
        return _checked_callback(url)
    except DocSafeError:
        return None


def _pending_matches(pending: Pending, model_id: str | None, contract: Contract | None) -> bool:
    """Whether a request still waiting in the intake folder is the one a route names."""
    return (model_id is None or pending.model_id == model_id) and (
        contract is None or pending.contract is contract
    )
