"""A small client of the wire contract, for the `docsafe` command and the benchmarks.

It speaks only what any Azure Document Intelligence v4.0 service answers (submit, poll,
delete), plus DocSafe's own presigned uploads and page progress when the service has
them. The standard library's http.client is enough for this; the official Azure client
works against DocSafe too (see README).
"""

from __future__ import annotations

import gzip
import http.client
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from docsafe.limits import DIRECT_DOCUMENT_BYTES
from docsafe.settings import API_VERSION

# Larger documents go through an upload: a body reaches the function inside Lambda's 6 MB
# event, base64-encoded.
BODY_LIMIT = DIRECT_DOCUMENT_BYTES


class ApiError(Exception):
    """The service refused or failed a request; the message is the service's own."""

    def __init__(self, status: int, code: str, message: str):
        """`status`: the HTTP status; 0 when there is none (a failed operation, no answer)."""
        said = f"{code}: {message}" if code else message
        super().__init__(f"{status} {said}" if status else said)
        self.status, self.code, self.message = status, code, message


@dataclass
class Analysis:
    """One analysis as it runs: where to poll it, and what is known so far."""

    location: str
    status: str = "notStarted"
    page_count: int | None = None
    pages_read: int = 0
    result: dict[str, Any] | None = None
    error: dict[str, Any] = field(default_factory=dict)

    def succeeded_result(self) -> dict[str, Any]:
        """The analyzeResult of a finished analysis; ApiError with the job's error if it failed."""
        if self.status != "succeeded" or self.result is None:
            inner = self.error.get("innererror") or {}
            code = inner.get("code") or self.error.get("code", self.status)
            raise ApiError(0, code, self.error.get("message", ""))
        return self.result

    @property
    def operation_id(self) -> str:
        return urlsplit(self.location).path.rsplit("/", 1)[-1]


class ApiClient:
    def __init__(
        self,
        endpoint: str,
        key: str,
        timeout: float = 600.0,
        poll_seconds: float | None = None,
        progress: bool = True,
    ):
        """`progress`: also ask DocSafe's native status for the pages read at each poll (a
        second request a poll; the Azure clients ask for the status alone)."""
        self.endpoint = endpoint.rstrip("/")
        self.key = key
        self.timeout = timeout
        self.poll_seconds = poll_seconds  # None: as the service's Retry-After says
        self.progress = progress
        self._kept = threading.local()  # each thread's connections, by host

    def _request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        content_type: str = "application/octet-stream",
    ) -> tuple[int, dict[str, str], bytes]:
        headers = {
            "Ocp-Apim-Subscription-Key": self.key,
            # A result is compressed to fit Lambda's 6 MB response (text compresses ~10:1).
            "Accept-Encoding": "gzip",
        }
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            status, answer_headers, raw = self._send(method, url, body, headers)
        except OSError as error:
            raise ApiError(0, "Unreachable", f"cannot reach {self.endpoint}: {error}") from None
        if status >= 400:
            raise _api_error(status, raw)
        if answer_headers.get("Content-Encoding", "").lower() == "gzip":
            raw = gzip.decompress(raw)
        return status, answer_headers, raw

    def _send(
        self, method: str, url: str, body: bytes | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        """One request over this thread's kept-alive connection to the endpoint, as the
        Azure clients' HTTP sessions do (a new connection a poll costs the server a
        thread); a connection the server has since closed is opened again once."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):
            connection = self._connection(parts.scheme, parts.netloc, fresh=attempt == 2)
            try:
                connection.request(method, target, body=body, headers=headers)
                answer = connection.getresponse()
                return answer.status, dict(answer.headers.items()), answer.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connection(self, scheme: str, netloc: str, fresh: bool) -> http.client.HTTPConnection:
        kept: dict[tuple[str, str], http.client.HTTPConnection]
        kept = self._kept.__dict__.setdefault("by_host", {})
        if fresh or (scheme, netloc) not in kept:
            kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            kept[(scheme, netloc)] = kind(netloc, timeout=120)
        return kept[(scheme, netloc)]

    def submit(
        self, data: bytes, model: str = "prebuilt-read", options: dict[str, str] | None = None
    ) -> Analysis:
        """Start an analysis; documents over the body limit go through a presigned upload."""
        query = urlencode({"api-version": API_VERSION, **(options or {})})
        url = f"{self.endpoint}/documentintelligence/documentModels/{model}:analyze?{query}"
        if len(data) > BODY_LIMIT:
            body, content_type = json.dumps({"uploadSource": self.upload(data)}).encode(), "application/json"
        else:
            body, content_type = data, "application/octet-stream"
        _, headers, _ = self._request("POST", url, body, content_type)
        return Analysis(location=headers["Operation-Location"])

    def upload(self, data: bytes) -> str:
        """Put `data` through DocSafe's presigned upload; returns the upload id."""
        _, _, raw = self._request("POST", f"{self.endpoint}/v1/uploads", b"{}", "application/json")
        ticket = json.loads(raw)
        post_upload(ticket, data)
        return str(ticket["uploadId"])

    def poll(self, analysis: Analysis) -> float:
        """Refresh `analysis`; returns the seconds to wait before the next poll."""
        try:
            _, headers, raw = self._request("GET", analysis.location)
        except ApiError as error:
            if error.code != "ResponseTooLarge":
                raise
            # Finished, with a result larger than one response carries: read it in parts.
            analysis.status = "succeeded"
            analysis.result = json.loads(self.result_in_parts(analysis.operation_id))
            return 0.0
        body = json.loads(raw)
        analysis.status = body["status"]
        analysis.result = body.get("analyzeResult")
        analysis.error = body.get("error") or {}
        if self.progress and analysis.status in ("notStarted", "running"):
            self._progress(analysis)
        return self.poll_seconds or float(headers.get("Retry-After", "1"))

    def result_in_parts(self, operation_id: str) -> bytes:
        """The analyzeResult's JSON text, fetched a part at a time with Range requests
        (DocSafe's native route: a part fits Lambda's 6 MB response)."""
        url, data, total = f"{self.endpoint}/v1/operations/{operation_id}/result", bytearray(), None
        while total is None or len(data) < total:
            request = urllib.request.Request(url, method="GET")
            request.add_header("Ocp-Apim-Subscription-Key", self.key)
            request.add_header("Range", f"bytes={len(data)}-")
            try:
                with urllib.request.urlopen(request, timeout=120) as answer:
                    part = answer.read()
                    total = int(answer.headers["Content-Range"].rsplit("/", 1)[1])
            except urllib.error.HTTPError as error:
                raise _api_error(error.code, error.read()) from None
            if not part:
                raise ApiError(0, "ShortResult", "the service sent an empty part")
            data += part
        return bytes(data)

    def _progress(self, analysis: Analysis) -> None:
        """Pages read so far, from DocSafe's native status (other services have none)."""
        try:
            _, _, raw = self._request("GET", f"{self.endpoint}/v1/operations/{analysis.operation_id}")
        except ApiError:
            return
        native = json.loads(raw)
        if "pageCount" in native:
            analysis.page_count = int(native["pageCount"])
            analysis.pages_read = int(native.get("pagesRead", 0))

    def wait(self, analysis: Analysis, on_change: Callable[[Analysis], None] | None = None) -> Analysis:
        deadline = time.monotonic() + self.timeout
        while True:
            pause = self.poll(analysis)
            if on_change:
                on_change(analysis)
            if analysis.status not in ("notStarted", "running"):
                return analysis
            if time.monotonic() + pause > deadline:
                raise ApiError(0, "Timeout", f"the analysis did not finish within {self.timeout:g} s")
            time.sleep(pause)

    def analyze(
        self, data: bytes, model: str = "prebuilt-read", options: dict[str, str] | None = None
    ) -> Analysis:
        """Submit and wait; raises ApiError if the analysis failed."""
        analysis = self.wait(self.submit(data, model, options))
        analysis.succeeded_result()
        return analysis

    def delete(self, analysis: Analysis) -> None:
        self._request("DELETE", analysis.location)


def _api_error(status: int, raw: bytes) -> ApiError:
    try:
        detail = json.loads(raw)["error"]
        inner = detail.get("innererror") or {}
        return ApiError(status, inner.get("code") or detail.get("code", ""), detail.get("message", ""))
    except (ValueError, KeyError, TypeError, AttributeError):
        return ApiError(status, "", http.client.responses.get(status, "error"))


def post_upload(ticket: dict[str, Any], data: bytes, timeout: float = 600) -> int:
    """POST `data` to an upload ticket's URL as the HTML form S3 expects: the ticket's
    fields, then the document as the part named "file". Returns S3's status.

    The form's own signed policy authorises it; the API key never goes to storage."""
    boundary = "docsafe-" + uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in ticket["formFields"].items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="document"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    body = head + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(
        ticket["uploadUrl"],
        data=body,
        method="POST",
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return int(answer.status)
