"""GET /v1/operations/{id}/result: the analyzeResult alone (or, with format=textract, as
Amazon Textract's Blocks), gzip-compressed for the client."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe import api
from docsafe.analysis import Operations
from docsafe.runtime import services

logger = Logger(service="docsafe")
app = api.create_app()


@app.get("/v1/operations/<operation_id>/result", compress=True)
def result(operation_id: str) -> Response:
    tenant = api.tenant_of(app)
    result_format = api.result_format(api.query(app))
    snapshot = Operations(services()).snapshot(tenant, operation_id)
    return api.json_response(api.result_body(snapshot, result_format))


# No powertools Tracer on the API functions: loading the X-Ray SDK costs ~150 ms of cold
# start. Lambda's active tracing (template.yaml) still traces every invocation.
@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
