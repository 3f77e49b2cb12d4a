"""REST API Lambda authorizer (REQUEST): API key → tenant.

A key of a tenant is allowed, with the tenant in the context the routes read; any other
request is denied, and API Gateway answers it with the Azure 401 body (the ACCESS_DENIED
gateway response in template.yaml) without running a route.
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.auth import authorizer_decision, tenant_of_request
from docsafe.runtime import key_store

logger = Logger(service="docsafe")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    tenant = tenant_of_request(key_store(), event.get("headers"))
    if tenant is None:
        logger.info("unknown or revoked key, or a request id of its own")
    return authorizer_decision(tenant, event["methodArn"])
