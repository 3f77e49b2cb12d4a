"""Image Analysis 4.0's READ: an image read while its request waits.

The request goes through the same pipeline as every analysis (sealed input, the reading
policy's stages, sealed result), and the job is purged as soon as the answer is made:
a synchronous API keeps nothing. API Gateway answers within 29 seconds; an image not read
in `sync_read_seconds` is answered with an error that names the asynchronous Read API,
and its job is purged as well.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

from docsafe import urlsource
from docsafe.analysis import READ_MODEL, Operations
from docsafe.contract import image_analysis
from docsafe.contract.errors import DocSafeError, InvalidRequest, UnsupportedMediaType
from docsafe.contract.requests import AnalyzeRequest, check_image
from docsafe.contract.vision_read import parse_read_body
from docsafe.jobs import JobStore, Status
from docsafe.retention import Receipt
from docsafe.settings import Settings
from docsafe.specs import Contract

logger = Logger(service="docsafe", child=True)

POLL_SECONDS = 0.2


class ReadFailed(DocSafeError):
    """The image could not be read: the job's own failure, told as the request's answer."""

    status = 400
    code = "InvalidRequest"


# An Image Analysis job is purged when its answer is made; should that fail, the scheduled
# purge takes it within its next run (a job kept this long at most).
RETENTION_SECONDS = 60


class ImageAnalysis:
    def __init__(
        self,
        *,
        operations: Operations,
        jobs: JobStore,
        settings: Settings,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._operations = operations
        self._jobs = jobs
        self._settings = settings
        self._now = now
        self._sleep = sleep

    def read(
        self,
        tenant: str,
        query: Mapping[str, str],
        content_type: str | None,
        body: bytes,
        requested_at: float | None = None,
    ) -> tuple[dict[str, Any], Receipt]:
        """The ImageAnalysisResult of the image in the request, and the receipt of its
        purge; `requested_at` is when API Gateway received the request (epoch seconds)."""
        settings = self._settings
        deadline = (requested_at or self._now()) + settings.sync_read_seconds
        spec = image_analysis.parse_options(query, settings.ocr_engine, settings.installed_languages)
        # A URL's fetch has the time that is left, less its connect's and first read's
        # timeouts (its own deadline starts once the answer's headers are in).
        remaining = max(1.0, deadline - self._now() - 2 * urlsource.TIMEOUT_SECONDS)
        fetch = functools.partial(urlsource.fetch, deadline=remaining)
        try:
            document, kind = parse_read_body(body, content_type, settings.max_document_bytes, fetch)
        except UnsupportedMediaType:
            kind = None  # not a format DocSafe reads at all: answered as any other non-image
        check_image(kind)
        if self._now() >= deadline:  # the fetch took it all: nothing is submitted
            raise self._too_slow()
        request = AnalyzeRequest(document, kind, spec)
        job = self._operations.submit(tenant, READ_MODEL, request, retention_seconds=RETENTION_SECONDS)
        try:
            result = self._answer(tenant, job.operation_id, deadline)
        except DocSafeError as error:
            error.receipt = self._purge_on_error(tenant, job.operation_id)
            raise
        except Exception:
            self._purge_on_error(tenant, job.operation_id)
            raise
        # No answer while the job may still be kept: a purge that fails here fails the request.
        return result, self._operations.discard(tenant, job.operation_id)

    def _answer(self, tenant: str, operation_id: str, deadline: float) -> dict[str, Any]:
        status = self._wait(tenant, operation_id, deadline)
        if not status.finished:
            logger.info("image not read in time", operation_id=operation_id)
            raise self._too_slow()
        snapshot = self._operations.snapshot(tenant, operation_id, contract=Contract.IMAGE_ANALYSIS)
        if snapshot.analyze_result is None:
            failure = snapshot.job.error
            if failure is None or failure.code == "InternalServerError":
                raise DocSafeError("An unexpected error occurred.")
            raise ReadFailed(failure.message, inner_code=failure.inner_code or failure.code)
        return image_analysis.analysis_result(snapshot.analyze_result.parsed())

    def _too_slow(self) -> InvalidRequest:
        return InvalidRequest(
            f"The image was not read within {self._settings.sync_read_seconds} seconds, the most one "
            "request can wait. Read it through the asynchronous Read API: POST "
            "/vision/v3.2/read/analyze, then poll its Operation-Location.",
            inner_code="Timeout",
        )

    def _purge_on_error(self, tenant: str, operation_id: str) -> Receipt | None:
        """The job gone now; on the way out of an error, a purge that fails leaves the job to
        the scheduled purge (it expires in a minute) rather than hide the error."""
        try:
            return self._operations.discard(tenant, operation_id)
        except Exception:
            logger.exception("image analysis job not purged", operation_id=operation_id)
            return None

    def _wait(self, tenant: str, operation_id: str, deadline: float) -> Status:
        while True:
            job = self._jobs.visible(tenant, operation_id)
            status = job.status if job is not None else Status.FAILED
            if status.finished or self._now() >= deadline:
                return status
            self._sleep(POLL_SECONDS)
