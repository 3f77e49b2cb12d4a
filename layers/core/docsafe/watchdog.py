"""Jobs whose workflow died: marked failed, so no client waits on a `running` forever.

A Step Functions execution can end without its MarkFailed state having run (a Lambda
timeout inside it, an abort, a failure of DynamoDB itself), or never start at all. The
purge's schedule runs this too; the job keeps its retention and is purged with the rest.
"""

from __future__ import annotations

import json

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from docsafe.clock import Deadline
from docsafe.jobs import Job, JobError, TransitionRejected
from docsafe.runtime import Services
from docsafe.settings import Settings

logger = Logger(service="docsafe", child=True)

# How long a job may go without its execution before it counts as lost.
GRACE_SECONDS = 120
_DIED = {"FAILED", "TIMED_OUT", "ABORTED"}


def execution_arn(state_machine_arn: str, operation_id: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:") + f":{operation_id}"


def start_workflow(services: Services, state_machine_arn: str, tenant: str, operation_id: str) -> None:
    """Start a job's execution, named by its operation id (only ids go into its state)."""
    services.stepfunctions.start_execution(
        stateMachineArn=state_machine_arn,
        name=operation_id,
        input=json.dumps({"tenant": tenant, "operationId": operation_id}),
    )


def workflow_of(settings: Settings, job: Job) -> str:
    """The state machine that runs `job`: a model build's, or the analysis workflow."""
    return settings.build_state_machine_arn if job.is_build else settings.state_machine_arn


def recover_stuck(services: Services, deadline: Deadline | None = None) -> int:
    """Mark failed every unfinished job whose execution is over or missing, as far as
    `deadline` allows (the next run looks again); returns how many."""
    now = services.clock()
    recovered = 0
    for job in services.jobs.unfinished(updated_before=now - GRACE_SECONDS):
        if deadline is not None and deadline.passed():
            logger.warning("watchdog stopped at the deadline", recovered=recovered)
            break
        error = _lost(services, job)
        if error is None:
            continue
        try:
            services.jobs.fail(job, error)
        except TransitionRejected:
            continue  # finished or deleted meanwhile
        recovered += 1
    if recovered:
        logger.warning("recovered stuck jobs", jobs=recovered)
    return recovered


def _lost(services: Services, job: Job) -> JobError | None:
    try:
        status = services.stepfunctions.describe_execution(
            executionArn=execution_arn(workflow_of(services.settings, job), job.operation_id)
        )["status"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ExecutionDoesNotExist":
            raise
        status = "MISSING"
    if status == "TIMED_OUT":
        return JobError("Timeout", "Analyzing the document took too long.", "Timeout")
    if status in _DIED or status == "MISSING":
        return JobError("InternalServerError", "The analysis stopped unexpectedly.")
    return None
