"""Callbacks: signed as receivers check them, sent only to public HTTPS addresses (checked
again at each attempt), a failure told as such, retries spaced out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from docsafe import callbacks
from docsafe.callbacks import Callback, CallbackSender
from docsafe.contract.errors import InvalidArgument

SECRET = b"s" * 32
DETAIL = {"operationId": "op-1", "tenant": "acme", "status": "succeeded", "pageCount": 2}


class Receiver:
    """A connection that records the request and answers `status`."""

    def __init__(self, status: int = 200, fail: Exception | None = None):
        self.status, self.fail = status, fail
        self.sent: list[dict[str, Any]] = []
        self.connected: list[tuple[str, str, int]] = []

    def __call__(self, host: str, address: str, port: int, timeout: float) -> Receiver:
        self.connected.append((host, address, port))
        return self

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        if self.fail:
            raise self.fail
        self.sent.append({"method": method, "path": path, "body": body, "headers": headers})

    def getresponse(self) -> Receiver:
        return self

    def close(self) -> None:
        pass


def _sender(receiver: Receiver, addresses: list[str]) -> CallbackSender:
    return CallbackSender(
        lambda tenant: SECRET,
        now=lambda: 1_700_000_000,
        resolver=lambda host, port: addresses,
        connect=receiver,
    )


def test_a_callback_is_posted_signed_to_the_address_that_was_checked() -> None:
    receiver = Receiver()
    sent = _sender(receiver, ["93.184.216.34"]).attempt(
        Callback("https://hooks.example.com/docsafe?team=7", "acme", DETAIL)
    )
    assert sent
    assert receiver.connected == [("hooks.example.com", "93.184.216.34", 443)]
    (request,) = receiver.sent
    assert request["method"] == "POST" and request["path"] == "/docsafe?team=7"
    assert json.loads(request["body"]) == DETAIL
    signature = request["headers"][callbacks.SIGNATURE_HEADER]
    assert callbacks.verify(SECRET, signature, request["body"], now=1_700_000_030)
    assert not callbacks.verify(b"another tenant's secret" * 2, signature, request["body"], now=1_700_000_030)
    assert not callbacks.verify(SECRET, signature, request["body"] + b" ", now=1_700_000_030)  # altered
    assert not callbacks.verify(SECRET, signature, request["body"], now=1_700_000_000 + 3600)  # replayed late


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/",
        "https://user:pw@hooks.example.com/",
        "https://hooks.example.com:8443/",
        "ftp://x/",
    ],
)
def test_a_callback_url_that_is_not_https_to_port_443_is_refused_when_requested(url: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        callbacks.check_callback_url(url, resolver=lambda host, port: ["93.184.216.34"])
    assert refused.value.target == callbacks.CALLBACK_HEADER


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1", "fd00::1"])
def test_private_addresses_are_refused_when_requested_and_at_each_attempt(address: str) -> None:
    with pytest.raises(InvalidArgument):
        callbacks.check_callback_url("https://hooks.example.com/", resolver=lambda host, port: [address])
    # a name that passed the check and now resolves to a private address reaches nothing
    receiver = Receiver()
    assert not _sender(receiver, [address]).attempt(Callback("https://hooks.example.com/", "acme", DETAIL))
    assert receiver.connected == []


@pytest.mark.parametrize(
    ("status", "fail"), [(500, None), (302, None), (404, None), (200, OSError("refused"))]
)
def test_an_answer_other_than_2xx_or_no_answer_is_a_failure(status: int, fail: Exception | None) -> None:
    assert not _sender(Receiver(status, fail), ["93.184.216.34"]).attempt(
        Callback("https://hooks.example.com/", "acme", DETAIL)
    )


def test_retries_wait_longer_each_time_and_the_message_round_trips() -> None:
    assert [callbacks.retry_delay(attempt) for attempt in range(1, callbacks.MAX_ATTEMPTS)] == [
        30,
        120,
        480,
        1920,
    ]
    callback = Callback("https://hooks.example.com/", "acme", DETAIL)
    assert Callback.from_message(callback.to_message()) == callback


def test_each_tenant_has_its_own_secret_derived_by_kms() -> None:
    import boto3
    from moto import mock_aws

    with mock_aws():
        kms = boto3.client("kms", region_name="eu-west-1")
        key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]["KeyId"]
        secrets = callbacks.CallbackSecrets(lambda: kms, key)
        acme, globex = secrets.of("acme"), secrets.of("globex")
        assert acme != globex and len(acme) == 32
        assert callbacks.CallbackSecrets(lambda: kms, key).of("acme") == acme  # derived, not stored


class StubQueue:
    def __init__(self, fails: bool = False):
        self.fails = fails
        self.waits: list[int] = []

    def change_message_visibility(self, QueueUrl: str, ReceiptHandle: str, VisibilityTimeout: int) -> None:
        if self.fails:
            from botocore.exceptions import ClientError

            raise ClientError({"Error": {"Code": "ReceiptHandleIsInvalid"}}, "ChangeMessageVisibility")
        self.waits.append(VisibilityTimeout)


@pytest.mark.parametrize("fails", [False, True])
def test_a_failed_callback_waits_longer_each_time_and_is_dropped_after_its_attempts(fails: bool) -> None:
    queue = StubQueue(fails)
    sender = _sender(Receiver(status=500), ["93.184.216.34"])
    delivery = callbacks.CallbackDelivery(sender, lambda: queue, "q")
    detail = {"operationId": "op", "tenant": "acme"}
    message = callbacks.Callback("https://hooks.example.com/", "acme", detail).to_message()
    kept = [delivery.handle(message, "handle", count) for count in range(1, callbacks.MAX_ATTEMPTS + 1)]
    # kept for four more attempts, then done with (dropped), whether or not its wait was set
    assert kept == [False] * (callbacks.MAX_ATTEMPTS - 1) + [True]
    assert queue.waits == ([] if fails else [30, 120, 480, 1920])
    # and a message that is no callback is dropped, not retried forever
    assert delivery.handle("not json", "handle", 1) is True
    # one seen again after an attempt that never returned (a timeout) is dropped past the last
    assert delivery.handle(message, "handle", callbacks.MAX_ATTEMPTS + 1) is True
    # and one signed for a tenant other than its job's is never sent
    foreign = callbacks.Callback("https://hooks.example.com/", "globex", detail).to_message()
    sender.attempt = lambda callback: pytest.fail("sent")  # type: ignore[method-assign]
    assert delivery.handle(foreign, "handle", 1) is True


def test_an_attempt_that_raises_is_a_failed_attempt() -> None:
    def no_secret(tenant: str) -> bytes:
        raise RuntimeError("KMS unavailable")

    sender = CallbackSender(no_secret, resolver=lambda host, port: ["93.184.216.34"], connect=Receiver())
    assert sender.attempt(Callback("https://hooks.example.com/", "acme", {"operationId": "op"})) is False


def test_a_dual_stack_receiver_is_reached_over_ipv4() -> None:
    from docsafe import urlsource

    addresses = ["2606:2800:220:1:248:1893:25c8:1946", "93.184.216.34"]
    _, address, _ = urlsource.public_target("https://hooks.example.com/", lambda host, port: addresses)
    assert address == "93.184.216.34"


@pytest.mark.parametrize(
    "url", ["https://[::1/hook", "https://a..example.com/", "https://" + "a" * 64 + ".com/"]
)
def test_a_malformed_host_is_refused_not_a_crash(url: str) -> None:
    with pytest.raises(InvalidArgument):
        callbacks.check_callback_url(url)


@pytest.mark.parametrize("header", ["t=1,v1=\u00e9", "t=" + "9" * 5000 + ",v1=ab", "x" * 300])
def test_verify_refuses_a_malformed_signature_without_raising(header: str) -> None:
    assert callbacks.verify(b"secret", header, b"{}", now=1.0) is False
