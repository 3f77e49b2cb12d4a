"""HTTP API Lambda authorizer: API key → tenant.

It always answers authorized and passes the tenant (empty for an unknown or revoked key)
so that the routes can refuse with the Azure 401 body; API Gateway's own denial has a
body of its own the official clients do not expect. The routes refuse every request
without a tenant in one place (docsafe.api.tenant_of).
"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe.auth import key_from_headers
from docsafe.runtime import services

logger = Logger(service="docsafe")


@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    tenant = services().api_keys.tenant_for(key_from_headers(event.get("headers")))
    if tenant is None:
        logger.info("unknown or revoked key")
    return {"isAuthorized": True, "context": {"tenant": tenant or ""}}
