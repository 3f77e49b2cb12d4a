"""The batch workflow's stage: every document of the tenant's folder copied sealed into an
analysis of its own, and that analysis started."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.runtime import services
from docsafe.stages import JobRef, stage_errors

logger = Logger(service="docsafe")
# botocore not patched: X-Ray would record each S3 call's key, the tenant's file names.
tracer = Tracer(service="docsafe", auto_patch=False)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    ref = JobRef.from_event(event)
    with stage_errors("analyze_batch", ref, services):
        services().batches.expand(ref.tenant, ref.operation_id)
    return ref.to_event()
