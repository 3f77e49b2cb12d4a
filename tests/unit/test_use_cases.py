"""The use cases built directly from the narrow collaborators they take (no AWS, no
composition root): what they decide, with stand-ins for the stores and a hand-moved clock."""

from __future__ import annotations

import dataclasses
import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from docsafe.analysis import Operations
from docsafe.contract.errors import NotFound
from docsafe.intake import INTAKE_ATTEMPTS_SECONDS, Pending
from docsafe.jobs import Job, JobError, Status
from docsafe.specs import AnalysisSpec, BatchSpec, BuildSpec, Contract
from docsafe.watchdog import GRACE_SECONDS, recover_stuck
from docsafe.workflows import MISSING, Workflows

from tests.support.clock import Clock

ARRIVED = 1_800_000_000.0
STATE_MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:docsafe-analysis"
BUILD_MACHINE = "arn:aws:states:eu-west-1:123456789012:stateMachine:docsafe-build"
SETTINGS: Any = SimpleNamespace(
    retention_seconds=86_400, state_machine_arn=STATE_MACHINE, build_state_machine_arn=BUILD_MACHINE
)


class NoJobs:
    """A job store that holds nothing (the request has not been taken in yet)."""

    def visible(self, tenant: str, operation_id: str) -> None:
        return None


class WaitingIntake:
    def __init__(self, pending: Pending | None):
        self._pending = pending

    def pending(self, tenant: str, operation_id: str) -> Pending | None:
        return self._pending


def operations(intake: WaitingIntake, now: Clock) -> Operations:
    unused: Any = None  # collaborators a status read never touches
    return Operations(
        jobs=NoJobs(),  # type: ignore[arg-type]
        objects=unused,
        data_keys=unused,
        uploads=unused,
        intake=intake,  # type: ignore[arg-type]
        audit=unused,
        rate_limiter=unused,
        workflows=unused,
        models=unused,
        batches=unused,
        purge=unused,
        settings=SETTINGS,
        now=now,
    )


def test_a_request_waiting_to_be_taken_in_reads_not_started_until_its_retries_are_over() -> None:
    operation_id = str(uuid.uuid4())
    clock = Clock(ARRIVED + 1)
    reader = operations(
        WaitingIntake(Pending(ARRIVED, "prebuilt-read", Contract.DOCUMENT_INTELLIGENCE)), clock
    )

    waiting = reader.snapshot("acme", operation_id).job
    assert (waiting.status, waiting.model_id, waiting.created_at) == (
        Status.NOT_STARTED,
        "prebuilt-read",
        ARRIVED,
    )
    assert waiting.expires_at == ARRIVED + SETTINGS.retention_seconds

    clock.now = ARRIVED + INTAKE_ATTEMPTS_SECONDS - 1
    assert reader.snapshot("acme", operation_id).job.status is Status.NOT_STARTED

    # Lambda gave up on the event: the client is told instead of polling until the purge
    clock.now = ARRIVED + INTAKE_ATTEMPTS_SECONDS
    given_up = reader.snapshot("acme", operation_id).job
    assert given_up.status is Status.FAILED
    assert given_up.error is not None and "send it again" in given_up.error.message


def test_a_waiting_request_is_found_only_under_its_own_model_and_by_a_real_operation_id() -> None:
    operation_id = str(uuid.uuid4())
    reader = operations(
        WaitingIntake(Pending(ARRIVED, "prebuilt-read", Contract.DOCUMENT_INTELLIGENCE)), Clock(ARRIVED)
    )
    with pytest.raises(NotFound):
        reader.snapshot("acme", operation_id, "prebuilt-layout")
    with pytest.raises(NotFound):
        reader.snapshot("acme", operation_id.upper())  # not the id API Gateway made
    with pytest.raises(NotFound):
        operations(WaitingIntake(None), Clock(ARRIVED)).snapshot("acme", operation_id)


def test_a_waiting_request_is_found_only_through_the_api_it_came_through() -> None:
    operation_id = str(uuid.uuid4())
    read = operations(WaitingIntake(Pending(ARRIVED, None, Contract.VISION_READ)), Clock(ARRIVED))
    assert read.snapshot("acme", operation_id, contract=Contract.VISION_READ).job.status is Status.NOT_STARTED
    assert read.snapshot("acme", operation_id).job.status is Status.NOT_STARTED  # the native route
    with pytest.raises(NotFound):
        read.snapshot("acme", operation_id, contract=Contract.DOCUMENT_INTELLIGENCE)
    analyze = operations(
        WaitingIntake(Pending(ARRIVED, "prebuilt-read", Contract.DOCUMENT_INTELLIGENCE)), Clock(ARRIVED)
    )
    with pytest.raises(NotFound):
        analyze.snapshot("acme", operation_id, contract=Contract.VISION_READ)


class ExecutionsClient:
    """Step Functions as far as the watchdog asks it: a status per execution ARN."""

    def __init__(self, statuses: dict[str, str]):
        self.statuses = statuses
        self.asked: list[str] = []

    def describe_execution(self, executionArn: str) -> dict[str, str]:
        self.asked.append(executionArn)
        if executionArn not in self.statuses:
            error = {"Error": {"Code": "ExecutionDoesNotExist", "Message": "gone"}}
            raise ClientError(error, "DescribeExecution")  # type: ignore[arg-type]
        return {"status": self.statuses[executionArn]}


def job(operation_id: str, *, build: bool = False) -> Job:
    options = BuildSpec("training", "forms/", "").to_record() if build else {}
    return Job(
        tenant="acme",
        operation_id=operation_id,
        model_id="custom-1" if build else "prebuilt-read",
        status=Status.RUNNING,
        created_at=ARRIVED,
        updated_at=ARRIVED,
        expires_at=ARRIVED + 86_400,
        wrapped_key=b"k",
        options=options,
    )


class UnfinishedJobs:
    def __init__(self, jobs: list[Job], others: list[Job] | None = None):
        self.jobs = jobs
        self.others = others or []  # records that are there, not among the unfinished asked for
        self.failed: dict[str, JobError] = {}
        self.asked_before: float | None = None

    def unfinished(self, updated_before: float) -> list[Job]:
        self.asked_before = updated_before
        return self.jobs

    def fail(self, job: Job, error: JobError) -> None:
        self.failed[job.operation_id] = error

    def get(self, tenant: str, operation_id: str) -> Job | None:
        return next((job for job in self.jobs + self.others if job.operation_id == operation_id), None)


def test_the_watchdog_fails_the_jobs_whose_execution_died_or_never_started_and_only_those() -> None:
    running, timed_out, aborted, never = (job(name) for name in ("run", "late", "stop", "none"))
    build = job("b", build=True)
    client = ExecutionsClient(
        {
            f"{STATE_MACHINE.replace(':stateMachine:', ':execution:')}:run": "RUNNING",
            f"{STATE_MACHINE.replace(':stateMachine:', ':execution:')}:late": "TIMED_OUT",
            f"{STATE_MACHINE.replace(':stateMachine:', ':execution:')}:stop": "ABORTED",
            f"{BUILD_MACHINE.replace(':stateMachine:', ':execution:')}:b": "RUNNING",
        }
    )
    jobs = UnfinishedJobs([running, timed_out, aborted, never, build])

    recovered = recover_stuck(jobs, Workflows(lambda: client, SETTINGS), Clock(ARRIVED))  # type: ignore[arg-type]

    assert recovered == 3
    assert jobs.asked_before == ARRIVED - GRACE_SECONDS
    assert {name: error.code for name, error in jobs.failed.items()} == {
        "late": "Timeout",
        "stop": "InternalServerError",
        "none": "InternalServerError",
    }
    # A model build's execution is looked up in the build workflow, not the analysis one
    assert any(arn.startswith(BUILD_MACHINE.replace(":stateMachine:", ":execution:")) for arn in client.asked)


def test_the_watchdog_leaves_a_batchs_document_its_batch_is_still_copying() -> None:
    expanding = dataclasses.replace(job("batch-1"), options=BatchSpec("scans").to_record())
    expanded = dataclasses.replace(expanding, operation_id="batch-2", status=Status.SUCCEEDED)
    copying, lost = (
        dataclasses.replace(
            job(name), status=Status.NOT_STARTED, options=AnalysisSpec(batch=batch).to_record()
        )
        for name, batch in (("copying", "batch-1"), ("lost", "batch-2"))
    )
    jobs = UnfinishedJobs([copying, lost], others=[expanding, expanded])
    client = ExecutionsClient({})  # neither document's execution started
    recover_stuck(jobs, Workflows(lambda: client, SETTINGS), Clock(ARRIVED))  # type: ignore[arg-type]
    # the one whose batch still copies is left; the one whose batch is done is lost
    assert "copying" not in jobs.failed and jobs.failed["lost"].code == "InternalServerError"


def test_workflows_make_no_step_functions_client_until_one_is_needed() -> None:
    made: list[ExecutionsClient] = []

    def client() -> ExecutionsClient:
        made.append(ExecutionsClient({}))
        return made[-1]

    workflows = Workflows(client, SETTINGS)
    assert made == []
    assert workflows.status(job("x")) == MISSING
    assert len(made) == 1
