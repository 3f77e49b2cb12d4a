"""Callback URLs: a job's end, POSTed to the HTTPS address its request named, signed.

A request names it in the `x-docsafe-callback-url` header (the analyze routes of each
API, and a batch's, whose documents each call it). The job store's completion events put
it on the callback queue (`CallbackQueue`), and the Notify function sends it.

The body is the completion event's detail (docsafe.completion): ids, tenant, model,
status, page count, never content. `x-docsafe-signature: t=<unix time>,v1=<hex>` is
HMAC-SHA256 over `"<t>." + body` with the tenant's callback secret, so a receiver knows the
POST came from its stack and can refuse replays older than a few minutes (`verify`).

A callback is sent from a queue, never by the stage that ended the job: a receiver that is
down or slow holds nothing. Each failure (no 2xx answer, a refused or unreachable address)
is retried after a longer wait (30 s, 2 min, 8 min, 32 min), and after MAX_ATTEMPTS the
callback is dropped, logged by its operation id only. The address is checked as urlSource
is — https on port 443, a host that resolves only to public addresses — when the request
names it and again before each attempt, and the connection goes to the address checked:
a name that later resolves to a private address reaches nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from docsafe import urlsource
from docsafe.contract.errors import InvalidArgument

logger = Logger(service="docsafe", child=True)

CALLBACK_HEADER = "x-docsafe-callback-url"
SIGNATURE_HEADER = "x-docsafe-signature"
MAX_ATTEMPTS = 5
FIRST_RETRY_SECONDS = 30
# S3 keeps at most 2 KB of metadata for an intake request, the other options included.
MAX_URL_LENGTH = 1024
REPLAY_TOLERANCE_SECONDS = 300
_SECRET_CONTEXT = b"docsafe-callback-v1:"


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify(
    secret: bytes, header: str, body: bytes, now: float, tolerance: float = REPLAY_TOLERANCE_SECONDS
) -> bool:
    """What a receiver checks: the signature is the secret's over this body, and recent."""
    if len(header) > 200 or not header.isascii():
        return False
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    stamp = parts.get("t", "")
    if not stamp.isdigit() or len(stamp) > 12 or abs(now - int(stamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, int(stamp), body).encode(), header.encode())


def retry_delay(attempt: int) -> int:
    """Seconds before the next attempt after the `attempt`-th failed (30 s × 4ⁿ)."""
    return int(FIRST_RETRY_SECONDS * 4 ** max(0, attempt - 1))


def check_callback_url(url: str, resolver: urlsource.Resolver | None = None) -> str:
    """The URL, if a callback may go there; a 400 that says why not (as for urlSource)."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidArgument(
            f"The callback URL is longer than {MAX_URL_LENGTH} characters.",
            inner_code="InvalidParameter",
            target=CALLBACK_HEADER,
        )
    urlsource.public_target(url, resolver or urlsource.resolve, field=CALLBACK_HEADER)
    return url


@dataclass(frozen=True)
class Callback:
    url: str
    tenant: str
    detail: dict[str, Any]

    def to_message(self) -> str:
        return json.dumps(
            {"url": self.url, "tenant": self.tenant, "detail": self.detail}, separators=(",", ":")
        )

    @classmethod
    def from_message(cls, text: str) -> Callback:
        data = json.loads(text)
        return cls(str(data["url"]), str(data["tenant"]), dict(data["detail"]))


class CallbackSecrets:
    """Each tenant's callback secret, derived by KMS from the stack's HMAC key: nothing
    secret is stored, and the operator hands a tenant its own (`docsafe tenants
    callback-secret`)."""

    def __init__(self, kms: Callable[[], Any], key_id: str):
        self._kms = kms
        self._key_id = key_id
        self._known: dict[str, bytes] = {}

    def of(self, tenant: str) -> bytes:
        if tenant not in self._known:
            answer = self._kms().generate_mac(
                KeyId=self._key_id, MacAlgorithm="HMAC_SHA_256", Message=_SECRET_CONTEXT + tenant.encode()
            )
            self._known[tenant] = bytes(answer["Mac"])
        return self._known[tenant]


class CallbackSender:
    """One attempt at one callback: True when the receiver answered 2xx."""

    def __init__(
        self,
        secret_of: Callable[[str], bytes],
        now: Callable[[], float] = time.time,
        resolver: urlsource.Resolver | None = None,
        connect: urlsource.ConnectionFactory | None = None,
    ):
        self._secret_of = secret_of
        self._now = now
        # (looked up at each attempt when not given: a test replaces the network there)
        self._resolver = resolver
        self._connect = connect

    def attempt(self, callback: Callback) -> bool:
        """Never raises: anything that goes wrong is a failed attempt, counted as one."""
        try:
            return self._attempt(callback)
        except Exception as exc:  # (signing's KMS call, a path http.client refuses, …)
            logger.warning(
                "callback attempt failed",
                operation_id=str(callback.detail.get("operationId", "")),
                error_type=type(exc).__name__,
            )
            return False

    def _attempt(self, callback: Callback) -> bool:
        try:
            host, address, port = urlsource.public_target(
                callback.url, self._resolver or urlsource.resolve, field=CALLBACK_HEADER
            )
        except InvalidArgument:
            return False  # its name resolves to a private address now: refused again
        body = json.dumps(callback.detail, separators=(",", ":")).encode()
        parts = urlsplit(callback.url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Host": host,
            "Content-Type": "application/json",
            "User-Agent": "DocSafe-callback/1",
            SIGNATURE_HEADER: sign(self._secret_of(callback.tenant), int(self._now()), body),
        }
        connection = (self._connect or urlsource.connect_pinned)(
            host, address, port, urlsource.TIMEOUT_SECONDS
        )
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            return 200 <= response.status < 300  # a redirect is not followed: a failure
        except (OSError, http.client.HTTPException):
            return False
        finally:
            connection.close()


class CallbackQueue:
    """Where a job's end waits for its callback: the stack's queue (encrypted with the
    stack's key, messages kept 4 hours at most)."""

    def __init__(self, sqs: Callable[[], Any], queue_url: str):
        self._sqs = sqs
        self._queue_url = queue_url

    def put(self, callback: Callback) -> None:
        self._sqs().send_message(QueueUrl=self._queue_url, MessageBody=callback.to_message())


class CallbackDelivery:
    """The Notify function's work: each queued callback attempted once; a failed one is
    made visible again after `retry_delay`, and dropped after MAX_ATTEMPTS."""

    def __init__(self, sender: CallbackSender, sqs: Callable[[], Any], queue_url: str):
        self._sender = sender
        self._sqs = sqs
        self._queue_url = queue_url

    def handle_records(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """An SQS event's records handled; the answer Lambda's ReportBatchItemFailures reads
        (the messages to keep)."""
        failures = [
            {"itemIdentifier": record["messageId"]}
            for record in records
            if not self.handle(
                record["body"], record["receiptHandle"], int(record["attributes"]["ApproximateReceiveCount"])
            )
        ]
        return {"batchItemFailures": failures}

    def handle(self, body: str, receipt_handle: str, receive_count: int) -> bool:
        """True when done with the message (sent, or dropped); False to try again later."""
        try:
            callback = Callback.from_message(body)
        except (ValueError, KeyError, TypeError):
            logger.warning("callback message unreadable: dropped")
            return True
        operation_id = str(callback.detail.get("operationId", ""))
        if callback.detail.get("tenant") != callback.tenant:
            # Signed for one tenant, it must be that tenant's job: nothing else is sent.
            logger.warning("callback of another tenant's job: dropped", operation_id=operation_id)
            return True
        if receive_count > MAX_ATTEMPTS:
            # Seen again after an attempt that never returned (the function timed out).
            logger.warning("callback dropped after its retries", operation_id=operation_id)
            return True
        if self._sender.attempt(callback):
            logger.info("callback sent", operation_id=operation_id, attempt=receive_count)
            return True
        if receive_count >= MAX_ATTEMPTS:
            logger.warning("callback dropped after its retries", operation_id=operation_id)
            return True
        delay = retry_delay(receive_count)
        logger.info("callback failed: retried later", operation_id=operation_id, retry_in_seconds=delay)
        try:
            self._sqs().change_message_visibility(
                QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=delay
            )
        except ClientError as exc:  # seen again after the queue's own timeout instead
            logger.warning(
                "callback's wait not set", operation_id=operation_id, aws_error=exc.response["Error"]["Code"]
            )
        return False
