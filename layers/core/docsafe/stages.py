"""What every workflow stage shares, and the catch-all stage: the job a stage is handed,
how what it raises is reported to Step Functions, and recording a failure on the job.

Light on purpose: MarkFailed and the build stage load no image, PDF or OCR library.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from docsafe.failures import JobFailure, JobGone, TransientError, job_error_for
from docsafe.jobs import JobStore, TransitionRejected

logger = Logger(service="docsafe", child=True)

_THROTTLING = {
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "KMSInternalException",
}


@dataclass(frozen=True)
class JobRef:
    """What a stage receives from the state machine."""

    tenant: str
    operation_id: str

    @classmethod
    def from_event(cls, event: dict[str, Any]) -> JobRef:
        return cls(tenant=str(event["tenant"]), operation_id=str(event["operationId"]))

    def to_event(self) -> dict[str, Any]:
        return {"tenant": self.tenant, "operationId": self.operation_id}


class StageFailed(Exception):
    """An unexpected error in a stage, reported by class name only.

    Step Functions keeps a failed task's message in its history for 90 days, so an
    exception whose text might quote the document (a decode error, a parser's complaint)
    leaves the stage as this, with only the original type's name.
    """


RECORDED = "The job's error is in its record."


class HasJobs(Protocol):
    """What a stage is built from (the composition root), as far as failures need it."""

    @property
    def jobs(self) -> JobStore: ...


@contextmanager
def stage_errors(
    stage: str, ref: JobRef | None = None, services: Callable[[], HasJobs] | None = None
) -> Iterator[None]:
    """Classify what a stage raises: retryable, a document failure, or a crash.

    A document failure's message may name what the tenant sent (a file or field of its
    training folder): it goes into the job's record, which the tenant reads and which
    expires with the job, and the stage fails with a fixed text, for Step Functions keeps
    a failed task's message in its history for 90 days. The services are asked for only
    inside, so a failure to build them is classified too."""
    if ref is not None:
        if services is None:
            raise TypeError("a stage handed a job records its failures: pass the services")
        log_context(ref.tenant, ref.operation_id)
    try:
        yield
    except JobFailure as failure:
        if ref is not None and services is not None:
            record_failure(services().jobs, ref, failure)
            raise type(failure)(RECORDED) from None
        raise
    except (JobGone, TransientError):
        raise
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _THROTTLING:
            raise TransientError(code) from None
        logger.error("stage failed", stage=stage, error_type="ClientError", aws_error=code)
        raise StageFailed(f"AWS error {code} in {stage}") from None
    except BotoConnectionError as exc:
        raise TransientError(type(exc).__name__) from None
    except Exception as exc:
        logger.error(
            "stage failed",
            stage=stage,
            error_type=type(exc).__name__,
            # File and line of each frame, never the exception's text.
            frames=traceback.format_tb(exc.__traceback__, limit=-8),
        )
        raise StageFailed(f"{type(exc).__name__} in {stage}") from None


def log_context(tenant: str, operation_id: str) -> None:
    """Every line this invocation logs names the job, once: its tenant and operation, and
    the operation id as the correlation id (an analysis's is API Gateway's request id, so
    the request, the intake and each stage of it share one)."""
    # Thread-safe keys: the same in Lambda (the handler's clear_state clears them), and
    # local mode's concurrent invocations keep theirs apart.
    logger.thread_safe_append_keys(correlation_id=operation_id, tenant=tenant, operation_id=operation_id)


def record_failure(jobs: JobStore, ref: JobRef, failure: JobFailure) -> None:
    """Fail the job with the failure's own error (a job already ended keeps its state)."""
    job = jobs.get(ref.tenant, ref.operation_id)
    if job is None:
        return
    with suppress(TransitionRejected):
        jobs.fail(job, failure.job_error())


def mark_failed(jobs: JobStore, ref: JobRef, error_type: str, cause: str | None) -> None:
    """Record why the job failed (the catch-all stage); a job that is gone stays gone."""
    job = jobs.get(ref.tenant, ref.operation_id)
    if job is None:
        return
    error = job_error_for(error_type, cause)
    try:
        jobs.fail(job, error)
    except TransitionRejected:
        return
    logger.info(
        "analysis failed",
        operation_id=ref.operation_id,
        error_type=error_type,
        code=error.inner_code or error.code,
    )
