"""The Step Functions executions that run jobs: started, stopped and looked at.

An execution is named by its job's operation id, and only ids go into its state (Step
Functions keeps state input and output in its history for 90 days).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from docsafe.jobs import Job
from docsafe.settings import Settings

MISSING = "MISSING"  # the job's execution never started


def execution_arn(state_machine_arn: str, operation_id: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:") + f":{operation_id}"


class Workflows:
    def __init__(self, client: Callable[[], Any], settings: Settings):
        # The Step Functions client is made on first use: the status and result functions
        # hold a Workflows (through Operations) and never call it.
        self._client = client
        self._settings = settings

    def state_machine_of(self, job: Job) -> str:
        """The state machine that runs `job`: a model build's, or the analysis workflow."""
        settings = self._settings
        if job.is_batch:
            return settings.batch_state_machine_arn
        return settings.build_state_machine_arn if job.is_build else settings.state_machine_arn

    def start_analysis(self, tenant: str, operation_id: str) -> None:
        self._start(self._settings.state_machine_arn, tenant, operation_id)

    def start_build(self, tenant: str, operation_id: str) -> None:
        self._start(self._settings.build_state_machine_arn, tenant, operation_id)

    def start_batch(self, tenant: str, operation_id: str) -> None:
        self._start(self._settings.batch_state_machine_arn, tenant, operation_id)

    def stop_analysis(self, operation_id: str) -> None:
        """Stop an analysis's execution, if it still runs (deleting the job stops it anyway:
        the stages find it gone; this only saves their work)."""
        arn = execution_arn(self._settings.state_machine_arn, operation_id)
        with contextlib.suppress(ClientError):  # already finished, or never started
            self._client().stop_execution(executionArn=arn, cause="deleted by the client")

    def status(self, job: Job) -> str:
        """The job's execution status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED), or
        MISSING when it never started."""
        arn = execution_arn(self.state_machine_of(job), job.operation_id)
        try:
            return str(self._client().describe_execution(executionArn=arn)["status"])
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ExecutionDoesNotExist":
                raise
            return MISSING

    def _start(self, state_machine_arn: str, tenant: str, operation_id: str) -> None:
        self._client().start_execution(
            stateMachineArn=state_machine_arn,
            name=operation_id,
            input=json.dumps({"tenant": tenant, "operationId": operation_id}),
        )
