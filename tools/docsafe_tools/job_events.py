"""Waiting for analyses on the stack's job events instead of polling them (`docsafe analyze
--events-bus`): for a caller with the stack's AWS credentials, an operator or a team's
own pipeline.

A queue of the watcher's own (deleted when it is done) and a rule on the job events bus
that sends it the ends of the operations it watches, and no others. An operation that
ended before the rule named it is caught by the poll made once the rule is in place
(`ApiClient.poll`); every later end arrives as an event. A rule takes a little while to
match on AWS, and a queue's policy up to a minute: the waiting polls once more every
FALLBACK_POLL_SECONDS, so an event lost then costs half a minute, never the analysis.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import threading
import time
from types import TracebackType
from typing import Any

import boto3
from docsafe.completion import DETAIL_TYPE, SOURCE

RECEIVE_WAIT_SECONDS = 5
FALLBACK_POLL_SECONDS = 30


class JobEndWatcher:
    def __init__(self, bus: str, region: str | None = None, endpoint_url: str | None = None):
        session = boto3.session.Session(region_name=region)
        self._events = session.client("events", endpoint_url=endpoint_url)
        self._sqs = session.client("sqs", endpoint_url=endpoint_url)
        self._bus = bus
        self._name = f"docsafe-wait-{secrets.token_hex(6)}"
        self._watched: set[str] = set()
        self._ended: dict[str, str] = {}
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._receiving = False
        self._queue_url = ""

    def __enter__(self) -> JobEndWatcher:
        try:
            self._create()
        except BaseException:
            self._remove()  # what was made before the failure
            raise
        return self

    def _create(self) -> None:
        self._queue_url = self._sqs.create_queue(
            QueueName=self._name,
            Attributes={"SqsManagedSseEnabled": "true", "MessageRetentionPeriod": "3600"},
        )["QueueUrl"]
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        rule_arn = self._put_rule()
        # Only this rule may send to the queue (EventBridge's own service principal).
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}},
                }
            ],
        }
        self._sqs.set_queue_attributes(QueueUrl=self._queue_url, Attributes={"Policy": json.dumps(policy)})
        self._events.put_targets(
            Rule=self._name, EventBusName=self._bus, Targets=[{"Id": "watcher", "Arn": queue_arn}]
        )

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._remove()

    def _remove(self) -> None:
        """The rule and the queue gone, whichever of them exists."""
        from botocore.exceptions import ClientError

        for remove in (
            lambda: self._events.remove_targets(Rule=self._name, EventBusName=self._bus, Ids=["watcher"]),
            lambda: self._events.delete_rule(Name=self._name, EventBusName=self._bus),
            lambda: self._sqs.delete_queue(QueueUrl=self._queue_url) if self._queue_url else None,
        ):
            with contextlib.suppress(ClientError):  # never made
                remove()

    def watch(self, operation_id: str) -> None:
        """Have the rule send this operation's end too (before its one poll)."""
        with self._lock:
            self._watched.add(operation_id)
            self._put_rule()

    def forget(self, operation_id: str) -> None:
        """Stop watching an operation that ended (EventBridge takes patterns of 2 KB: some
        forty operation ids at a time)."""
        with self._lock:
            self._watched.discard(operation_id)
            self._ended.pop(operation_id, None)
            self._put_rule()

    def wait_for(self, operation_id: str, timeout: float) -> str | None:
        """The operation's ending status (succeeded, failed, deleted, expired) once its event
        arrives; None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while operation_id not in self._ended:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                if self._receiving:  # another thread is receiving: it tells when one arrives
                    self._arrived.wait(left)
                    continue
                self._receiving = True
                self._lock.release()
                try:
                    self._receive(min(RECEIVE_WAIT_SECONDS, max(1, int(left))))
                finally:
                    self._lock.acquire()
                    self._receiving = False
                    self._arrived.notify_all()
            return self._ended[operation_id]

    def _receive(self, wait_seconds: int) -> None:
        answer = self._sqs.receive_message(
            QueueUrl=self._queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
        for message in answer.get("Messages", []):
            detail = json.loads(message["Body"]).get("detail", {})
            with self._lock:
                self._ended[str(detail.get("operationId"))] = str(detail.get("status"))
            self._sqs.delete_message(QueueUrl=self._queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _put_rule(self) -> str:
        # (a rule matching nothing until an operation is watched)
        watched = sorted(self._watched) or ["-"]
        pattern = {"source": [SOURCE], "detail-type": [DETAIL_TYPE], "detail": {"operationId": watched}}
        answer: dict[str, Any] = self._events.put_rule(
            Name=self._name, EventBusName=self._bus, EventPattern=json.dumps(pattern), State="ENABLED"
        )
        return str(answer["RuleArn"])
