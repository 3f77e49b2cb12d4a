"""API Gateway HTTP API (payload 2.0) events, as API Gateway builds them from a request."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode

TEXT_TYPES = ("application/json", "text/", "application/xml")


def http_api_event(
    method: str,
    path: str,
    *,
    query: dict[str, str] | str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    host: str = "localhost",
    scheme: str = "http",
    route_key: str = "$default",
    authorizer_context: dict[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    raw_query = query if isinstance(query, str) else urlencode(query or {})
    parameters = dict(parse_qsl(raw_query, keep_blank_values=True))
    lowered = {name.lower(): value for name, value in (headers or {}).items()}
    lowered.setdefault("host", host)
    lowered["x-forwarded-proto"] = scheme  # API Gateway sets it, whatever the client sent
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": raw_query,
        "headers": lowered,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": lowered["host"].split(":")[0],
            "domainPrefix": "local",
            "http": {
                "method": method.upper(),
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": lowered.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime()),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": False,
    }
    if parameters:
        event["queryStringParameters"] = parameters
    if authorizer_context is not None:
        event["requestContext"]["authorizer"] = {"lambda": authorizer_context}
    if body:
        content_type = lowered.get("content-type", "")
        if content_type.startswith(TEXT_TYPES):
            event["body"] = body.decode("utf-8", errors="replace")
        else:
            # HTTP APIs hand binary bodies to Lambda base64-encoded.
            event["body"] = base64.b64encode(body).decode()
            event["isBase64Encoded"] = True
    return event


def authorizer_event(request_event: dict[str, Any], route_arn: str) -> dict[str, Any]:
    """The REQUEST authorizer event (payload 2.0) API Gateway sends for a request."""
    return {
        "version": "2.0",
        "type": "REQUEST",
        "routeArn": route_arn,
        "identitySource": [],
        "routeKey": request_event["routeKey"],
        "rawPath": request_event["rawPath"],
        "rawQueryString": request_event["rawQueryString"],
        "headers": request_event["headers"],
        "queryStringParameters": request_event.get("queryStringParameters", {}),
        "requestContext": request_event["requestContext"],
    }
