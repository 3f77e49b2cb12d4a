"""POST …/documentModels:build → 202, a custom model's build started;
POST /computervision/imageanalysis:analyze → 200, an image read while the request waits;
POST /v1/uploads → a presigned upload for documents over the 10 MB body limit.

(POST …/documentModels/{modelId}:analyze goes from API Gateway straight to S3 and the
intake function: docsafe.intake.)"""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe import api
from docsafe.contract.requests import parse_build_request
from docsafe.runtime import services

logger = Logger(service="docsafe")
app = api.create_app()


@api.on_document_apis(app.post, "/documentModels:build")
def build_model() -> Response:
    tenant, through = api.tenant(app), api.document_api_of(app)
    job = services().custom_models.build(tenant, parse_build_request(api.body_bytes(app)))
    location = through.build_operation_url(api.base_url(app), job.operation_id, api.api_version(app))
    headers = {"Operation-Location": location, "Retry-After": str(services().settings.poll_after_seconds)}
    return Response(status_code=202, headers=headers, body="")


@app.post("/computervision/imageanalysis:analyze")
def analyze_image() -> Response:
    """Image Analysis 4.0 READ, answered while the request waits; nothing of it is kept."""
    tenant, query, content_type = api.tenant(app), api.query(app), api.header(app, "content-type")
    reading = services().image_analysis
    result, receipt = reading.read(tenant, query, content_type, api.body_bytes(app), api.request_time(app))
    return api.json_response(result, headers=api.receipt_headers(receipt))


@app.post("/v1/uploads")
def new_upload() -> Response:
    tenant = api.tenant(app)
    return api.json_response(services().uploads.create(tenant).to_wire(), status=201)


# No powertools Tracer on the API functions: loading the X-Ray SDK costs ~150 ms of cold
# start. Lambda's active tracing (template.yaml) still traces every invocation.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@api.within_lambda_payload
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
