"""Scheduled (EventBridge): purge every job at the end of its retention, and strays."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.retention import purge_expired
from docsafe.runtime import services

logger = Logger(service="docsafe")
tracer = Tracer(service="docsafe")


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    report = purge_expired(services())
    return {"expiredJobs": report.jobs, "orphanObjects": report.orphans}
