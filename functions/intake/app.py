"""EventBridge (S3 Object Created under intake/) → the analyze request API Gateway stored
taken in: submitted, or recorded as failed with its reason (docsafe.intake)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.intake import Intake
from docsafe.runtime import services
from docsafe.stages import log_context

logger = Logger(service="docsafe")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> None:
    request = Intake.parse_key(event["detail"]["object"]["key"])
    if request is None:
        logger.warning("not an intake object")
        return
    log_context(*request)
    services().operations.receive(*request)
