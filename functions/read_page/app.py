"""Stage 2 (one per batch, in a Map): read a batch of pages, store each one sealed."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.runtime import services
from docsafe.stages import JobRef, stage_errors

logger = Logger(service="docsafe")
tracer = Tracer(service="docsafe")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    ref = JobRef.from_event(event)
    with stage_errors("read_page", ref, services):
        services().pipeline.read_pages(ref, [int(page) for page in event["pages"]])
    return {}
