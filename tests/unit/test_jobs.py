import pytest
from docsafe.jobs import JobError, JobExists, JobStore, Status, TransitionRejected

from tests.support.clock import Clock
from tests.support.stack import table_from_template


@pytest.fixture
def store(aws: None) -> tuple[JobStore, Clock]:
    # The table as template.yaml declares it.
    table = table_from_template("JobsTable")
    clock = Clock(1_000_000.0)
    return JobStore(table, clock), clock


def new_job(store: JobStore, tenant: str = "acme", op: str = "op-1"):  # type: ignore[no-untyped-def]
    return store.create(
        tenant=tenant,
        operation_id=op,
        model_id="prebuilt-read",
        wrapped_key=b"wrapped",
        content_format="png",
        retention_seconds=3600,
        options={"pages": "1"},
    )


def test_jobs_move_forward_only(store: tuple[JobStore, Clock]) -> None:
    jobs, _ = store
    job = new_job(jobs)
    with pytest.raises(TransitionRejected):
        jobs.transition(job, Status.SUCCEEDED)  # not running yet
    jobs.transition(job, Status.RUNNING)
    jobs.transition(job, Status.SUCCEEDED)
    with pytest.raises(TransitionRejected):
        jobs.fail(job, JobError("InvalidRequest", "late"))
    stored = jobs.get("acme", "op-1")
    assert stored is not None and stored.status is Status.SUCCEEDED and stored.wrapped_key == b"wrapped"
    assert stored.options == {"pages": "1"}


def test_a_deleted_job_can_never_be_written_again(store: tuple[JobStore, Clock]) -> None:
    jobs, _ = store
    job = new_job(jobs)
    assert jobs.delete("acme", "op-1") is True
    with pytest.raises(TransitionRejected):
        jobs.transition(job, Status.RUNNING)
    assert jobs.get("acme", "op-1") is None
    assert jobs.delete("acme", "op-1") is False


def test_the_same_operation_id_cannot_be_created_twice(store: tuple[JobStore, Clock]) -> None:
    jobs, _ = store
    new_job(jobs)
    with pytest.raises(JobExists):
        new_job(jobs)


def test_jobs_are_invisible_from_the_end_of_retention_and_to_other_tenants(
    store: tuple[JobStore, Clock],
) -> None:
    jobs, clock = store
    new_job(jobs)
    assert jobs.visible("other", "op-1") is None
    clock.now += 3599
    assert jobs.visible("acme", "op-1") is not None
    clock.now += 1
    assert jobs.visible("acme", "op-1") is None


def test_failure_is_recorded_with_its_codes(store: tuple[JobStore, Clock]) -> None:
    jobs, _ = store
    job = new_job(jobs)
    jobs.fail(job, JobError("InvalidRequest", "The file is corrupted.", "InvalidContent"))
    stored = jobs.get("acme", "op-1")
    assert stored is not None and stored.status is Status.FAILED
    assert stored.error is not None and stored.error.to_wire() == {
        "code": "InvalidRequest",
        "message": "The file is corrupted.",
        "innererror": {"code": "InvalidContent", "message": "The file is corrupted."},
    }
