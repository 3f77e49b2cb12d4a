"""Catch-all stage: record the failure's error code on the job (status failed)."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.runtime import services
from docsafe.stages import JobRef, mark_failed, stage_errors

logger = Logger(service="docsafe")
tracer = Tracer(service="docsafe")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    ref = JobRef.from_event(event)
    error = event.get("error") or {}
    with stage_errors("mark_failed", ref, services):
        mark_failed(services().jobs, ref, str(error.get("Error", "")), error.get("Cause"))
    return ref.to_event()
