"""Writes events/<Function>.json: one ready event for every function of template.yaml.

    python infra/scripts/make_events.py   (then: sam local invoke <Function> -e events/<Function>.json)

API functions get the API Gateway REST API (Lambda proxy) event that the deployed API
sends, built by the same code as local mode; the authorizer gets its REQUEST event; the
pipeline stages get the Step Functions state they are handed; the purge its EventBridge
schedule event. Values are fixed (a made-up tenant, operation id and key) so the files
stay the same from run to run; the handler tests load these files and put in the ids of
the jobs they create (tests/integration/test_events.py), so files and handlers cannot
drift apart.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from docsafe.settings import API_VERSION
from docsafe_tools.local.events import authorizer_event, rest_api_event

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
TENANT = "example-tenant"
OPERATION_ID = "0b7c4a52-6f1e-4c3b-9a57-3f2d1e0c9b8a"
API_KEY = "ds_example-key-replace-with-yours"
HOST = "abc123.execute-api.eu-west-1.amazonaws.com"
TIME, EPOCH_MS = "25/Nov/2026:08:00:00 +0000", 1795593600000
SAMPLE = ROOT / "samples" / "letter.png"  # the document `make run` reads
RESULT_PATH = f"/documentintelligence/documentModels/prebuilt-read/analyzeResults/{OPERATION_ID}"
MODEL_RESOURCE = "/documentintelligence/documentModels/{modelId}"
RESULT_RESOURCE = MODEL_RESOURCE + "/analyzeResults/{resultId}"
BATCH_PATH = f"/documentintelligence/documentModels/prebuilt-read/analyzeBatchResults/{OPERATION_ID}"
BATCH_RESOURCE = MODEL_RESOURCE + "/analyzeBatchResults/{resultId}"


def _api(
    method: str,
    path: str,
    resource: str,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: bytes | None = None,
) -> dict[str, Any]:
    event = rest_api_event(
        method,
        path,
        resource=resource,
        path_parameters=path_parameters,
        query=query,
        headers={"Ocp-Apim-Subscription-Key": API_KEY, "Content-Type": "application/octet-stream"},
        body=body,
        host=HOST,
        scheme="https",
        stage_prefix="/api",
        authorizer_context={"tenant": TENANT, "principalId": TENANT},
        source_ip="203.0.113.10",
    )
    event["requestContext"].update(requestId="example-request", requestTime=TIME, requestTimeEpoch=EPOCH_MS)
    return event


def intake_object() -> dict[str, Any]:
    """The object API Gateway stores for the IntakeFunction event: S3 PutObject's arguments
    but the bucket."""
    return {
        "Key": f"intake/{TENANT}/{OPERATION_ID}",
        "Body": SAMPLE.read_bytes(),
        "ContentType": "image/png",
        "Metadata": {"model": "prebuilt-read:analyze", "api-version": API_VERSION},
    }


def _job(**extra: Any) -> dict[str, Any]:
    return {"tenant": TENANT, "operationId": OPERATION_ID, **extra}


def events() -> dict[str, dict[str, Any]]:
    version = {"api-version": API_VERSION}
    result = (RESULT_RESOURCE, {"modelId": "prebuilt-read", "resultId": OPERATION_ID})
    authorize = _api("GET", RESULT_PATH, *result, version)
    authorize["requestContext"].pop("authorizer")
    return {
        "AuthorizerFunction": authorizer_event(authorize, "eu-west-1"),
        "SubmitFunction": _api("POST", "/v1/uploads", "/v1/uploads"),
        # What EventBridge hands the intake function once API Gateway stored an analyze
        # request (the sample letter, analyzed with prebuilt-read: intake_object below).
        "IntakeFunction": {
            "version": "0",
            "id": "example-event",
            "detail-type": "Object Created",
            "source": "aws.s3",
            "account": "123456789012",
            "time": "2026-11-25T08:00:00Z",
            "region": "eu-west-1",
            "resources": ["arn:aws:s3:::docsafe-documents"],
            "detail": {
                "version": "0",
                "bucket": {"name": "docsafe-documents"},
                "object": {"key": f"intake/{TENANT}/{OPERATION_ID}", "size": SAMPLE.stat().st_size},
                "request-id": "example-request",
                "reason": "PutObject",
            },
        },
        "StatusFunction": _api("GET", RESULT_PATH, *result, version),
        "ResultFunction": _api(
            "GET", f"/v1/operations/{OPERATION_ID}/result", "/v1/operations/{id}/result", {"id": OPERATION_ID}
        ),
        "DeleteFunction": _api("DELETE", RESULT_PATH, *result, version),
        "BatchesFunction": _api("GET", BATCH_PATH, BATCH_RESOURCE, result[1], version),
        "AnalyzeBatchFunction": _job(),
        # What Lambda's SQS event source hands the Notify function: one queued callback.
        "NotifyFunction": {
            "Records": [
                {
                    "messageId": "example-message",
                    "receiptHandle": "example-receipt-handle",
                    "body": json.dumps(
                        {
                            "url": "https://hooks.example.com/docsafe",
                            "tenant": TENANT,
                            "detail": {"operationId": OPERATION_ID, "tenant": TENANT, "status": "succeeded"},
                        },
                        separators=(",", ":"),
                    ),
                    "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(EPOCH_MS)},
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:docsafe-callbackqueue",
                    "awsRegion": "eu-west-1",
                }
            ]
        },
        "PrepareFunction": _job(),
        "ReadPageFunction": _job(pages=[1]),
        "AssembleFunction": _job(pages=[1], batches=[[1]]),
        "BuildModelFunction": _job(),
        "MarkFailedFunction": _job(
            error={"Error": "InvalidContent", "Cause": "The file format is not supported."}
        ),
        "PurgeFunction": {
            "version": "0",
            "id": "example-event",
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": "123456789012",
            "time": "2026-11-25T08:00:00Z",
            "region": "eu-west-1",
            "resources": ["arn:aws:events:eu-west-1:123456789012:rule/docsafe-purge"],
            "detail": {},
        },
    }


def render(event: dict[str, Any]) -> str:
    return json.dumps(event, indent=2, sort_keys=True) + "\n"


def main() -> None:
    EVENTS.mkdir(exist_ok=True)
    for name, event in events().items():
        (EVENTS / f"{name}.json").write_text(render(event))
    print(f"wrote {len(events())} events to {EVENTS.relative_to(ROOT)}/", file=sys.stderr)


if __name__ == "__main__":
    main()
