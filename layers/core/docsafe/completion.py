"""Completion events: every job that ends — succeeded, failed, deleted by its tenant,
expired — is put on the stack's EventBridge bus, so that a team's next step starts from a
rule instead of polling (polls count against the read allowance).

An event says which job it is and how it ended, never what it read: the operation id,
tenant, model, kind (analysis or model build), status, page count, error code, times.
Publishing is best effort: a job's end is recorded first and never waits on, or fails
with, its event (a lost event is logged by its operation id and AWS's error code). A job
whose request named a callback URL has the same detail queued for it (docsafe.callbacks).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import BotoCoreError, ClientError

from docsafe.callbacks import Callback, CallbackQueue

logger = Logger(service="docsafe", child=True)

SOURCE = "docsafe"
DETAIL_TYPE = "DocSafe job ended"
ENDINGS = ("succeeded", "failed", "deleted", "expired")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class CompletionEvents:
    """Puts a job's end on the bus `bus` (none: the stack has no bus; nothing is put)."""

    def __init__(
        self,
        client: Callable[[], Any],
        bus: str | None,
        now: Callable[[], float],
        callbacks: CallbackQueue | None = None,
    ):
        self._client = client
        self._bus = bus
        self._now = now
        # A job's request may name a URL the end is POSTed to (docsafe.callbacks).
        self._callbacks = callbacks

    def job_ended(self, job: Any, status: Any, error_code: str | None) -> None:
        """What the job store calls as it ends a job (`status` a jobs.Status)."""
        self.ended(job, status.value, error_code)

    def ended(self, job: Any, status: str, error_code: str | None = None) -> None:
        """`job` (a jobs.Job) ended with `status` (one of ENDINGS)."""
        if job.is_batch and status == "succeeded":
            # A batch's record succeeds once its documents are submitted: each document's
            # analysis puts its own end (its `batchId` says whose it is).
            return
        callback_url = _callback_url(job)
        if not self._bus and not (callback_url and self._callbacks):
            return
        detail: dict[str, Any] = {
            "operationId": job.operation_id,
            "tenant": job.tenant,
            "modelId": job.model_id,
            "kind": _kind(job),
            "status": status,
            "pageCount": job.page_count,
            "createdDateTime": job.created_iso,
            "endedDateTime": _iso(self._now()),
        }
        if error_code:
            detail["errorCode"] = error_code
        if job.is_analysis and (batch := job.analysis().batch):
            detail["batchId"] = batch
        if self._bus:
            self._put_event(job, detail)
        if callback_url and self._callbacks is not None:
            try:
                self._callbacks.put(Callback(callback_url, job.tenant, detail))
            except (ClientError, BotoCoreError) as exc:
                code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else type(exc).__name__
                logger.warning("callback not queued", operation_id=job.operation_id, aws_error=code)

    def _put_event(self, job: Any, detail: dict[str, Any]) -> None:
        entry = {
            "Source": SOURCE,
            "DetailType": DETAIL_TYPE,
            "Detail": _json(detail),
            "EventBusName": self._bus,
            "Resources": [],
        }
        try:
            answer = self._client().put_events(Entries=[entry])
        except (ClientError, BotoCoreError) as exc:
            code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else type(exc).__name__
            logger.warning("completion event not published", operation_id=job.operation_id, aws_error=code)
            return
        if answer.get("FailedEntryCount"):
            code = (answer.get("Entries") or [{}])[0].get("ErrorCode", "unknown")
            logger.warning("completion event not published", operation_id=job.operation_id, aws_error=code)


def _callback_url(job: Any) -> str | None:
    """The URL the job's request named for its end, if any (a build names none)."""
    if job.is_build:
        return None
    spec = job.batch().analysis if job.is_batch else job.analysis()
    return spec.callback_url  # type: ignore[no-any-return]


def _kind(job: Any) -> str:
    if job.is_build:
        return "modelBuild"
    return "analyzeBatch" if job.is_batch else "analysis"


def _json(detail: dict[str, Any]) -> str:
    import json

    return json.dumps(detail, separators=(",", ":"))
