"""Completion events: an EventBridge rule on the stack's job events bus receives every
job's end — succeeded, failed, deleted, expired — with its ids and never its content."""

from __future__ import annotations

import json
from typing import Any

import boto3
from docsafe import runtime
from docsafe.retention import purge_expired

from tests.support import office
from tests.support.clock import Clock
from tests.support.documents import encode, text_image
from tests.support.stack import REGION, Harness

DETAIL = {
    "operationId",
    "tenant",
    "modelId",
    "kind",
    "status",
    "pageCount",
    "createdDateTime",
    "endedDateTime",
}


def _subscribed(stack: Harness) -> str:
    """A queue an EventBridge rule on the job events bus sends every DocSafe event to."""
    events, sqs = boto3.client("events", region_name=REGION), boto3.client("sqs", region_name=REGION)
    bus = stack.settings.event_bus
    assert bus, "the template's bus reaches the functions' settings"
    queue = sqs.create_queue(QueueName="job-ends")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="job-ends", EventBusName=bus, EventPattern=json.dumps({"source": ["docsafe"]}))
    events.put_targets(Rule="job-ends", EventBusName=bus, Targets=[{"Id": "queue", "Arn": arn}])
    return queue


def _received(queue: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=REGION)
    found = []
    while messages := sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            event = json.loads(message["Body"])
            assert event["source"] == "docsafe" and event["detail-type"] == "DocSafe job ended"
            found.append(event["detail"])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_a_rule_receives_a_jobs_success_and_its_delete_and_nothing_of_its_content(
    local_stack: Harness,
) -> None:
    queue = _subscribed(local_stack)
    key = local_stack.new_key("acme")
    location = local_stack.submit(encode(text_image(["Secret ledger of the Zurich office"]), "PNG"), key)
    assert local_stack.wait(location, key)["status"] == "succeeded"
    operation_id = location.rsplit("/", 1)[1]
    (ended,) = _received(queue)
    assert ended.keys() == DETAIL
    assert (ended["operationId"], ended["tenant"], ended["status"]) == (operation_id, "acme", "succeeded")
    assert (ended["modelId"], ended["kind"], ended["pageCount"]) == ("prebuilt-read", "analysis", 1)
    assert local_stack.request("DELETE", location, key).status == 204
    (deleted,) = _received(queue)
    assert (deleted["operationId"], deleted["status"]) == (operation_id, "deleted")
    assert "ledger" not in json.dumps([ended, deleted]).lower()


def test_a_failed_job_and_an_expired_one_are_told_too(local_stack: Harness, fake_clock: Clock) -> None:
    queue = _subscribed(local_stack)
    key = local_stack.new_key("acme")
    location = local_stack.submit(office.zip_bomb_docx(), key, "prebuilt-layout")
    assert local_stack.wait(location, key)["status"] == "failed"
    (failed,) = _received(queue)
    assert (failed["status"], failed["errorCode"]) == ("failed", "InvalidContent")
    fake_clock.now += local_stack.settings.retention_seconds
    purge_expired(runtime.services())
    (expired,) = _received(queue)
    assert (expired["operationId"], expired["status"]) == (failed["operationId"], "expired")
