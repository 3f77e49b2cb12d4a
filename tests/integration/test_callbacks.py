"""Callback URLs through the local stack: a job's end queued as it is recorded, POSTed
signed by the Notify function to the address that was checked, retried with backoff when
the receiver fails, dropped after its retries; private addresses refused as for urlSource."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from docsafe import callbacks, urlsource

from tests.support.documents import encode, text_image
from tests.support.stack import REGION, Harness, location_of

HOOK = "https://hooks.example.com/docsafe/ended?source=acme"
PUBLIC = "93.184.216.34"


class Receiver:
    """The tenant's HTTPS endpoint, where the pinned connection would go."""

    def __init__(self, status: int = 204):
        self.status = status
        self.posts: list[dict[str, Any]] = []

    def __call__(self, host: str, address: str, port: int, timeout: float) -> Receiver:
        self._target = (host, address, port)
        return self

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> None:
        self.posts.append(
            {"target": self._target, "method": method, "path": path, "body": body, "headers": headers}
        )

    def getresponse(self) -> Receiver:
        return self

    def close(self) -> None:
        pass


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Receiver:
    found = Receiver()
    monkeypatch.setattr(urlsource, "resolve", lambda host, port: [PUBLIC])
    monkeypatch.setattr(urlsource, "connect_pinned", found)
    return found


def _analyze(stack: Harness, key: str, callback: str | None) -> Any:
    headers = {"x-docsafe-callback-url": callback} if callback else {}
    return stack.request(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        key,
        body=encode(text_image(["Call me back"]), "PNG"),
        headers=headers,
    )


def test_a_finished_analysis_is_posted_signed_to_its_callback_url(
    local_stack: Harness, receiver: Receiver
) -> None:
    tenant, key = local_stack.new_tenant()
    answer = _analyze(local_stack, key, HOOK)
    assert answer.status == 202, answer.body
    body = local_stack.wait(location_of(answer), key)
    assert body["status"] == "succeeded"
    # When the queue's function runs
    assert local_stack.deliver_callbacks() == 1
    # Then one POST went to the checked address, over HTTPS, with the job's end
    (post,) = receiver.posts
    assert post["target"] == ("hooks.example.com", PUBLIC, 443)
    assert post["method"] == "POST" and post["path"] == "/docsafe/ended?source=acme"
    detail = json.loads(post["body"])
    operation_id = location_of(answer).rsplit("/", 1)[1]
    assert detail["operationId"] == operation_id and detail["status"] == "succeeded"
    assert detail["tenant"] == tenant and detail["pageCount"] == 1
    assert "Call me back" not in post["body"].decode()  # ids and status, never content
    # signed with the tenant's secret, which the operator can hand it
    secret = callbacks.CallbackSecrets(
        lambda: boto3.client("kms", region_name=REGION), local_stack.settings.callback_key_id
    ).of(tenant)
    header = post["headers"][callbacks.SIGNATURE_HEADER]
    stamp = int(header.split(",")[0].removeprefix("t="))
    assert callbacks.verify(secret, header, post["body"], now=stamp)
    other_secret = callbacks.CallbackSecrets(
        lambda: boto3.client("kms", region_name=REGION), local_stack.settings.callback_key_id
    ).of("someone-else")
    assert not callbacks.verify(other_secret, header, post["body"], now=stamp)


def test_a_deleted_job_is_called_back_too(local_stack: Harness, receiver: Receiver) -> None:
    _, key = local_stack.new_tenant()
    answer = _analyze(local_stack, key, HOOK)
    local_stack.wait(location_of(answer), key)
    local_stack.deliver_callbacks()
    assert local_stack.request("DELETE", location_of(answer), key).status == 204
    local_stack.deliver_callbacks()
    assert [json.loads(post["body"])["status"] for post in receiver.posts] == ["succeeded", "deleted"]


def test_a_failing_receiver_is_retried_later_then_dropped(
    local_stack: Harness, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.status = 503
    _, key = local_stack.new_tenant()
    answer = _analyze(local_stack, key, HOOK)
    local_stack.wait(location_of(answer), key)
    # The first attempt fails: the message is hidden for 30 s before it is tried again
    assert local_stack.deliver_callbacks() == 1 and len(receiver.posts) == 1
    assert local_stack.deliver_callbacks() == 0
    # When every wait is over at once (no 30 s, 2 min, 8 min, 32 min here)
    monkeypatch.setattr(callbacks, "retry_delay", lambda attempt: 0)
    queue = local_stack.settings.callback_queue_url
    sqs = boto3.client("sqs", region_name=REGION)
    _make_visible(sqs, queue)
    # Then it is tried until its fifth attempt, and dropped after it
    assert local_stack.deliver_callbacks() == callbacks.MAX_ATTEMPTS - 1
    assert len(receiver.posts) == callbacks.MAX_ATTEMPTS
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "0"


def _make_visible(sqs: Any, queue: str) -> None:
    """What the wait does: moto keeps the message hidden for its 30 s; end that now."""
    from moto.backends import get_backend

    for backend in get_backend("sqs").values():
        for region in backend.values():
            for found in region.queues.values():
                for message in found._messages:
                    message.change_visibility(0)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("https://hooks.example.com/", "10.0.0.8"),
        ("https://hooks.example.com/", "169.254.169.254"),
        ("http://hooks.example.com/", PUBLIC),
        ("https://hooks.example.com:8443/", PUBLIC),
        ("https://" + "a" * 1100 + ".example.com/", PUBLIC),
    ],
)
def test_a_callback_url_refused_fails_the_request_as_a_url_source_would(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch, url: str, address: str
) -> None:
    monkeypatch.setattr(urlsource, "resolve", lambda host, port: [address])
    _, key = local_stack.new_tenant()
    answer = _analyze(local_stack, key, url)
    if answer.status == 400:  # S3 keeps 2 KB of metadata: API Gateway's own refusal
        return
    error = local_stack.refusal(answer, key)
    assert error["target"] == callbacks.CALLBACK_HEADER
    assert local_stack.deliver_callbacks() == 0


def test_a_refused_request_is_called_back_with_its_failure(local_stack: Harness, receiver: Receiver) -> None:
    _, key = local_stack.new_tenant()
    answer = local_stack.request(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        key,
        body=b"not a document",
        headers={"x-docsafe-callback-url": HOOK},
    )
    error = local_stack.refusal(answer, key)
    assert error["innererror"]["code"] == "InvalidContent"
    assert local_stack.deliver_callbacks() == 1
    (post,) = receiver.posts
    detail = json.loads(post["body"])
    assert detail["status"] == "failed" and detail["errorCode"] == "InvalidContent"
