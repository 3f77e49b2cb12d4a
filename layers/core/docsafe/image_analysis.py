"""Image Analysis 4.0's READ: an image read while its request waits.

The request goes through the same pipeline as every analysis (sealed input, the reading
policy's stages, sealed result), and the job is purged as soon as the answer is made:
a synchronous API keeps nothing. API Gateway answers within 29 seconds; an image not read
in `sync_read_seconds` is answered with an error that names the asynchronous Read API,
and its job is purged as well.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools import Logger

from docsafe import urlsource
from docsafe.analysis import READ_MODEL, Operations
from docsafe.contract import image_analysis
from docsafe.contract.errors import DocSafeError, InvalidRequest, UnsupportedMediaType
from docsafe.contract.requests import AnalyzeRequest
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


class ImageAnalysis:
    def __init__(
        self,
        *,
        operations: Operations,
        jobs: JobStore,
        settings: Settings,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._operations = operations
        self._jobs = jobs
        self._settings = settings
        self._now = now
        self._sleep = sleep

    def read(
        self, tenant: str, query: Mapping[str, str], content_type: str | None, body: bytes
    ) -> tuple[dict[str, Any], Receipt]:
        """The ImageAnalysisResult of the image in the request, and the receipt of its purge."""
        deadline = self._now() + self._settings.sync_read_seconds
        settings = self._settings
        spec = image_analysis.parse_options(query, settings.ocr_engine, settings.installed_languages)
        try:
            document, kind = parse_read_body(body, content_type, settings.max_document_bytes, urlsource.fetch)
        except UnsupportedMediaType:
            kind = None  # not a format DocSafe reads at all: answered as any other non-image
        image_analysis.check_image(kind)
        job = self._operations.submit(tenant, READ_MODEL, AnalyzeRequest(document, kind, spec))
        operation_id = job.operation_id
        try:
            status = self._wait(tenant, operation_id, deadline)
            if not status.finished:
                logger.info("image not read in time", operation_id=operation_id)
                raise InvalidRequest(
                    f"The image was not read within {settings.sync_read_seconds} seconds, the most one "
                    "request can wait. Read it through the asynchronous Read API: POST "
                    "/vision/v3.2/read/analyze, then poll its Operation-Location.",
                    inner_code="Timeout",
                )
            snapshot = self._operations.snapshot(tenant, operation_id, contract=Contract.IMAGE_ANALYSIS)
            if snapshot.analyze_result is None:
                failure = snapshot.job.error
                if failure is None or failure.code == "InternalServerError":
                    raise DocSafeError("An unexpected error occurred.")
                raise ReadFailed(failure.message, inner_code=failure.inner_code or failure.code)
            result = image_analysis.analysis_result(snapshot.analyze_result.parsed())
        finally:
            receipt = self._operations.delete(tenant, operation_id, contract=Contract.IMAGE_ANALYSIS)
        return result, receipt

    def _wait(self, tenant: str, operation_id: str, deadline: float) -> Status:
        while True:
            job = self._jobs.visible(tenant, operation_id)
            status = job.status if job is not None else Status.FAILED
            if status.finished or self._now() >= deadline:
                return status
            self._sleep(POLL_SECONDS)
