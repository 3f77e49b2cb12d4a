"""GET and DELETE batch analyses: a batch's status and each document's, the model's
batches, and a batch purged with every document's analysis (Document Intelligence v4.0
alone: Form Recognizer has no batches). POST …:analyzeBatch goes from API Gateway to S3
and the intake function, as an analyze does (docsafe.intake)."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe import api
from docsafe.runtime import services

logger = Logger(service="docsafe")
app = api.create_app()
BATCHES = "/documentintelligence/documentModels/<model_id>/analyzeBatchResults"


@app.get(f"{BATCHES}/<result_id>", compress=True)
def batch(model_id: str, result_id: str) -> Response:
    tenant, _ = api.tenant(app), api.api_version(app)
    body = services().batches.operation(tenant, model_id, result_id, api.base_url(app))
    return api.operation_response(body, services().settings.poll_after_seconds)


@app.get(BATCHES, compress=True)
def batches(model_id: str) -> Response:
    tenant, _ = api.tenant(app), api.api_version(app)
    skip = api.query(app).get("skip")
    return api.json_response(services().batches.list(tenant, model_id, api.base_url(app), skip))


@app.delete(f"{BATCHES}/<result_id>")
def delete_batch(model_id: str, result_id: str) -> Response:
    tenant, _ = api.tenant(app), api.api_version(app)
    receipt = services().batches.delete(tenant, model_id, result_id)
    # The Azure client accepts only 204 (no body): the receipt rides in a header.
    return Response(status_code=204, body="", headers=api.receipt_headers(receipt))


# No powertools Tracer on the API functions: loading the X-Ray SDK costs ~150 ms of cold
# start. Lambda's active tracing (template.yaml) still traces every invocation.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@api.within_lambda_payload
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
