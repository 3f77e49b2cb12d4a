"""Domain errors and their Azure Document Intelligence wire shape.

Every error a client can cause is one of these; the API maps them to
`{"error": {"code", "message", "innererror"?}}` in one place (docsafe.api).
Messages are ours alone: they never quote document content or keys.
"""

from __future__ import annotations

from typing import Any


class DocSafeError(Exception):
    status: int = 500
    code: str = "InternalServerError"
    inner_code: str | None = None

    def __init__(self, message: str, *, inner_code: str | None = None, target: str | None = None):
        super().__init__(message)
        self.message = message
        if inner_code is not None:
            self.inner_code = inner_code
        self.target = target
        # What was destroyed on the way to this answer (an Image Analysis job's purge), for
        # the response to carry (docsafe.retention.Receipt).
        self.receipt: Any = None

    def headers(self) -> dict[str, str]:
        return {}

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.target:
            error["target"] = self.target
        if self.inner_code:
            error["innererror"] = {"code": self.inner_code, "message": self.message}
        return {"error": error}


class InvalidRequest(DocSafeError):
    status = 400
    code = "InvalidRequest"


class InvalidArgument(DocSafeError):
    status = 400
    code = "InvalidArgument"


class Unauthorized(DocSafeError):
    status = 401
    code = "401"

    def __init__(self) -> None:
        super().__init__(
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
            "provide a valid key for an active subscription and use a correct regional API "
            "endpoint for your resource."
        )


class Forbidden(DocSafeError):
    status = 403
    code = "Forbidden"


class NotFound(DocSafeError):
    status = 404
    code = "NotFound"


class UnsupportedMediaType(DocSafeError):
    status = 415
    code = "UnsupportedMediaType"


class TooManyRequests(DocSafeError):
    """The only error that carries Retry-After (the Azure client retries any error with one)."""

    status = 429
    code = "429"

    def __init__(self, retry_after: int):
        super().__init__(f"Rate limit is exceeded. Try again in {retry_after} seconds.")
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class ResponseTooLarge(DocSafeError):
    """An answer larger than AWS Lambda can return (6 MB)."""

    status = 413
    code = "InvalidRequest"
    inner_code = "ResponseTooLarge"


class RangeNotSatisfiable(DocSafeError):
    status = 416
    code = "InvalidRequest"
    inner_code = "InvalidRange"


class Conflict(DocSafeError):
    status = 409
    code = "Conflict"


def operation_not_found() -> NotFound:
    # One message for unknown, foreign, deleted and expired ids: no existence oracle.
    return NotFound("Analyze operation not found.", inner_code="OperationNotFound")


def model_not_found(model_id: str) -> NotFound:
    return NotFound(f"Model '{model_id}' was not found.", inner_code="ModelNotFound")
