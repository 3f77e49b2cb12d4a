"""Stage 1: open the sealed input, check it, list the pages to read in batches."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.pipeline import batches
from docsafe.runtime import services
from docsafe.stages import JobRef, stage_errors

logger = Logger(service="docsafe")
tracer = Tracer(service="docsafe")


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    ref = JobRef.from_event(event)
    with stage_errors("prepare", ref, services):
        pages = services().pipeline.prepare(ref)
    return {**ref.to_event(), "pages": pages, "batches": batches(pages, services().settings.page_concurrency)}
