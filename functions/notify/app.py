"""Callbacks: each queued job end POSTed, signed, to the URL its request named; a failure
is tried again later, and dropped after its retries (docsafe.callbacks)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.runtime import services

logger = Logger(service="docsafe")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return services().callback_delivery.handle_records(event["Records"])
