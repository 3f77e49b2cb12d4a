"""HTTP glue shared by the API functions: the resolver with our error mapping, the
caller's tenant, the request body and the response shapes of the wire contract."""

from __future__ import annotations

import base64
import functools
import json
import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from docsafe.analysis import RawJson, Snapshot
from docsafe.contract import image_analysis, vision_read
from docsafe.contract.document_apis import DOCUMENT_APIS, DocumentApi, document_api
from docsafe.contract.errors import (
    Conflict,
    DocSafeError,
    InvalidArgument,
    NotFound,
    ResponseTooLarge,
    Unauthorized,
)
from docsafe.contract.textract_blocks import result_to_blocks
from docsafe.jobs import Job, Status, iso
from docsafe.limits import LAMBDA_PAYLOAD_BYTES
from docsafe.retention import Receipt

logger = Logger(service="docsafe", child=True)

JSON = "application/json"
VISION_READ_PATHS = "/vision/v3.2/"
IMAGE_ANALYSIS_PATHS = "/computervision/"


def create_app() -> APIGatewayRestResolver:
    """A resolver whose every error leaves in the Azure error shape."""
    app = APIGatewayRestResolver()
    app.use(middlewares=[_checked])

    @app.exception_handler(DocSafeError)
    def domain_error(error: DocSafeError) -> Response:
        logger.info("request refused", status=error.status, code=error.inner_code or error.code)
        return error_response(error, app.current_event.path)

    @app.not_found
    def not_found(_: Exception) -> Response:
        return error_response(NotFound("Resource not found.", inner_code="NotFound"), app.current_event.path)

    @app.exception_handler(Exception)
    def unexpected(_: Exception) -> Response:
        # The traceback goes to the log (it holds ids, never content); the client gets a
        # fixed text.
        logger.exception("unexpected error")
        return error_response(DocSafeError("An unexpected error occurred."), app.current_event.path)

    return app


# The routes served without the authorizer (template.yaml: Auth: Authorizer: NONE): pages
# that hold no data. Every other route needs a tenant.
PUBLIC_PATHS = frozenset({"/viewer", "/openapi.json"})


def _checked(app: APIGatewayRestResolver, next_middleware: NextMiddleware) -> Response:
    """What every route asks of a request, once: a tenant (401 without one), counted
    against its allowance (work it starts, POST, apart from reads and deletes), and on the
    document-analysis routes an api-version of their API. The route reads the tenant with
    `tenant(app)`."""
    event = app.current_event
    if event.path in PUBLIC_PATHS:
        return next_middleware(app)
    tenant = _authorized_tenant(app)
    if tenant:
        from docsafe.ratelimit import Kind
        from docsafe.runtime import services

        services().rate_limiter.admit(tenant, Kind.SUBMIT if event.http_method == "POST" else Kind.READ)
    if not _matched(app):
        return next_middleware(app)  # no route of ours: the 404, whatever the request lacks
    if not tenant:
        raise Unauthorized()
    if (through := document_api(event.path)) is not None:
        through.version_of(query(app))
    app.append_context(tenant=tenant)
    return next_middleware(app)


def _matched(app: APIGatewayRestResolver) -> bool:
    """Whether one of the app's routes took the request: powertools runs the middlewares
    for its not-found answer too (its registered routes are not public API; pinned)."""
    route = app.context.get("_route")
    return any(route is own for own in (*app._static_routes, *app._dynamic_routes))


def within_lambda_payload(handler: Callable[[dict, Any], dict]) -> Callable[[dict, Any], dict]:
    """Answer a response too large for Lambda's 6 MB with an error in the API's shape.

    Lambda would refuse to return it, and API Gateway would answer its own 500 on every
    poll; a client that asks for gzip (the official clients do) gets results ~10 times
    larger through the same limit."""

    @functools.wraps(handler)
    def guarded(event: dict, context: Any) -> dict:
        response = handler(event, context)
        size = len(json.dumps(response))
        if size <= LAMBDA_PAYLOAD_BYTES:
            return response
        logger.info("response too large", size_bytes=size)
        error = ResponseTooLarge(
            f"The response is {size / 1e6:.1f} MB, more than one response can carry "
            f"({LAMBDA_PAYLOAD_BYTES / 1e6:.1f} MB, AWS Lambda's limit). Send Accept-Encoding: gzip, or "
            "read the result in parts: GET /v1/operations/{id}/result with Range: bytes=0-, then from "
            "where each part ends (Content-Range).",
        )
        return {
            "statusCode": error.status,
            "headers": {"Content-Type": JSON},
            "body": json.dumps(error_body(error, str(event.get("path") or ""))),
            "isBase64Encoded": False,
        }

    return guarded


def partial_response(data: bytes, first: int, total: int) -> Response:
    """206 with one part of a larger body; not compressed, so that the range means the
    bytes of the JSON text itself. A part is at most 4 MB: base64 in Lambda's 6 MB."""
    return Response(
        status_code=206,
        # A range of the JSON text is no JSON document of its own.
        content_type="application/octet-stream",
        body=data,  # bytes: a part may end inside a character (it goes out base64-encoded)
        headers={
            "Content-Range": f"bytes {first}-{first + len(data) - 1}/{total}",
            "Accept-Ranges": "bytes",
        },
        compress=False,
    )


def error_response(error: DocSafeError, path: str = "") -> Response:
    headers = {**error.headers(), **(receipt_headers(error.receipt) if error.receipt is not None else {})}
    return Response(
        status_code=error.status,
        content_type=JSON,
        body=json.dumps(error_body(error, path)),
        headers=headers or None,
    )


def error_body(error: DocSafeError, path: str) -> dict[str, Any]:
    """The error in the shape of the API the request's path belongs to."""
    if path.startswith(VISION_READ_PATHS):
        return vision_read.read_error(error)
    if path.startswith(IMAGE_ANALYSIS_PATHS):
        return image_analysis.error_body(error)
    return error.to_body()


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type=JSON, body=dumps(body), headers=headers)


def dumps(body: Any) -> str:
    """`json.dumps`, with RawJson (the body itself, or a value of its top level) written as it is."""
    if isinstance(body, RawJson):
        return body.text
    if not isinstance(body, dict) or not any(isinstance(v, RawJson) for v in body.values()):
        return json.dumps(body)
    plain = json.dumps({k: v for k, v in body.items() if not isinstance(v, RawJson)})[1:-1]
    items = [plain] if plain else []
    items += [f"{json.dumps(k)}: {v.text}" for k, v in body.items() if isinstance(v, RawJson)]
    return "{" + ", ".join(items) + "}"


def tenant(app: APIGatewayRestResolver) -> str:
    """The tenant the authorizer found for this request's key (checked by `_checked`)."""
    return str(app.context["tenant"])


def _authorized_tenant(app: APIGatewayRestResolver) -> str | None:
    authorizer = app.current_event.raw_event.get("requestContext", {}).get("authorizer") or {}
    tenant = authorizer.get("tenant")
    return str(tenant) if tenant else None


def query(app: APIGatewayRestResolver) -> dict[str, str]:
    return dict(app.current_event.query_string_parameters or {})


def body_bytes(app: APIGatewayRestResolver) -> bytes:
    event = app.current_event.raw_event
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode() if isinstance(body, str) else bytes(body)


def header(app: APIGatewayRestResolver, name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in (app.current_event.headers or {}).items() if k.lower() == wanted), None)


def base_url(app: APIGatewayRestResolver) -> str:
    """The URL the client called us on, up to the API's own paths (absolute
    Operation-Location needs it): the stage on the execute-api endpoint, nothing more on a
    custom domain."""
    context = app.current_event.raw_event.get("requestContext", {})
    host = header(app, "host") or context.get("domainName")
    scheme = header(app, "x-forwarded-proto") or "https"
    called, routed = context.get("path") or "", app.current_event.path
    prefix = called[: len(called) - len(routed)] if routed and called.endswith(routed) else ""
    return f"{scheme}://{host}{prefix}"


def on_document_apis(route: Callable[..., Any], path: str, **options: Any) -> Callable[[Any], Any]:
    """Register a handler at `path` under each document-analysis API's prefix:
    `@on_document_apis(app.get, "/documentModels/<model_id>")`."""

    def register(handler: Any) -> Any:
        for through in DOCUMENT_APIS:
            route(f"{through.prefix}{path}", **options)(handler)
        return handler

    return register


def document_api_of(app: APIGatewayRestResolver) -> DocumentApi:
    """The document-analysis API (Document Intelligence or Form Recognizer) whose route was
    called; its api-version was checked by `_checked`."""
    through = document_api(app.current_event.path)
    if through is None:
        raise NotFound("Resource not found.", inner_code="NotFound")
    return through


def request_time(app: APIGatewayRestResolver) -> float:
    """When API Gateway received the request (epoch seconds): its 29 seconds run from then,
    a cold start among them."""
    epoch_ms = app.current_event.raw_event.get("requestContext", {}).get("requestTimeEpoch")
    return epoch_ms / 1000 if isinstance(epoch_ms, int | float) else time.time()


def api_version(app: APIGatewayRestResolver) -> str:
    return document_api_of(app).version_of(query(app))


def status_body(snapshot: Snapshot, through: DocumentApi, version: str) -> dict[str, Any]:
    """The AnalyzeOperation resource (AnalyzeResultOperation in Form Recognizer), its
    result in the shape of `through` at `version`."""
    job = snapshot.job
    body: dict[str, Any] = {
        "status": job.status.value,
        "createdDateTime": job.created_iso,
        "lastUpdatedDateTime": job.updated_iso,
    }
    if job.status is Status.FAILED and job.error is not None:
        body["error"] = job.error.to_wire()
    if snapshot.analyze_result is not None:
        body["analyzeResult"] = RawJson(through.analyze_result(snapshot.analyze_result.text, version))
    return body


def read_operation_body(snapshot: Snapshot) -> dict[str, Any]:
    """Vision Read v3.2's ReadOperationResult."""
    result = snapshot.analyze_result
    return vision_read.operation_body(snapshot.job, result.parsed() if result is not None else None)


def operation_body(job: Job) -> dict[str, Any]:
    """The native /v1 operation resource: the state only, never the result."""
    body: dict[str, Any] = {
        "operationId": job.operation_id,
        "modelId": job.model_id,
        "status": job.status.value,
        "createdDateTime": job.created_iso,
        "lastUpdatedDateTime": job.updated_iso,
        "expirationDateTime": iso(job.expires_at),
    }
    if job.page_count:
        # Progress of a long document: pages read so far out of those selected.
        body["pageCount"] = job.page_count
        body["pagesRead"] = (
            job.page_count if job.status is Status.SUCCEEDED else min(job.pages_read, job.page_count)
        )
    if job.status is Status.FAILED and job.error is not None:
        body["error"] = job.error.to_wire()
    if job.status is Status.SUCCEEDED:
        body["resultPath"] = f"/v1/operations/{job.operation_id}/result"
    return body


RESULT_FORMATS = ("analyzeResult", "textract")


def result_format(params: dict[str, str]) -> str:
    """`format` of the native result: the analyzeResult, or Amazon Textract's Blocks."""
    chosen = params.get("format", RESULT_FORMATS[0])
    if chosen not in RESULT_FORMATS:
        raise InvalidArgument(f"format must be one of: {', '.join(RESULT_FORMATS)}.", target="format")
    return chosen


def result_body(snapshot: Snapshot, result_format: str = RESULT_FORMATS[0]) -> dict[str, Any] | RawJson:
    """The analyzeResult alone (or as Textract Blocks); 409 while the operation has none."""
    if snapshot.analyze_result is None:
        raise Conflict(
            f"The operation has no result: its status is {snapshot.job.status.value}.",
            inner_code="OperationNotComplete",
        )
    if result_format == "textract":
        return result_to_blocks(snapshot.analyze_result.parsed())
    return snapshot.analyze_result


def receipt_headers(receipt: Receipt) -> dict[str, str]:
    return {"x-docsafe-receipt": json.dumps(receipt.to_wire(), separators=(",", ":"))}


def poll_headers(snapshot: Snapshot, seconds: int) -> dict[str, str]:
    return retry_after(snapshot.job.status.finished, seconds)


def operation_response(body: dict[str, Any], poll_after_seconds: int) -> Response:
    """An operation resource (a build's, a batch's), with Retry-After while it runs."""
    finished = body["status"] in ("succeeded", "failed")
    return json_response(body, headers=retry_after(finished, poll_after_seconds))


def retry_after(finished: bool, seconds: int) -> dict[str, str]:
    """Retry-After only while the job runs (never on errors: the client retries those)."""
    return {} if finished else {"Retry-After": str(seconds)}
