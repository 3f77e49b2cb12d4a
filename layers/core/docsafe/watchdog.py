"""Jobs whose workflow died: marked failed, so no client waits on a `running` forever.

A Step Functions execution can end without its MarkFailed state having run (a Lambda
timeout inside it, an abort, a failure of DynamoDB itself), or never start at all. The
purge's schedule runs this too; the job keeps its retention and is purged with the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools import Logger

from docsafe.clock import Deadline
from docsafe.jobs import Job, JobError, JobStore, Status, TransitionRejected
from docsafe.workflows import MISSING, Workflows

logger = Logger(service="docsafe", child=True)

# How long a job may go without its execution before it counts as lost.
GRACE_SECONDS = 120
_DIED = {"FAILED", "TIMED_OUT", "ABORTED", MISSING}


def recover_stuck(
    jobs: JobStore, workflows: Workflows, now: Callable[[], float], deadline: Deadline | None = None
) -> int:
    """Mark failed every unfinished job whose execution is over or missing, as far as
    `deadline` allows (the next run looks again); returns how many."""
    recovered = 0
    for job in jobs.unfinished(updated_before=now() - GRACE_SECONDS):
        if deadline is not None and deadline.passed():
            logger.warning("watchdog stopped at the deadline", recovered=recovered)
            break
        error = _lost(workflows, job)
        if error is None or (error.code == "InternalServerError" and _being_copied(jobs, job)):
            continue
        try:
            jobs.fail(job, error)
        except TransitionRejected:
            continue  # finished or deleted meanwhile
        recovered += 1
    if recovered:
        logger.warning("recovered stuck jobs", jobs=recovered)
    return recovered


def _being_copied(jobs: JobStore, job: Job) -> bool:
    """A batch's document whose execution has not started because its batch is still
    copying it (a large document may take longer than the grace)."""
    if not job.is_analysis or (batch_id := job.analysis().batch) is None:
        return False
    batch = jobs.get(job.tenant, batch_id)
    return batch is not None and batch.status is Status.RUNNING


def _lost(workflows: Workflows, job: Job) -> JobError | None:
    status = workflows.status(job)
    if status == "TIMED_OUT":
        return JobError("Timeout", "Analyzing the document took too long.", "Timeout")
    if status in _DIED:
        return JobError("InternalServerError", "The analysis stopped unexpectedly.")
    return None
