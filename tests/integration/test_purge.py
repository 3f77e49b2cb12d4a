"""The purge keeps up: it fans out, checks each job's record once however many objects it
has, does the most pressing work first when time runs short, and publishes its figures
(counts only) as CloudWatch metrics."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import boto3
import pytest
from docsafe import aws, retention, runtime
from docsafe.audit import Action
from docsafe.clock import Deadline
from docsafe.housekeeping import METRIC_NAMES, METRICS_NAMESPACE
from docsafe.jobs import JobStore
from docsafe.retention import purge_expired
from docsafe_tools.local.stack import invoke

from tests.support.clock import Clock
from tests.support.stack import REGION, Harness


def new_job(stack: Harness, tenant: str = "acme", objects: tuple[str, ...] = ("input",)) -> str:
    """A job record and a few (unsealed, stand-in) objects, as fast as moto takes them."""
    services = runtime.services()
    operation_id = str(uuid.uuid4())
    services.jobs.create(
        tenant=tenant,
        operation_id=operation_id,
        model_id="prebuilt-read",
        wrapped_key=b"wrapped",
        content_format="text",
        retention_seconds=stack.settings.retention_seconds,
        options={},
    )
    put_objects(stack, tenant, operation_id, objects)
    return operation_id


def put_objects(stack: Harness, tenant: str, operation_id: str, names: tuple[str, ...]) -> None:
    s3 = boto3.client("s3", region_name=REGION)
    for name in names:
        bucket = (
            stack.settings.results_bucket if name.startswith("result") else stack.settings.documents_bucket
        )
        s3.put_object(Bucket=bucket, Key=f"jobs/{tenant}/{operation_id}/{name}", Body=b"sealed")


def calls_to(service: str) -> list[tuple[str, dict[str, Any]]]:
    """Every call the service's shared client makes from now on: (operation, parameters)."""
    client = aws.resource("dynamodb").meta.client if service == "dynamodb" else aws.client(service)
    seen: list[tuple[str, dict[str, Any]]] = []

    def note(model: Any, params: dict[str, Any], **_: Any) -> None:
        seen.append((model.name, dict(params)))

    client.meta.events.register(f"before-parameter-build.{service}", note)
    return seen


def test_a_run_short_of_time_purges_uploads_and_the_earliest_jobs_and_reports_the_rest(
    local_stack: Harness, fake_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given eight jobs created a second apart, and an upload nobody analyzed
    operations = []
    for _ in range(8):
        operations.append(new_job(local_stack))
        fake_clock.now += 1
    s3 = boto3.client("s3", region_name=REGION)
    bucket = local_stack.settings.documents_bucket
    s3.put_object(Bucket=bucket, Key=f"uploads/acme/{uuid.uuid4()}", Body=b"never analyzed")
    # And a run whose time is up once three jobs are purged
    purged: list[str] = []
    original = JobStore.remove

    def remove(self: JobStore, tenant: str, operation_id: str) -> Any:
        purged.append(operation_id)
        return original(self, tenant, operation_id)

    monkeypatch.setattr(JobStore, "remove", remove)
    deadline = Deadline(lambda: 60_000 if len(purged) < 3 else 0)
    # When it runs after their retention ended
    fake_clock.now += local_stack.settings.retention_seconds
    report = purge_expired(runtime.services(), deadline, workers=2)
    # Then the upload is gone, the jobs purged are the earliest ones, the rest is a backlog
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="uploads/").get("Contents", [])] == []
    assert 3 <= len(purged) < 8
    assert set(purged) == set(operations[: len(purged)])
    assert report.jobs == len(purged) and report.backlog == 8 - len(purged)
    assert report.orphans == 1
    # And the sweep, last in line, was left for the next run
    assert report.sweep_left > 0
    left = {record["operationId"]["S"] for record in local_stack.job_records()}
    assert left == set(operations[len(purged) :])
    # And the next run, with time enough, catches up
    monkeypatch.undo()
    report = purge_expired(runtime.services())
    assert report.jobs == 8 - len(purged) and report.backlog == 0 and report.sweep_left == 0
    assert local_stack.job_records() == [] and local_stack.stored_objects() == []


def test_the_sweep_checks_each_job_once_however_many_objects_it_has(
    local_stack: Harness, fake_clock: Clock
) -> None:
    # Given three jobs whose records are gone but whose objects stayed (writes racing a
    # delete), five objects each across both buckets, and a live job with the same layout
    pages = ("input", "pages/00001.json", "pages/00002.json", "pages/00003.json", "result.json")
    strays = [str(uuid.uuid4()) for _ in range(3)]
    for operation_id in strays:
        put_objects(local_stack, "acme", operation_id, pages)
    live = new_job(local_stack, objects=pages)
    fake_clock.now += 2 * retention.ORPHAN_GRACE_SECONDS
    calls = calls_to("dynamodb")
    # When the purge runs
    report = purge_expired(runtime.services())
    # Then every stray object is gone, the live job keeps all of its own
    assert report.orphans == 15
    settings = local_stack.settings
    bucket_of = {name: settings.documents_bucket for name in pages} | {"result.json": settings.results_bucket}
    assert sorted(local_stack.stored_objects()) == sorted(
        f"{bucket_of[name]}/jobs/acme/{live}/{name}" for name in pages
    )
    # And each job's record was looked up once, in one batch, not once per object
    jobs_table = local_stack.settings.jobs_table
    assert [op for op, params in calls if op == "GetItem" and params["TableName"] == jobs_table] == []
    batches = [params["RequestItems"][jobs_table]["Keys"] for op, params in calls if op == "BatchGetItem"]
    assert len(batches) == 1
    # (the table's client may have typed the keys already: {"S": ...})
    asked = [key["operationId"] for key in batches[0]]
    assert sorted(v["S"] if isinstance(v, dict) else v for v in asked) == sorted([*strays, live])


def test_expired_jobs_are_purged_side_by_side_each_thread_with_its_own_table_object(
    local_stack: Harness, fake_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given four expired jobs, and record deletes that wait until four run at once
    for _ in range(4):
        new_job(local_stack)
    together = threading.Barrier(4, timeout=10)
    tables: dict[int, Any] = {}
    original = JobStore.remove

    def remove(self: JobStore, tenant: str, operation_id: str) -> Any:
        tables[threading.get_ident()] = self._table
        together.wait()  # a serial purge never gets past this: the barrier breaks
        return original(self, tenant, operation_id)

    monkeypatch.setattr(JobStore, "remove", remove)
    fake_clock.now += local_stack.settings.retention_seconds
    # When the purge runs
    report = purge_expired(runtime.services())
    # Then all four were purged at the same time, on four threads
    assert report.jobs == 4 and report.backlog == 0
    assert local_stack.job_records() == []
    # And each thread used a table object of its own over the one shared client
    assert len(tables) == 4 and len({id(table) for table in tables.values()}) == 4
    shared = aws.resource("dynamodb").meta.client
    assert all(table.meta.client is shared for table in tables.values())
    # And every job left its receipt in the audit trail
    audit = runtime.services().audit.entries("acme")
    assert [entry.action for entry in audit].count(Action.EXPIRED) == 4


def test_an_expired_jobs_open_upload_goes_with_it_and_its_receipt_counts_its_objects(
    local_stack: Harness, fake_clock: Clock
) -> None:
    # Given an expired job with three objects and a result upload that never completed
    operation_id = new_job(local_stack, objects=("input", "pages/00001.json", "result.json"))
    s3 = boto3.client("s3", region_name=REGION)
    bucket, key = local_stack.settings.results_bucket, f"jobs/acme/{operation_id}/result.pdf"
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key)
    s3.upload_part(Bucket=bucket, Key=key, UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 100)
    fake_clock.now += local_stack.settings.retention_seconds
    # When the purge runs
    assert purge_expired(runtime.services()).jobs == 1
    # Then nothing of the job is left, not even the parts of its upload
    assert local_stack.stored_objects() == [] and local_stack.job_records() == []
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    # And its receipt says what was destroyed
    (entry,) = runtime.services().audit.entries("acme", operation_id)
    assert entry.action is Action.EXPIRED and entry.details == {"objects": 3, "record": True}


def test_a_large_tenant_is_swept_as_parallel_ranges_and_no_key_is_missed(
    local_stack: Harness, fake_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a tenant with stray objects under ids of every first digit, some that are no
    # UUIDs at all (sorting between and after the hex digits), and two live jobs
    monkeypatch.setattr(retention, "SPLIT_AFTER", 5)
    ids = [str(uuid.uuid4()) for _ in range(40)] + ["::odd", "A-upper", "zz-last", "0000", "ffff"]
    for operation_id in ids:
        put_objects(local_stack, "acme", operation_id, ("input", "result.json"))
    live = [new_job(local_stack, objects=("input", "result.json")) for _ in range(2)]
    fake_clock.now += 2 * retention.ORPHAN_GRACE_SECONDS
    listings = calls_to("s3")
    # When the purge runs
    report = purge_expired(runtime.services())
    # Then every stray is gone and both live jobs are whole
    assert report.orphans == 2 * len(ids) and report.sweep_left == 0
    kept = {key.split("/")[3] for key in local_stack.stored_objects()}
    assert kept == set(live) and len(local_stack.stored_objects()) == 4
    # And the tenant's keys were listed as ranges starting at different places
    starts = {p.get("StartAfter") for op, p in listings if op == "ListObjectsV2" and "Delimiter" not in p}
    assert len(starts - {None}) > 1


def test_the_scheduled_run_publishes_its_figures_and_nothing_of_any_tenant(
    local_stack: Harness,
    fake_clock: Clock,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)  # as on Lambda (local mode sets it)
    # Given an expired job of a tenant whose name must not reach the metrics
    operation_id = new_job(local_stack, tenant="acme-secret-tenant", objects=("input", "result.json"))
    fake_clock.now += local_stack.settings.retention_seconds
    capsys.readouterr()
    # When the scheduled function runs
    answer = invoke(local_stack.stack, "PurgeFunction", {"source": "aws.events"})
    # Then it printed one metrics document in CloudWatch's embedded metric format
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert len(printed) == 1
    (emf,) = printed
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == METRICS_NAMESPACE
    # With the stack and the service as its only dimensions
    assert [sorted(dimensions) for dimensions in directive["Dimensions"]] == [["service", "stack"]]
    assert (emf["service"], emf["stack"]) == ("docsafe", "docsafe-local")
    assert {metric["Name"] for metric in directive["Metrics"]} == set(METRIC_NAMES)
    # (one value each: EMF carries them as lists)
    assert emf["ExpiredJobsPurged"] == [1] and emf["PurgeBacklog"] == [0] and emf["JobsRecovered"] == [0]
    assert emf["OrphanObjectsSwept"] == [0] and emf["SweepRangesLeft"] == [0]
    assert len(emf["PurgeDuration"]) == 1 and emf["PurgeDuration"][0] >= 0
    # And nothing that names a tenant, a job or an object
    text = json.dumps(emf)
    assert "acme" not in text and operation_id not in text and "jobs/" not in text
    assert answer == {"expiredJobs": 1, "orphanObjects": 0, "recoveredJobs": 0}


def test_a_phase_that_fails_does_not_hold_back_the_expired_jobs(
    local_stack: Harness, fake_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe.storage import DeleteFailed, SealedStore

    # Given an expired job and a stale upload that S3 keeps refusing to delete
    operation_id = new_job(local_stack)
    s3 = boto3.client("s3", region_name=REGION)
    s3.put_object(Bucket=local_stack.settings.documents_bucket, Key=f"uploads/acme/{uuid.uuid4()}", Body=b"x")
    original = SealedStore.delete_keys

    def refusing(self: SealedStore, bucket: str, keys: list[str]) -> int:
        if any(key.startswith("uploads/") for key in keys):
            raise DeleteFailed("S3 refused to delete 1 of 1 objects")
        return original(self, bucket, keys)

    monkeypatch.setattr(SealedStore, "delete_keys", refusing)
    fake_clock.now += local_stack.settings.retention_seconds
    # When the purge runs, the failure is reported
    with pytest.raises(retention.PurgeIncomplete):
        purge_expired(runtime.services())
    # But the expired job went all the same, with its receipt
    assert operation_id not in {r["operationId"]["S"] for r in local_stack.job_records()}
    assert [e.action for e in runtime.services().audit.entries("acme", operation_id)] == [Action.EXPIRED]


def test_receipts_are_written_for_destroyed_records_even_when_their_objects_fail(
    local_stack: Harness, fake_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe.storage import SealedStore

    # Given an expired job whose objects S3 fails to delete (a throttled listing, say)
    operation_id = new_job(local_stack, objects=("input", "result.json"))

    def failing(self: SealedStore, tenant: str, operation_id: str) -> list[tuple[str, str]]:
        raise RuntimeError("listing failed")

    monkeypatch.setattr(SealedStore, "keys_of", failing)
    fake_clock.now += local_stack.settings.retention_seconds
    with pytest.raises(retention.PurgeIncomplete):
        purge_expired(runtime.services())
    # Then its key is destroyed and the audit trail says so; the sweep takes the objects later
    assert local_stack.job_records() == []
    (entry,) = runtime.services().audit.entries("acme", operation_id)
    assert entry.action is Action.EXPIRED and entry.details["record"] is True
    monkeypatch.undo()
    fake_clock.now += retention.ORPHAN_GRACE_SECONDS
    purge_expired(runtime.services())
    assert local_stack.stored_objects() == []


def test_an_aborted_upload_between_listing_and_abort_is_no_failure(
    local_stack: Harness, fake_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe.storage import SealedStore

    operation_id = new_job(local_stack)
    s3 = boto3.client("s3", region_name=REGION)
    bucket, key = local_stack.settings.results_bucket, f"jobs/acme/{operation_id}/result.pdf"
    s3.create_multipart_upload(Bucket=bucket, Key=key)
    original = SealedStore.unfinished_uploads

    def listed_then_gone(self: SealedStore) -> Any:
        found = original(self)
        for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        return found

    monkeypatch.setattr(SealedStore, "unfinished_uploads", listed_then_gone)
    fake_clock.now += local_stack.settings.retention_seconds
    assert purge_expired(runtime.services()).jobs == 1
    assert local_stack.job_records() == [] and local_stack.stored_objects() == []


def test_objects_of_a_job_made_under_a_longer_retention_stay_while_its_record_does(
    local_stack: Harness, fake_clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a live job made under 24 hours, then the stack's retention lowered to 12
    operation_id = new_job(local_stack, objects=("input", "result.json"))
    monkeypatch.setenv("DOCSAFE_RETENTION_SECONDS", str(12 * 3600))
    runtime.reset()
    fake_clock.now += 13 * 3600
    # When the purge runs, past the new retention but within the job's own
    purge_expired(runtime.services())
    # Then the job and its objects are still there: it expires when its record says
    assert {r["operationId"]["S"] for r in local_stack.job_records()} == {operation_id}
    assert len(local_stack.stored_objects()) == 2
