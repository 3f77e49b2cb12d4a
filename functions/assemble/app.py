"""Stage 3: merge the pages into the analyzeResult, seal it, mark the job succeeded."""

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
    with stage_errors("assemble", ref, services):
        services().pipeline.assemble(ref, [int(page) for page in event["pages"]])
    return ref.to_event()
