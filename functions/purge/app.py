"""Scheduled (EventBridge): purge every job at the end of its retention and any stray
object, mark failed the jobs whose workflow died, and publish the run's figures."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.housekeeping import METRICS_NAMESPACE, scheduled_run
from docsafe.runtime import services

logger = Logger(service="docsafe")
tracer = Tracer(service="docsafe")
metrics = Metrics(namespace=METRICS_NAMESPACE, service="docsafe")


@logger.inject_lambda_context(clear_state=True)
@metrics.log_metrics
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return scheduled_run(services(), context.get_remaining_time_in_millis, metrics).to_wire()
