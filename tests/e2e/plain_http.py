"""Plain HTTP against the local server, as any client without an SDK sends it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from tests.support.serve import Server


def call(
    server: Server,
    tenant: str,
    method: str,
    url: str,
    body: bytes | None = None,
    content_type: str | None = None,
    key_header: str = "Ocp-Apim-Subscription-Key",
) -> tuple[int, dict, bytes]:
    """(status, headers, body) of one request with the tenant's key. Without
    `content_type` urllib sends a body as a form, as a careless client does."""
    request = urllib.request.Request(
        url if url.startswith("http") else server.url + url, data=body, method=method
    )
    request.add_header(key_header, server.keys[tenant])
    if content_type is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, dict(answer.headers.items()), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers.items()), error.read()


def finished(server: Server, tenant: str, location: str, timeout: float = 120) -> dict[str, Any]:
    """Poll an operation as the Azure clients do (Retry-After apart) until it has finished."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, headers, body = call(server, tenant, "GET", location)
        assert status == 200, body
        answer = json.loads(body)
        if answer["status"] in ("succeeded", "failed"):
            return dict(answer)
        time.sleep(float(headers.get("Retry-After", "1")))
    raise AssertionError(f"the operation did not finish within {timeout:g} s")
