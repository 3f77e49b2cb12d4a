"""Scheduled (EventBridge): purge every job at the end of its retention and any stray
object, and mark failed the jobs whose workflow died."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.retention import purge_expired
from docsafe.runtime import services
from docsafe.watchdog import recover_stuck

logger = Logger(service="docsafe")
tracer = Tracer(service="docsafe")


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    recovered = recover_stuck(services())
    report = purge_expired(services())
    return {"expiredJobs": report.jobs, "orphanObjects": report.orphans, "recoveredJobs": recovered}
