"""The whole service on one machine: moto as AWS, the real state machine, our handlers.

A moto server (its port printed, so the AWS CLI can look at what is stored) runs the
template's resources; Step Functions executes the real ASL and its Lambda tasks run our
handlers in-process; a small HTTP front end turns each request into the API Gateway
event the deployed API would send, authorizer first.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import secrets
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from docsafe.limits import API_GATEWAY_BODY_BYTES, API_GATEWAY_TIMEOUT_SECONDS, LAMBDA_PAYLOAD_BYTES

from docsafe_tools.local.events import authorizer_event, rest_api_event
from docsafe_tools.local.intake import accepted_answer
from docsafe_tools.local.stack import LocalStack, drain_queues, install_dispatcher, invoke, provision
from docsafe_tools.local.template import load_template, resource_pattern

LOCAL_PURGE_SECONDS = 5
STORED_IN_S3 = "(S3 integration)"  # a method API Gateway answers by putting the body into S3
_ROUTER_LOCK = threading.Lock()
# Settings that name the stack's own resources: always the local stack's.
_STACK_RESOURCES = {
    "DOCSAFE_JOBS_TABLE",
    "DOCSAFE_KEYS_TABLE",
    "DOCSAFE_AUDIT_TABLE",
    "DOCSAFE_LIMITS_TABLE",
    "DOCSAFE_UPLOADS_TABLE",
    "DOCSAFE_TENANTS_TABLE",
    "DOCSAFE_MODELS_TABLE",
    "DOCSAFE_DOCUMENTS_BUCKET",
    "DOCSAFE_RESULTS_BUCKET",
    "DOCSAFE_KMS_KEY_ID",
    "DOCSAFE_STATE_MACHINE_ARN",
    "AWS_ENDPOINT_URL",
    "AWS_REGION",
}
LOCAL_REGION = "us-east-1"


@dataclass(frozen=True)
class Resource:
    """A resource of the REST API: a path, and the function behind each of its methods
    (none for a resource that is only the parent of others)."""

    path: str
    methods: dict[str, str]
    public: frozenset[str] = frozenset()  # methods API Gateway runs without the authorizer

    @property
    def precedence(self) -> tuple[int, ...]:
        """API Gateway picks, part by part, a literal over a {parameter} over {greedy+}."""
        return tuple(0 if "+}" in part else 1 if part.startswith("{") else 2 for part in self.path.split("/"))


def resources_of(stack: LocalStack) -> list[Resource]:
    """The API's resources from template.yaml (the routes' parents too), most specific first."""
    methods: dict[str, dict[str, str]] = {}
    public: set[tuple[str, str]] = set()
    for spec in stack.functions.values():
        for route in spec.routes:
            parts = route.path.strip("/").split("/")
            for depth in range(1, len(parts)):
                methods.setdefault("/" + "/".join(parts[:depth]), {})
            methods.setdefault(route.path, {})[route.method] = spec.name
            if not route.authorized:
                public.add((route.path, route.method))
    for integration in stack.s3_integrations:
        parts = integration.path.strip("/").split("/")
        for depth in range(1, len(parts)):
            methods.setdefault("/" + "/".join(parts[:depth]), {})
        methods.setdefault(integration.path, {})[integration.method] = STORED_IN_S3
    found = [
        Resource(path, by_method, frozenset(m for p, m in public if p == path))
        for path, by_method in methods.items()
    ]
    return sorted(found, key=lambda r: r.precedence, reverse=True)


def parse_local_keys(spec: str | None) -> dict[str, str]:
    """`tenant=key,tenant2=key2` → {tenant: key}; without a spec one fresh key for `local`."""
    if not spec:
        from docsafe.auth import generate_key

        return {"local": generate_key()}
    keys: dict[str, str] = {}
    for pair in spec.split(","):
        tenant, separator, key = pair.strip().partition("=")
        if not separator or not tenant or not key:
            raise ValueError("DOCSAFE_LOCAL_KEYS is a list of tenant=key pairs, separated by commas")
        keys[tenant.strip()] = key.strip()
    return keys


class _FrontEndServer(ThreadingHTTPServer):
    # The default backlog of 5 resets connections under a burst of clients.
    request_queue_size = 256
    daemon_threads = True


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Let this process's threads share `arenas` glibc malloc arenas.

    Local mode runs every Lambda invocation, moto request and Step Functions Map
    iteration on a thread of its own; glibc gives threads up to 8 arenas per core, and
    memory freed in them is rarely handed back, so the process grew with a document's
    pages (measured: +455 MB peak on 300 pages, +90 MB with two arenas; see
    docs/benchmarks.md). In Lambda each invocation has its container: nothing to do.
    Returns whether the C library took the setting (musl and others have no arenas).
    """
    import ctypes
    import ctypes.util

    m_arena_max = -8  # from glibc's malloc.h
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(m_arena_max, arenas))
    except (OSError, AttributeError):
        return False


@dataclass
class LocalService:
    port: int = 8080
    aws_port: int = 4566
    keys: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    stack: LocalStack | None = None
    _moto: Any = None
    _http: _FrontEndServer | None = None
    _stopping: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._http.server_address[1] if self._http else self.port}"

    @property
    def aws_url(self) -> str:
        return f"http://{self.host}:{self.aws_port}"

    def start(self) -> LocalService:
        from moto.server import ThreadedMotoServer

        limit_malloc_arenas()
        # moto's access log would print every S3 key and DynamoDB call on the console.
        logging.getLogger("werkzeug").setLevel(logging.ERROR)

        for name, value in {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "POWERTOOLS_TRACE_DISABLED": "true",
            # The purge's metrics (EMF) would print on the console every few seconds;
            # POWERTOOLS_METRICS_DISABLED=false shows them.
            "POWERTOOLS_METRICS_DISABLED": "true",
        }.items():
            os.environ.setdefault(name, value)
        # moto's Step Functions engine calls Lambda on the moto server at MOTO_PORT.
        os.environ["MOTO_PORT"] = str(self.aws_port)
        self._moto = ThreadedMotoServer(ip_address=self.host, port=self.aws_port, verbose=False)
        self._moto.start()
        self._configure_moto()
        # All cores: as many pages in flight as the machine has (tesserocr releases the GIL).
        concurrency = os.environ.get("DOCSAFE_PAGE_CONCURRENCY") or str(os.cpu_count() or 2)
        self.stack = provision(
            os.environ["AWS_REGION"], endpoint_url=self.aws_url, parameters={"PageConcurrency": concurrency}
        )
        user_set = set(os.environ)
        for name, value in self.stack.environment.items():
            if name in _STACK_RESOURCES:
                os.environ[name] = value
            else:
                os.environ.setdefault(name, value)  # the user's tuning wins locally
        if "DOCSAFE_PURGE_INTERVAL_SECONDS" not in user_set:
            # Purge every few seconds, so a user can watch a job expire.
            retention = int(os.environ.get("DOCSAFE_RETENTION_SECONDS", "86400"))
            interval = min(LOCAL_PURGE_SECONDS, max(1, retention // 12))
            os.environ["DOCSAFE_PURGE_INTERVAL_SECONDS"] = str(interval)
        from docsafe import runtime

        runtime.reset()
        install_dispatcher(self.stack)
        api_keys = runtime.services().api_keys
        for tenant, key in self.keys.items():
            api_keys.create(tenant, key)
        self._http = _FrontEndServer((self.host, self.port), _front_end(self.stack))
        threading.Thread(target=self._http.serve_forever, name="docsafe-http", daemon=True).start()
        threading.Thread(target=self._run_schedules, name="docsafe-schedules", daemon=True).start()
        threading.Thread(target=self._run_queues, name="docsafe-queues", daemon=True).start()
        return self

    def _run_queues(self) -> None:
        """What Lambda's SQS event source mapping does in AWS: the callbacks sent."""
        assert self.stack is not None
        while not self._stopping.wait(0.5):
            try:
                drain_queues(self.stack)
            except Exception:
                logging.getLogger("docsafe_tools.local").exception("a queue's function failed")

    def _run_schedules(self) -> None:
        """What EventBridge does in AWS: run the scheduled functions (the purge)."""
        assert self.stack is not None
        interval = int(os.environ["DOCSAFE_PURGE_INTERVAL_SECONDS"])
        scheduled = [spec.name for spec in self.stack.functions.values() if spec.schedules]
        while not self._stopping.wait(interval):
            for name in scheduled:
                try:
                    invoke(self.stack, name, {"source": "aws.events", "detail-type": "Scheduled Event"})
                except Exception:
                    logging.getLogger("docsafe_tools.local").exception("scheduled %s failed", name)

    def _configure_moto(self) -> None:
        config = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}
        request = urllib.request.Request(
            f"{self.aws_url}/moto-api/config",
            data=json.dumps(config).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        self._stopping.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
        if self._moto is not None:
            self._moto.stop()


@contextmanager
def running(port: int = 0, aws_port: int = 0, keys: dict[str, str] | None = None) -> Iterator[LocalService]:
    """A started service (ports 0 pick free ones); stopped on exit."""
    service = LocalService(
        port=port, aws_port=aws_port or free_port(), keys=keys or {"local": secrets.token_urlsafe(16)}
    )
    service.start()
    try:
        yield service
    finally:
        service.stop()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class GatewayResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


# Gateway response types API Gateway answers with by itself, their default status and
# message, and what stands in for them when the API does not set them.
_GATEWAY_ERRORS = {
    "REQUEST_TOO_LARGE": (413, "Request Too Long", "DEFAULT_4XX"),
    # Not HTTP that can be read (a chunk size that is no number): the front end's answer.
    "BAD_REQUEST_BODY": (400, "The request body could not be read", "DEFAULT_4XX"),
    "MISSING_AUTHENTICATION_TOKEN": (403, "Missing Authentication Token", "DEFAULT_4XX"),
    "ACCESS_DENIED": (
        403,
        "User is not authorized to access this resource with an explicit deny",
        "DEFAULT_4XX",
    ),
    "AUTHORIZER_FAILURE": (500, "Internal server error", "DEFAULT_5XX"),
    # The Lambda service refused the call: the event over its 6 MB, or an answer over it.
    "INTEGRATION_FAILURE": (500, "Internal server error", "DEFAULT_5XX"),
    "BAD_GATEWAY": (502, "Internal server error", "DEFAULT_5XX"),
    "INTEGRATION_TIMEOUT": (504, "Endpoint request timed out", "DEFAULT_5XX"),
}


class Gateway:
    """What the REST API does with a request: pick the resource and method, ask the
    authorizer, call the function with a Lambda proxy event, turn its answer into an HTTP
    response, and answer by itself (the template's gateway responses) where AWS does."""

    def __init__(
        self,
        stack: LocalStack,
        scheme: str = "http",
        timeout_seconds: float = API_GATEWAY_TIMEOUT_SECONDS,
        events_at_once: bool = False,
    ):
        """`events_at_once`: the functions S3's events start have run when a request is
        answered (tests that look at the outcome at once); else they run as EventBridge
        runs them, a moment later."""
        self.stack = stack
        self.events_at_once = events_at_once
        self.timeout_seconds = timeout_seconds
        self.scheme = scheme  # what API Gateway reports in X-Forwarded-Proto
        self.resources = resources_of(stack)
        self.gateway_responses = load_template().gateway_responses()

    def answer(self, kind: str, request_id: str = "local") -> GatewayResponse:
        """API Gateway's own answer of a kind, shaped by the API's gateway responses."""
        status, message, fallback = _GATEWAY_ERRORS[kind]
        shape = self.gateway_responses.get(kind) or self.gateway_responses.get(fallback)
        if shape is None:
            return GatewayResponse(
                status, {"Content-Type": "application/json"}, json.dumps({"message": message}).encode()
            )
        body = shape.body.replace("$context.error.messageString", json.dumps(message))
        body = body.replace("$context.requestId", request_id)
        headers = {"Content-Type": "application/json", **shape.headers}
        return GatewayResponse(shape.status or status, headers, body.encode())

    def handle(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        headers: dict[str, str] | None = None,
        body: bytes = b"",
    ) -> GatewayResponse:
        if len(body) > API_GATEWAY_BODY_BYTES:
            return self.answer("REQUEST_TOO_LARGE")
        method = method.upper()
        found = next(((r, m) for r in self.resources if (m := resource_pattern(r.path).match(path))), None)
        function = found and (found[0].methods.get(method) or found[0].methods.get("ANY"))
        if not found or not function:
            return self.answer("MISSING_AUTHENTICATION_TOKEN")
        resource, matched = found
        headers = headers or {}
        host = next((v for k, v in headers.items() if k.lower() == "host"), "localhost")
        event = rest_api_event(
            method,
            path,
            resource=resource.path,
            path_parameters=matched.groupdict(),
            query=query,
            headers=headers,
            body=body,
            host=host,
            scheme=self.scheme,
        )
        request_id = event["requestContext"]["requestId"]
        if method not in resource.public:
            authorizing = authorizer_event(event, self.stack.region)
            try:
                decision = invoke(self.stack, self.stack.authorizer, authorizing)
            except Exception:
                logging.getLogger("docsafe_tools.local").exception("the authorizer failed")
                return self.answer("AUTHORIZER_FAILURE", request_id)
            if not _allows(decision, authorizing["methodArn"]):
                return self.answer("ACCESS_DENIED", request_id)
            event["requestContext"]["authorizer"] = {
                **(decision.get("context") or {}),
                "principalId": decision.get("principalId"),
            }
        if function == STORED_IN_S3:
            return self._store(resource, method, event, body)
        if len(json.dumps(event)) > LAMBDA_PAYLOAD_BYTES:
            return self.answer("INTEGRATION_FAILURE", request_id)
        response = self._invoke_in_time(function, event)
        if response is None:
            return self.answer("INTEGRATION_TIMEOUT", request_id)
        if len(json.dumps(response)) > LAMBDA_PAYLOAD_BYTES:
            return self.answer("BAD_GATEWAY", request_id)
        payload = response.get("body") or ""
        raw = base64.b64decode(payload) if response.get("isBase64Encoded") else payload.encode()
        answer_headers = dict(response.get("headers") or {})
        for name, values in (response.get("multiValueHeaders") or {}).items():
            answer_headers[name] = ", ".join(values)
        return GatewayResponse(int(response.get("statusCode", 200)), answer_headers, raw)

    def _store(self, resource: Resource, method: str, event: dict[str, Any], body: bytes) -> GatewayResponse:
        """What the REST API does for an S3 integration: map the request's parameters as
        the template says, PUT the body, answer with the integration response."""
        (integration,) = [
            i for i in self.stack.s3_integrations if (i.path, i.method) == (resource.path, method)
        ]
        path_values: dict[str, str] = {}
        headers: dict[str, str] = {}
        for target, source in integration.request_parameters.items():
            value = _parameter(source, event)
            if value is None:
                continue  # API Gateway leaves out a parameter the request does not have
            kind, _, name = target.rpartition(".")
            if kind == "integration.request.path":
                path_values[name] = value
            elif kind == "integration.request.header":
                headers[name.lower()] = value
        key = re.sub(r"\{(\w+)\}", lambda m: path_values[m.group(1)], integration.key)
        put: dict[str, Any] = {
            "Bucket": integration.bucket,
            "Key": key,
            "Body": body,
            "Metadata": {
                n.removeprefix("x-amz-meta-"): v for n, v in headers.items() if n.startswith("x-amz-meta-")
            },
        }
        for header, parameter in _S3_PUT_HEADERS.items():
            if header in headers:
                put[parameter] = headers[header]
        if put.get("ContentType", "").split(";")[0].strip().lower() in _FORM_TYPES:
            # moto's server parses a form-typed PUT body as a form and keeps nothing of it
            # (S3 keeps the bytes as sent); the intake reads either as "not JSON".
            put["ContentType"] = "application/octet-stream"
        from botocore.exceptions import ClientError, HTTPClientError, ParamValidationError
        from docsafe import aws

        try:
            if any(_CONTROL.search(value) for value in put["Metadata"].values()):
                # A header cannot carry control characters (a line break would end it):
                # S3 never sees such a request, and the transports refuse it each their way.
                raise ValueError("metadata with control characters")
            if metadata_bytes(put["Metadata"]) > S3_METADATA_BYTES:
                # S3 refuses it (400 MetadataTooLarge); moto stores it.
                raise ValueError("metadata past S3's 2 KB")
            aws.client("s3").put_object(**put)
        except (ClientError, ParamValidationError, HTTPClientError, UnicodeError, ValueError) as error:
            status = (
                error.response["ResponseMetadata"]["HTTPStatusCode"]
                if isinstance(error, ClientError)
                else 400
            )
            # 400: S3 refuses what the request made of the object, metadata that is no
            # ASCII text or holds control characters, say (boto3 or http.client refuses
            # such headers before S3 sees them); any other
            # answer goes to the integration's default response.
            answer = integration.refused if status == 400 else integration.failed
            body = answer["responseTemplates"]["application/json"].encode()
            return GatewayResponse(int(answer["statusCode"]), {"Content-Type": "application/json"}, body)
        self._object_created(integration.bucket, key)
        return GatewayResponse(*accepted_answer(integration.path, integration.accepted, event))

    def _object_created(self, bucket: str, key: str) -> None:
        """What EventBridge does with S3's Object Created: start the functions whose rule
        matches, each on its own (asynchronously, as Lambda's event invocations are)."""
        event = {
            "version": "0",
            "source": "aws.s3",
            "detail-type": "Object Created",
            "region": self.stack.region,
            "detail": {"bucket": {"name": bucket}, "object": {"key": key}},
        }
        for rule_bucket, prefix, function in self.stack.object_created:
            if rule_bucket == bucket and key.startswith(prefix):
                if self.events_at_once:
                    _deliver(self.stack, function, event)
                    continue
                delivery = threading.Thread(
                    target=_deliver,
                    args=(self.stack, function, event),
                    name=f"docsafe-{function}",
                    daemon=True,
                )
                delivery.start()

    def _invoke_in_time(self, function: str, event: dict[str, Any]) -> Any:
        """The function's answer, or None once API Gateway would have stopped waiting
        (the function goes on, as it does in Lambda)."""
        answer: list[Any] = []
        failure: list[BaseException] = []
        started = threading.Event()

        def run() -> None:
            # Powertools keeps the current event on its router class, one per process:
            # right for Lambda (one request per instance), wrong for threads. API handlers
            # take milliseconds, so they take turns; the stages still run side by side.
            try:
                with _ROUTER_LOCK:
                    started.set()
                    answer.append(invoke(self.stack, function, event))
            except BaseException as exc:
                failure.append(exc)
            finally:
                started.set()

        worker = threading.Thread(target=run, name=f"docsafe-{function}", daemon=True)
        worker.start()
        # The clock starts when the function does: waiting for the lock is local mode's
        # own queue (Lambda would run another instance), not the function's time.
        started.wait()
        worker.join(self.timeout_seconds)
        if failure:
            raise failure[0]
        return answer[0] if answer else None


# The S3 PutObject headers an integration may set, as boto3 names them.
_S3_PUT_HEADERS = {
    "content-type": "ContentType",
    "x-amz-server-side-encryption": "ServerSideEncryption",
    "x-amz-server-side-encryption-aws-kms-key-id": "SSEKMSKeyId",
    "if-none-match": "IfNoneMatch",
}


_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # what no header value may hold
# S3's user-defined metadata: 2 KB at most, each key's and value's UTF-8 bytes summed.
S3_METADATA_BYTES = 2048


def metadata_bytes(metadata: dict[str, str]) -> int:
    return sum(len(key.encode()) + len(value.encode()) for key, value in metadata.items())


# A chunk's size line: hex digits (up to 4 GB), any extensions, CRLF; and its bounds.
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,8})(;[^\r\n]*)?\r?\n")
_CHUNK_LINE_BYTES = 4096
_TRAILER_LINES = 100
# A body declared past API Gateway's limit is read past up to this size; a larger one is not.
_DRAINED_BYTES = 64 * 1024 * 1024


def _parameter(source: str, event: dict[str, Any]) -> str | None:
    """The value of a request parameter mapping's source, for this request."""
    if source.startswith("'") and source.endswith("'"):
        return source[1:-1]
    kind, _, name = source.rpartition(".")
    context = event["requestContext"]
    if kind == "context":
        return context.get(name)
    if kind == "context.authorizer":
        return (context.get("authorizer") or {}).get(name)
    if kind == "method.request.header":
        return next((v for k, v in event["headers"].items() if k.lower() == name.lower()), None)
    if kind == "method.request.path":
        return (event.get("pathParameters") or {}).get(name)
    if kind == "method.request.querystring":
        return (event.get("queryStringParameters") or {}).get(name)
    raise ValueError(f"local mode cannot map {source}")


def _deliver(stack: LocalStack, function: str, event: dict[str, Any]) -> None:
    try:
        invoke(stack, function, event)
    except Exception:
        # Lambda would retry an event invocation twice; local mode logs it.
        logging.getLogger("docsafe_tools.local").exception("%s failed on an S3 event", function)


def _allows(decision: dict[str, Any], method_arn: str) -> bool:
    """Whether the authorizer's policy allows this request (an explicit Deny wins)."""
    effects = [
        statement["Effect"]
        for statement in (decision.get("policyDocument") or {}).get("Statement", [])
        for resource in _listed(statement.get("Resource"))
        if fnmatchcase(method_arn, resource)
    ]
    return "Allow" in effects and "Deny" not in effects


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def _front_end(stack: LocalStack) -> type[BaseHTTPRequestHandler]:
    gateway = Gateway(stack)

    class FrontEnd(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "DocSafeLocal"

        def __getattr__(self, name: str) -> Any:
            # Every method goes to the gateway, which answers 404 where no route takes
            # it (as API Gateway does), instead of http.server's own 501 page.
            if name.startswith("do_"):
                return lambda: self._handle(send_body=name != "do_HEAD")
            raise AttributeError(name)

        def log_message(self, format: str, *args: Any) -> None:
            # No access log: paths are harmless, but query strings may carry options.
            pass

        def _handle(self, send_body: bool = True) -> None:
            url = urlsplit(self.path)
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                # Azure's Computer Vision client streams an upload in chunks.
                try:
                    body = self._chunked_body()
                except ValueError:
                    self.close_connection = True
                    self._send(gateway.answer("BAD_REQUEST_BODY"), send_body)
                    return
            else:
                declared = self.headers.get("Content-Length") or "0"
                if not declared.isascii() or not declared.isdigit():
                    self.close_connection = True
                    self._send(gateway.answer("BAD_REQUEST_BODY"), send_body)
                    return
                length = int(declared)
                if length > API_GATEWAY_BODY_BYTES:
                    # Refused, and not kept: read past (so that the client, still sending, can
                    # read the answer), unless it is larger still: then answered at once.
                    self.close_connection = True
                    if length <= _DRAINED_BYTES:
                        self._discard(length)
                    self._send(gateway.answer("REQUEST_TOO_LARGE"), send_body)
                    return
                body = self.rfile.read(length) if length else b""
                if len(body) < length:  # the client stopped short of what it declared
                    self.close_connection = True
                    self._send(gateway.answer("BAD_REQUEST_BODY"), send_body)
                    return
            try:
                answer = gateway.handle(
                    self.command, url.path, query=url.query, headers=dict(self.headers.items()), body=body
                )
            except Exception:
                # API Gateway answers whatever happens behind it (and a test sees the 5xx).
                logging.getLogger("docsafe_tools.local").exception("the gateway failed")
                answer = gateway.answer("INTEGRATION_FAILURE")
            self._send(answer, send_body)

        def _send(self, answer: GatewayResponse, send_body: bool) -> None:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if send_body:
                self.wfile.write(answer.body)

        def _discard(self, length: int) -> None:
            while length > 0 and (piece := self.rfile.read(min(length, 64 * 1024))):
                length -= len(piece)

        def _chunked_body(self) -> bytes:
            """A chunked request's body (RFC 9112 7.1); reading stops one byte past API
            Gateway's limit (the gateway refuses it), and the connection is not used
            again. ValueError for anything that is not chunked HTTP, a body cut short
            among it."""
            body = bytearray()
            while len(body) <= API_GATEWAY_BODY_BYTES:
                line = self.rfile.readline(_CHUNK_LINE_BYTES + 1)
                found = _CHUNK_SIZE.fullmatch(line)
                if found is None:
                    raise ValueError("not a chunk size line")
                size = int(found.group(1), 16)
                if size == 0:
                    for _ in range(_TRAILER_LINES):  # trailers, then the blank line
                        trailer = self.rfile.readline(_CHUNK_LINE_BYTES + 1)
                        if not trailer.endswith(b"\n"):
                            raise ValueError("the body ends among its trailers")
                        if trailer in (b"\r\n", b"\n"):
                            return bytes(body)
                    raise ValueError("too many trailers")
                wanted = min(size, API_GATEWAY_BODY_BYTES + 1 - len(body))
                chunk = self.rfile.read(wanted)
                if len(chunk) < wanted:
                    raise ValueError("the body ends inside a chunk")
                body += chunk
                if len(body) > API_GATEWAY_BODY_BYTES:
                    self._drain_chunks(size - wanted)
                elif self.rfile.readline(3) not in (b"\r\n", b"\n"):
                    raise ValueError("a chunk runs past its size")
            self.close_connection = True
            return bytes(body)

        def _drain_chunks(self, left_in_chunk: int) -> None:
            """The rest of a chunked body past the limit, read and dropped (as a sized one's
            is: a client still sending then reads the answer, rather than a broken pipe),
            up to _DRAINED_BYTES; past that, or at anything that is not chunked HTTP, the
            answer goes at once."""
            drained = 0
            while drained <= _DRAINED_BYTES:
                self._discard(left_in_chunk)
                drained += left_in_chunk
                self.rfile.readline(3)  # the chunk's CRLF
                line = self.rfile.readline(_CHUNK_LINE_BYTES + 1)
                found = _CHUNK_SIZE.fullmatch(line)
                if found is None:
                    return
                left_in_chunk = int(found.group(1), 16)
                if left_in_chunk == 0:
                    for _ in range(_TRAILER_LINES):
                        if self.rfile.readline(_CHUNK_LINE_BYTES + 1) in (b"\r\n", b"\n", b""):
                            return
                    return

    return FrontEnd
