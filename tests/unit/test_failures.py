import json
from types import SimpleNamespace

import pytest
from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError
from docsafe.failures import InvalidContent, TransientError, job_error_for
from docsafe.jobs import Job, JobError, Status
from docsafe.stages import RECORDED, JobRef, StageFailed, stage_errors


def lambda_cause(error_type: str, message: str) -> str:
    return json.dumps({"errorType": error_type, "errorMessage": message})


def test_document_failures_keep_their_code_and_message() -> None:
    error = job_error_for("InvalidContent", lambda_cause("InvalidContent", "The PDF has no pages."))
    assert (error.code, error.inner_code, error.message) == (
        "InvalidRequest",
        "InvalidContent",
        "The PDF has no pages.",
    )


def test_anything_else_gets_a_fixed_text() -> None:
    error = job_error_for("KeyError", lambda_cause("KeyError", "'secret words'"))
    assert error.code == "InternalServerError" and "secret" not in error.message
    assert job_error_for("States.Timeout", None).inner_code == "Timeout"


def test_stage_errors_hide_exception_text_and_mark_throttling_transient() -> None:
    with pytest.raises(StageFailed) as crashed, stage_errors("read_page"):
        raise ValueError("could not decode 'confidential text'")
    assert "confidential" not in str(crashed.value) and "ValueError" in str(crashed.value)

    throttled = ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Decrypt")
    with pytest.raises(TransientError), stage_errors("prepare"):
        raise throttled

    with pytest.raises(InvalidContent), stage_errors("prepare"):
        raise InvalidContent("The PDF has no pages.")


@pytest.fixture(autouse=True)
def handler_logger() -> None:
    """The handler's logger, the parent of the domain's (as in every function)."""
    Logger(service="docsafe")


class FailedJobs:
    """A job store that holds one job and records how it failed."""

    def __init__(self) -> None:
        self.failed: list[JobError] = []

    def get(self, tenant: str, operation_id: str) -> Job:
        return Job(tenant, operation_id, "prebuilt-read", Status.RUNNING, 0.0, 0.0, 1.0, b"")

    def fail(self, job: Job, error: JobError) -> None:
        self.failed.append(error)


def test_a_stage_records_a_document_failure_on_the_job_and_reports_only_a_fixed_text() -> None:
    jobs = FailedJobs()
    ref = JobRef("acme", "op-1")
    with (
        pytest.raises(InvalidContent) as failed,
        stage_errors("prepare", ref, lambda: SimpleNamespace(jobs=jobs)),
    ):
        raise InvalidContent("payroll-march.pdf has no pages.")
    # The tenant reads the reason on its job; Step Functions' history keeps only the fixed text
    assert [error.message for error in jobs.failed] == ["payroll-march.pdf has no pages."]
    assert str(failed.value) == RECORDED


def test_a_stage_whose_services_cannot_be_built_fails_classified_and_without_their_text() -> None:
    def broken() -> SimpleNamespace:
        raise ValueError("DOCSAFE_JOBS_TABLE 'tenant-secret' is not set")

    with pytest.raises(StageFailed) as crashed, stage_errors("prepare", JobRef("acme", "op-1"), broken):
        broken().jobs.get("acme", "op-1")  # the handler's first use of them, inside the block
    assert "secret" not in str(crashed.value)
    with pytest.raises(TypeError), stage_errors("prepare", JobRef("acme", "op-1")):
        pass


def test_pages_are_batched_to_the_concurrency_within_limits() -> None:
    from docsafe.pipeline import MAX_BATCH, batches

    assert batches([1, 2, 3], 10) == [[1], [2], [3]]
    assert batches(list(range(1, 11)), 2) == [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]]
    big = batches(list(range(1, 2001)), 10)
    assert len(big) == 2000 // MAX_BATCH and max(len(b) for b in big) == MAX_BATCH
    assert [p for b in big for p in b] == list(range(1, 2001))
