"""API Gateway REST API events (Lambda proxy, payload 1.0), as API Gateway builds them
from a request: for the route functions and for the REQUEST authorizer."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any
from urllib.parse import parse_qsl, urlencode

ACCOUNT_ID = "123456789012"
API_ID = "local"
STAGE = "api"


def rest_api_event(
    method: str,
    path: str,
    *,
    resource: str | None = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | str | None = None,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    host: str = "localhost",
    scheme: str = "http",
    stage_prefix: str = "",
    authorizer_context: dict[str, Any] | None = None,
    source_ip: str = "127.0.0.1",
) -> dict[str, Any]:
    """The event of one request. `stage_prefix` is what precedes `path` in the URL: the
    stage on the execute-api endpoint (`/api`), nothing on a custom domain."""
    raw_query = query if isinstance(query, str) else urlencode(query or {})
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    multi_query: dict[str, list[str]] = {}
    for name, value in pairs:
        multi_query.setdefault(name, []).append(value)
    sent = dict(headers or {})
    if not any(name.lower() == "host" for name in sent):
        sent["Host"] = host
    # API Gateway sets it, whatever the client sent.
    sent = {name: value for name, value in sent.items() if name.lower() != "x-forwarded-proto"}
    sent["X-Forwarded-Proto"] = scheme
    host_name = next(value for name, value in sent.items() if name.lower() == "host").split(":")[0]
    method = method.upper()
    now = time.time()
    event: dict[str, Any] = {
        "resource": resource or path,
        "path": path,
        "httpMethod": method,
        "headers": sent,
        "multiValueHeaders": {name: [value] for name, value in sent.items()},
        # API Gateway's single-value view keeps the last of a repeated parameter.
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": host_name,
            "domainPrefix": host_name.split(".")[0],
            "httpMethod": method,
            "identity": {"sourceIp": source_ip, "userAgent": sent.get("User-Agent", "")},
            "path": stage_prefix + path,
            "protocol": "HTTP/1.1",
            # API Gateway takes a client's x-amzn-RequestId as the request id.
            "requestId": next(
                (value for name, value in sent.items() if name.lower() == "x-amzn-requestid"),
                str(uuid.uuid4()),
            ),
            "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "requestTimeEpoch": int(now * 1000),
            "resourceId": "local",
            "resourcePath": resource or path,
            "stage": STAGE,
        },
        "body": None,
        "isBase64Encoded": False,
    }
    if authorizer_context is not None:
        event["requestContext"]["authorizer"] = dict(authorizer_context)
    if body:
        # Every media type is binary to the API (BinaryMediaTypes */*): the function gets
        # the bytes that were sent, base64-encoded.
        event["body"] = base64.b64encode(body).decode()
        event["isBase64Encoded"] = True
    return event


def method_arn(region: str, method: str, path: str) -> str:
    return f"arn:aws:execute-api:{region}:{ACCOUNT_ID}:{API_ID}/{STAGE}/{method.upper()}{path}"


def authorizer_event(request_event: dict[str, Any], region: str) -> dict[str, Any]:
    """The REQUEST authorizer event API Gateway sends before it runs a route."""
    context = {k: v for k, v in request_event["requestContext"].items() if k != "authorizer"}
    return {
        "type": "REQUEST",
        "methodArn": method_arn(region, request_event["httpMethod"], request_event["path"]),
        **{
            name: request_event[name]
            for name in (
                "resource",
                "path",
                "httpMethod",
                "headers",
                "multiValueHeaders",
                "queryStringParameters",
                "multiValueQueryStringParameters",
                "pathParameters",
                "stageVariables",
            )
        },
        "requestContext": context,
    }
