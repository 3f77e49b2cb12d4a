"""The privacy promises of docs/privacy.md, each proven against the whole stack in moto."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from docsafe import runtime
from docsafe.audit import Action, fingerprint
from docsafe.sealing import SealError
from docsafe_tools.cli import app as cli
from docsafe_tools.local.stack import invoke
from typer.testing import CliRunner

from tests.support.clock import Clock
from tests.support.documents import multipage_tiff, text_image, text_pdf
from tests.support.stack import REGION, Harness

SECRET_WORDS = ["Zanzibar", "Quixotic", "Marmalade"]
# Every promise holds whichever Azure API a document came through.
THROUGH_EACH_API = pytest.mark.parametrize("api", ["documentIntelligence", "formRecognizer", "visionRead"])


def finished_job(
    stack: Harness, key: str, lines: list[str] | None = None, api: str = "documentIntelligence"
) -> tuple[str, str]:
    location = stack.submit_through(api, text_pdf([lines or ["nothing special here"]]), key)
    assert stack.wait(location, key)["status"] == "succeeded"
    return location, urlsplit(location).path.rsplit("/", 1)[1]


def _as_text(value: object) -> str:
    return value.hex() if isinstance(value, bytes) else repr(value)


def everything_stored(stack: Harness) -> str:
    """Every object key and every item of every table, as text (binary values as hex)."""
    s3 = boto3.client("s3", region_name=REGION)
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    parts = []
    for bucket in s3.list_buckets()["Buckets"]:
        parts += [o["Key"] for o in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])]
    for table in dynamodb.list_tables()["TableNames"]:
        parts += [json.dumps(item, default=_as_text) for item in dynamodb.scan(TableName=table)["Items"]]
    return "\n".join(parts)


# ------------------------------------------------------------------ delete means gone


@THROUGH_EACH_API
def test_delete_destroys_the_key_so_a_kept_copy_of_the_ciphertext_cannot_be_opened(
    local_stack: Harness, api: str
) -> None:
    key = local_stack.new_key("acme")
    _, operation_id = finished_job(local_stack, key, SECRET_WORDS, api)
    services = runtime.services()
    ref = services.objects.result_ref("acme", operation_id)
    # Given a copy of the sealed result, kept by someone before the delete
    s3 = boto3.client("s3", region_name=REGION)
    kept = s3.get_object(Bucket=ref.bucket, Key=ref.key)["Body"].read()
    job = services.jobs.get("acme", operation_id)
    assert job is not None
    opened = services.data_keys.open_job_key("acme", operation_id, job.wrapped_key).open(kept, ref.kind)
    assert b"Zanzibar" in opened  # the copy is the real thing while the job exists
    assert b"Zanzibar" not in kept  # and ciphertext at rest
    assert job.wrapped_key.hex() in everything_stored(local_stack)  # what the scan below would see
    # When the job is deleted
    assert local_stack.request("DELETE", f"/v1/operations/{operation_id}", key, query="").status == 200
    # Then the only place its wrapped data key lived is gone ...
    assert services.jobs.get("acme", operation_id) is None
    assert job.wrapped_key.hex() not in everything_stored(local_stack)
    # ... and no key the stack still holds opens the copy
    for record in local_stack.job_records():
        other = record["wrappedKey"]["B"]
        job_key = services.data_keys.open_job_key(record["tenant"]["S"], record["operationId"]["S"], other)
        with pytest.raises(SealError):
            job_key.open(kept, ref.kind)


@THROUGH_EACH_API
def test_a_delete_while_the_job_runs_wins_and_leaves_nothing(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch, api: str
) -> None:
    # Given an engine that holds the first page until the test lets it go
    from docsafe.engines import tesseract

    reading, release = threading.Event(), threading.Event()
    original = tesseract.TesseractEngine.read

    def held(self, image, layout=False):  # type: ignore[no-untyped-def]
        reading.set()
        assert release.wait(30)
        return original(self, image, layout)

    monkeypatch.setattr(tesseract.TesseractEngine, "read", held)
    key = local_stack.new_key("acme")
    tiff = multipage_tiff([text_image(["page one"]), text_image(["page two"])])
    location = local_stack.submit_through(api, tiff, key)
    assert reading.wait(30)
    # When the client deletes while a page is being read
    assert local_stack.request("DELETE", location, key).status == 204
    release.set()
    local_stack.wait_for_executions()
    # Then the pipeline stopped writing and nothing of the job is stored
    assert local_stack.stored_objects() == []
    assert local_stack.job_records() == []
    assert local_stack.request("GET", location, key).status == 404


# ------------------------------------------------------------------ retention


@THROUGH_EACH_API
def test_past_retention_nothing_is_readable_and_after_the_purge_nothing_is_stored(
    local_stack: Harness, fake_clock: Clock, api: str
) -> None:
    key = local_stack.new_key("acme")
    location, operation_id = finished_job(local_stack, key, api=api)
    retention = local_stack.settings.retention_seconds
    # A second before the end of retention the job is readable
    fake_clock.now += retention - 1
    assert local_stack.request("GET", location, key).status == 200
    # One second past it, no read path finds it, even though the purge has not run
    fake_clock.now += 2
    answers = [
        local_stack.request("GET", location, key),
        local_stack.request("GET", f"/v1/operations/{operation_id}", key, query=""),
        local_stack.request("GET", f"/v1/operations/{operation_id}/result", key, query=""),
        local_stack.request("DELETE", location, key),
    ]
    assert [a.status for a in answers] == [404, 404, 404, 404]
    listed = local_stack.request("GET", "/v1/operations", key, query="").json()["value"]
    assert listed == []
    assert local_stack.stored_objects()  # still there, unreadable, until the purge
    # When the scheduled purge runs, nothing of the job is stored
    report = invoke(local_stack.stack, "PurgeFunction", {"source": "aws.events"})
    assert report == {"expiredJobs": 1, "orphanObjects": 0, "recoveredJobs": 0}
    assert local_stack.stored_objects() == [] and local_stack.job_records() == []
    actions = [e.action for e in runtime.services().audit.entries("acme", operation_id)]
    assert actions[-1] is Action.EXPIRED


def test_the_purge_takes_jobs_that_would_expire_before_its_next_run(
    local_stack: Harness, fake_clock: Clock
) -> None:
    key = local_stack.new_key("acme")
    _, operation_id = finished_job(local_stack, key)
    settings = local_stack.settings
    fake_clock.now += settings.retention_seconds - settings.purge_interval_seconds - 5
    assert invoke(local_stack.stack, "PurgeFunction", {})["expiredJobs"] == 0
    fake_clock.now += 10  # the next run would come after the job's retention ended
    assert invoke(local_stack.stack, "PurgeFunction", {})["expiredJobs"] == 1
    assert runtime.services().jobs.get("acme", operation_id) is None


def test_the_purge_sweeps_objects_left_without_a_job(local_stack: Harness, fake_clock: Clock) -> None:
    # Given a sealed object whose job record no longer exists (a write that raced a delete)
    s3 = boto3.client("s3", region_name=REGION)
    bucket = local_stack.settings.documents_bucket
    s3.put_object(
        Bucket=bucket, Key="jobs/acme/0f0f0f0f-0000-4000-8000-000000000000/pages/00001.json", Body=b"x"
    )
    assert invoke(local_stack.stack, "PurgeFunction", {})["orphanObjects"] == 0  # within the grace
    fake_clock.now += 120
    assert invoke(local_stack.stack, "PurgeFunction", {})["orphanObjects"] == 1
    assert local_stack.stored_objects() == []


# ------------------------------------------------------------------ isolation


@THROUGH_EACH_API
def test_unknown_foreign_deleted_and_expired_ids_answer_identically(
    local_stack: Harness, fake_clock: Clock, api: str
) -> None:
    acme, evil = local_stack.new_key("acme"), local_stack.new_key("evil")
    foreign_location, _ = finished_job(local_stack, acme, api=api)
    deleted_location, _ = finished_job(local_stack, evil, api=api)
    local_stack.request("DELETE", deleted_location, evil)
    expired_location, _ = finished_job(local_stack, evil, api=api)
    path, _, query = deleted_location.partition("?")
    unknown_location = (
        path.rsplit("/", 1)[0] + "/5f0c5f0c-1111-4222-8333-944444444444" + (f"?{query}" if query else "")
    )
    fake_clock.now += 10  # keep the others young ...
    answers = []
    for location in (unknown_location, foreign_location, deleted_location):
        answer = local_stack.request("GET", location, evil)
        answers.append((answer.status, answer.json()))
    fake_clock.now += local_stack.settings.retention_seconds  # ... then let one expire
    answer = local_stack.request("GET", expired_location, evil)
    answers.append((answer.status, answer.json()))
    assert all(a == answers[0] for a in answers) and answers[0][0] == 404


def test_listing_shows_only_the_callers_operations(local_stack: Harness) -> None:
    acme, evil = local_stack.new_key("acme"), local_stack.new_key("evil")
    _, mine = finished_job(local_stack, acme)
    finished_job(local_stack, evil)
    listed = local_stack.request("GET", "/v1/operations", acme, query="").json()["value"]
    assert [op["operationId"] for op in listed] == [mine]


@THROUGH_EACH_API
def test_an_object_copied_under_another_tenants_job_cannot_be_opened(local_stack: Harness, api: str) -> None:
    acme, evil = local_stack.new_key("acme"), local_stack.new_key("evil")
    _, acme_op = finished_job(local_stack, acme, SECRET_WORDS, api)
    _, evil_op = finished_job(local_stack, evil, api=api)
    services = runtime.services()
    source = services.objects.result_ref("acme", acme_op)
    target = services.objects.result_ref("evil", evil_op)
    # Given acme's sealed result copied over evil's result object
    s3 = boto3.client("s3", region_name=REGION)
    s3.copy_object(
        Bucket=target.bucket, Key=target.key, CopySource={"Bucket": source.bucket, "Key": source.key}
    )
    evil_job = services.jobs.get("evil", evil_op)
    assert evil_job is not None
    evil_key = services.data_keys.open_job_key("evil", evil_op, evil_job.wrapped_key)
    # Then evil's own key cannot open it, and KMS will not unwrap acme's key for evil
    with pytest.raises(SealError):
        services.objects.get(target, evil_key)
    acme_job = services.jobs.get("acme", acme_op)
    assert acme_job is not None
    with pytest.raises(ClientError) as refused:
        services.data_keys.open_job_key("evil", acme_op, acme_job.wrapped_key)
    assert refused.value.response["Error"]["Code"] == "InvalidCiphertextException"


# ------------------------------------------------------------------ keys


def test_keys_cli_creates_lists_and_revokes_keys_that_are_stored_hashed(local_stack: Harness) -> None:
    runner = CliRunner()
    created = runner.invoke(cli, ["keys", "create", "acme"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    key_id = created.output.split("key id ")[1].split()[0]
    assert len(key) >= 40 and key not in everything_stored(local_stack)
    assert local_stack.request("GET", "/v1/operations", key, query="").status == 200
    listed = runner.invoke(cli, ["keys", "list"])
    assert key_id in listed.output and "acme" in listed.output and key not in listed.output
    assert runner.invoke(cli, ["keys", "revoke", key_id]).exit_code == 0
    # The authorizer caches nothing: the very next request is refused
    assert local_stack.request("GET", "/v1/operations", key, query="").status == 401
    assert runner.invoke(cli, ["keys", "revoke", "nonexistent0"]).exit_code == 1


# ------------------------------------------------------------------ no content outside sealed objects


class Captured(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


def test_no_document_text_file_name_or_key_leaves_the_sealed_objects(local_stack: Harness) -> None:
    # Given every log record the service writes, in the format it writes them (its logger
    # set up first, as any function's import does: else powertools would take the
    # captured handler for its own)
    Logger(service="docsafe")
    service_logger = logging.getLogger("docsafe")
    captured = Captured()
    if service_logger.handlers:
        captured.setFormatter(service_logger.handlers[0].formatter)
    service_logger.addHandler(captured)
    try:
        key = local_stack.new_key("acme")
        secret_file = "merger-plans-confidential.pdf"
        bodies: list[Any] = []
        # When a whole job runs with known words, its file name offered in a header ...
        pdf = text_pdf([[" ".join(SECRET_WORDS)]])
        answer = local_stack.gateway.handle(
            "POST",
            "/documentintelligence/documentModels/prebuilt-read:analyze",
            query="api-version=2024-11-30",
            headers={
                "Ocp-Apim-Subscription-Key": key,
                "Content-Disposition": f'attachment; filename="{secret_file}"',
            },
            body=pdf,
        )
        location = urlsplit(answer.headers["Operation-Location"]).path
        result = local_stack.wait(location, key)
        assert "Zanzibar" in result["analyzeResult"]["content"]
        # ... and requests that fail, with the words in them
        bodies.append(
            local_stack.request(
                "POST",
                "/documentintelligence/documentModels/prebuilt-read:analyze",
                key,
                body=b"Zanzibar Quixotic plain text",
            ).body
        )
        bodies.append(
            local_stack.request(
                "POST",
                "/documentintelligence/documentModels/prebuilt-read:analyze",
                key,
                query="api-version=2024-11-30&pages=Zanzibar",
                body=pdf,
            ).body
        )
        failed = local_stack.submit(b"%PDF-1.7 Zanzibar Quixotic broken", key)
        bodies.append(json.dumps(local_stack.wait(failed, key)))
        # ... and the same through Form Recognizer and Vision Read v3.2
        recognized = local_stack.wait(local_stack.submit_through("formRecognizer", pdf, key), key)
        assert "Zanzibar" in recognized["analyzeResult"]["content"]
        refused = local_stack.submit_through("formRecognizer", b"Zanzibar Quixotic plain text", key)
        bodies.append(json.dumps(local_stack.wait(refused, key)))
        read = local_stack.read(pdf, key)
        assert "Zanzibar" in json.dumps(local_stack.wait(read, key)["analyzeResult"])
        for unread in (
            local_stack.read(b"Zanzibar Quixotic plain text", key),
            local_stack.read(pdf, key, query="language=Quixotic"),
            local_stack.read(b"%PDF-1.7 Zanzibar Quixotic broken", key),
        ):
            bodies.append(json.dumps(local_stack.wait(unread, key)))
        refused_at_once = local_stack.request(
            "POST", "/vision/v3.2/read/analyze", key, query="pages=Zanzibar", body=pdf
        )
        assert refused_at_once.status == 400
        bodies.append(refused_at_once.body)
        bodies.append(
            local_stack.request("GET", location.replace("analyzeResults/", "analyzeResults/x"), key).body
        )
        # ... and read while the request waits (Image Analysis), and refused there
        analyze_image = "/computervision/imageanalysis:analyze"
        answered = local_stack.request(
            "POST", analyze_image, key, query="features=read&api-version=2024-02-01", body=pdf
        )
        assert answered.status == 200 and b"Zanzibar" in answered.body
        for query, body in (
            ("features=read&api-version=2024-02-01", b"Zanzibar Quixotic plain text"),
            ("features=read&api-version=2024-02-01&language=Zanzibar", pdf),
        ):
            bodies.append(local_stack.request("POST", analyze_image, key, query=query, body=body).body)
    finally:
        service_logger.removeHandler(captured)
    # Then none of it is in the logs, the execution histories, the error bodies or storage
    sfn = boto3.client("stepfunctions", region_name=REGION)
    histories = []
    for execution in sfn.list_executions(stateMachineArn=local_stack.stack.state_machine_arn)["executions"]:
        histories.append(
            json.dumps(
                sfn.get_execution_history(executionArn=execution["executionArn"])["events"], default=str
            )
        )
        histories.append(
            json.dumps(sfn.describe_execution(executionArn=execution["executionArn"]), default=str)
        )
    haystacks = {
        "logs": "\n".join(captured.lines),
        "execution history": "\n".join(histories),
        "error bodies": "\n".join(b.decode() if isinstance(b, bytes) else b for b in bodies),
        "storage": everything_stored(local_stack),
    }
    assert captured.lines and histories  # the scan looked at something
    for where, text in haystacks.items():
        for needle in [*SECRET_WORDS, secret_file, "merger-plans", key]:
            assert needle.lower() not in text.lower(), f"{needle!r} found in {where}"


# ------------------------------------------------------------------ receipts and audit


@THROUGH_EACH_API
def test_each_job_leaves_a_content_free_audit_trail_and_a_delete_receipt(
    local_stack: Harness, api: str
) -> None:
    key = local_stack.new_key("acme")
    location, operation_id = finished_job(local_stack, key, SECRET_WORDS, api)
    answer = local_stack.request("DELETE", location, key)
    assert answer.status == 204
    receipt = json.loads(answer.headers["x-docsafe-receipt"])
    assert receipt["operationId"] == operation_id and receipt["destroyed"]["dataKey"] is True
    # The input and the result: the pages went once they were in the result
    assert (
        receipt["destroyed"]["objects"] == 2
        and receipt["destroyed"]["input"]
        and receipt["destroyed"]["result"]
    )
    entries = runtime.services().audit.entries("acme", operation_id)
    assert [e.action for e in entries] == [Action.SUBMITTED, Action.READ, Action.DELETED]
    assert all(e.tenant == "acme" and e.operation == fingerprint(operation_id) for e in entries)
    assert entries[-1].entry_id == receipt["receiptId"]
    assert runtime.services().audit.entries("other", operation_id) == []
    stored = everything_stored(local_stack)
    assert operation_id not in stored and "Zanzibar" not in stored


def test_uploads_never_analyzed_are_swept_after_their_ttl(local_stack: Harness, fake_clock: Clock) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    bucket = local_stack.settings.documents_bucket
    s3.put_object(Bucket=bucket, Key="uploads/acme/0f0f0f0f-0000-4000-8000-00000000abcd", Body=b"%PDF-1.7")
    assert invoke(local_stack.stack, "PurgeFunction", {})["orphanObjects"] == 0
    fake_clock.now += local_stack.settings.upload_ttl_seconds
    assert invoke(local_stack.stack, "PurgeFunction", {})["orphanObjects"] == 1
    assert local_stack.stored_objects() == []
