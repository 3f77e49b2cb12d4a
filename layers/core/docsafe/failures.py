"""Why a job failed, as the pipeline raises it and as the client reads it.

A stage raises one of these; its class name travels through Step Functions as the Lambda
error type (Catch and Retry match on it) and MarkFailed turns it back into the error the
client sees. Messages are fixed texts of ours: never document content.
"""

from __future__ import annotations

import json

from docsafe.jobs import JobError


class JobFailure(Exception):
    """The document, not the service, is at fault: the job fails with this error."""

    code = "InvalidRequest"
    inner_code: str | None = None

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def job_error(self) -> JobError:
        return JobError(self.code, self.message, self.inner_code)


class InvalidContent(JobFailure):
    inner_code = "InvalidContent"


class InvalidContentDimensions(JobFailure):
    inner_code = "InvalidContentDimensions"


class PasswordProtected(JobFailure):
    inner_code = "PasswordProtected"


class PageTimeout(JobFailure):
    code = "Timeout"
    inner_code = "PageTimeout"


class InvalidPages(JobFailure):
    code = "InvalidArgument"
    inner_code = "InvalidParameter"


class TooManyPages(JobFailure):
    inner_code = "TooManyPages"


class TrainingDataInvalid(JobFailure):
    """The training folder cannot train a model (the message says what is wrong)."""

    inner_code = "TrainingContentMissing"


class TrainingDataElsewhere(JobFailure):
    """The training source cannot be read: not allowed for the tenant, another account or
    region, no such bucket, no access. One text for all (no existence oracle)."""

    code = "Forbidden"
    inner_code = "AuthorizationFailed"

    def __init__(self, message: str = "") -> None:
        super().__init__(TRAINING_SOURCE_REFUSED)


BATCH_SOURCE_REFUSED = (
    "The batch's source is not accessible: a batch reads only a bucket and folder that "
    "DocSafe's operator allowed for your key, in the stack's account and region."
)
TRAINING_SOURCE_REFUSED = (
    "The training source is not accessible: a build reads only a bucket and folder that "
    "DocSafe's operator allowed for your key, in the stack's account and region."
)


class ModelGone(JobFailure):
    """The custom model was deleted after the analysis was submitted."""

    code = "NotFound"
    inner_code = "ModelNotFound"


class JobGone(Exception):
    """The job was deleted or expired while it ran: stop and write nothing more."""


class TransientError(Exception):
    """A dependency was briefly unavailable (throttling, a dropped connection): retry."""


_BY_NAME: dict[str, type[JobFailure]] = {
    cls.__name__: cls
    for cls in (
        TrainingDataInvalid,
        TrainingDataElsewhere,
        ModelGone,
        InvalidContent,
        InvalidContentDimensions,
        InvalidPages,
        TooManyPages,
        PasswordProtected,
        PageTimeout,
    )
}

# Texts for the failures a stage raises with no message of its own to show the client.
_GENERIC = JobError("InternalServerError", "An unexpected error occurred while analyzing the document.")
_TIMEOUT = JobError("Timeout", "Analyzing the document took too long.", "Timeout")


def job_error_for(error_type: str, cause: str | None) -> JobError:
    """The client-facing error for a Step Functions failure (`Error`, `Cause`).

    Only our own failure classes keep their message; anything else (a crash, a timeout)
    gets a fixed text so that no exception detail reaches the client.
    """
    failure = _BY_NAME.get(error_type)
    if failure is not None:
        message = _message_from_cause(cause) or "The document could not be analyzed."
        return failure(message).job_error()
    if error_type in ("States.Timeout", "Sandbox.Timedout", "Lambda.Timeout"):
        return _TIMEOUT
    return _GENERIC


def _message_from_cause(cause: str | None) -> str | None:
    if not cause:
        return None
    try:
        parsed = json.loads(cause)
    except ValueError:
        return None
    message = parsed.get("errorMessage") if isinstance(parsed, dict) else None
    return str(message)[:500] if message else None
