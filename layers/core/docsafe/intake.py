"""Analyze requests as API Gateway hands them over: the body put into S3 as it was sent.

API Gateway's REST API writes the body of `POST …/documentModels/{modelId}:analyze` to
`intake/{tenant}/{requestId}` itself (an S3 integration: no function and no 6 MB Lambda
payload on the way, so bodies up to API Gateway's 10 MB work) and answers 202 with the
request id as the operation id. The intake function then does what a submit would: it
checks the request, seals the document into a job and starts the workflow, and removes
the intake object. Until then the operation is `notStarted`.

The tenant comes from the authorizer (part of the key), the request id from API Gateway:
neither can be chosen by a client. The request's path and options travel as the object's
metadata (template.yaml, the S3 integration's request parameters).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from docsafe.limits import API_GATEWAY_BODY_BYTES
from docsafe.specs import Contract

INTAKE_PREFIX = "intake/"
# Lambda gives up an event for the intake function after this long (template.yaml's
# MaximumEventAgeInSeconds): a request still waiting then is reported failed ...
INTAKE_ATTEMPTS_SECONDS = 900
# ... and the purge deletes it after this long.
INTAKE_SECONDS = 3600
# What each API's S3 integration passes as object metadata (x-amz-meta-…), by query
# parameter (S3 keeps metadata names in lower case).
QUERY_METADATA = {
    Contract.DOCUMENT_INTELLIGENCE: {
        "api-version": "api-version",
        "pages": "pages",
        "locale": "locale",
        "features": "features",
        "outputContentFormat": "output-content-format",
        "output": "output",
        "stringIndexType": "string-index-type",
        "queryFields": "query-fields",
    },
    Contract.FORM_RECOGNIZER: {
        "api-version": "api-version",
        "pages": "pages",
        "locale": "locale",
        "features": "features",
        "stringIndexType": "string-index-type",
        "queryFields": "query-fields",
    },
    Contract.VISION_READ: {
        "language": "language",
        "pages": "pages",
        "readingOrder": "reading-order",
        "model-version": "model-version",  # as the client sends it
        "modelVersion": "spec-model-version",  # as the spec names it
    },
}
MODEL_METADATA = "model"  # the path's last part: {modelId}:analyze
# The API a request came in through; Document Intelligence's integration sets none.
CONTRACT_METADATA = "contract"
# The request's x-docsafe-callback-url header, on every API's analyze (docsafe.callbacks).
CALLBACK_METADATA = "callback-url"
ANALYZE_ACTION = ":analyze"
BATCH_ACTION = ":analyzeBatch"  # Document Intelligence's alone
_KEY = re.compile(r"^intake/([a-z0-9][a-z0-9-]{0,62})/([0-9a-f-]{36})$")


class Withdrawn(Exception):
    """The client deleted the request while it was being submitted."""


def intake_key(tenant: str, request_id: str) -> str:
    return f"{INTAKE_PREFIX}{tenant}/{request_id}"


@dataclass(frozen=True)
class IntakeRequest:
    """One analyze request as it arrived."""

    tenant: str
    operation_id: str
    contract: Contract
    path_part: str  # {modelId}:analyze, as sent (Document Intelligence)
    query: dict[str, str]
    content_type: str | None
    body: bytes
    etag: str
    callback_url: str | None = None

    @property
    def model_id(self) -> str | None:
        """The model an analyze request names; None for any other action."""
        return _model_of(self.path_part)

    @property
    def batch_model_id(self) -> str | None:
        """The model an analyzeBatch request names; None for any other action."""
        return _batch_model_of(self.path_part, self.contract)


@dataclass(frozen=True)
class Pending:
    """A request not yet taken in."""

    arrived_at: float
    model_id: str | None
    contract: Contract
    batch_model_id: str | None = None  # an analyzeBatch request's model


def _contract_of(metadata: dict[str, str]) -> Contract:
    return Contract(metadata.get(CONTRACT_METADATA, Contract.DOCUMENT_INTELLIGENCE))


def _batch_model_of(path_part: str, contract: Contract) -> str | None:
    if contract is not Contract.DOCUMENT_INTELLIGENCE or not path_part.endswith(BATCH_ACTION):
        return None
    return path_part[: -len(BATCH_ACTION)] or None


def _model_of(path_part: str) -> str | None:
    if not path_part.endswith(ANALYZE_ACTION):
        return None
    return path_part[: -len(ANALYZE_ACTION)] or None


class Intake:
    """The intake folder of the documents bucket."""

    def __init__(self, s3: Any, bucket: str):
        self._s3 = s3
        self._bucket = bucket

    @staticmethod
    def parse_key(key: str) -> tuple[str, str] | None:
        """(tenant, operation id) of an intake object's key; None for any other key."""
        match = _KEY.match(key)
        return (match.group(1), match.group(2)) if match else None

    def pending(self, tenant: str, operation_id: str) -> Pending | None:
        """The request while it waits for the intake function; else None."""
        key = intake_key(tenant, operation_id)
        head = _unless_missing(lambda: self._s3.head_object(Bucket=self._bucket, Key=key))
        if head is None:
            return None
        metadata = {name.lower(): value for name, value in head.get("Metadata", {}).items()}
        contract = _contract_of(metadata)
        return Pending(
            head["LastModified"].timestamp(),
            _model_of(metadata.get(MODEL_METADATA, "")),
            contract,
            _batch_model_of(metadata.get(MODEL_METADATA, ""), contract),
        )

    def take(self, tenant: str, operation_id: str) -> IntakeRequest | None:
        """The request, or None when it is gone (deleted by the client, or taken before)."""
        key = intake_key(tenant, operation_id)
        answer = _unless_missing(lambda: self._s3.get_object(Bucket=self._bucket, Key=key))
        if answer is None:
            return None
        metadata = {name.lower(): value for name, value in answer.get("Metadata", {}).items()}
        # API Gateway refuses more (413): one byte past it tells an object it did not write.
        body = answer["Body"].read(API_GATEWAY_BODY_BYTES + 1)
        contract = _contract_of(metadata)
        return IntakeRequest(
            tenant=tenant,
            operation_id=operation_id,
            contract=contract,
            path_part=metadata.get(MODEL_METADATA, ""),
            query={
                name: metadata[meta] for name, meta in QUERY_METADATA[contract].items() if metadata.get(meta)
            },
            content_type=answer.get("ContentType"),
            body=body,
            etag=answer["ETag"],
            callback_url=metadata.get(CALLBACK_METADATA) or None,
        )

    def remove(self, tenant: str, operation_id: str) -> str:
        """Delete the request's object (there or not); returns it as `bucket/key`."""
        key = intake_key(tenant, operation_id)
        self._s3.delete_object(Bucket=self._bucket, Key=key)
        return f"{self._bucket}/{key}"

    def still_there(self, request: IntakeRequest) -> bool:
        """Whether the client has not deleted the request meanwhile."""
        return self.pending(request.tenant, request.operation_id) is not None


def _unless_missing(call: Callable[[], dict[str, Any]]) -> dict[str, Any] | None:
    """S3's answer, or None where the object is not there."""
    try:
        return call()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
