"""GET analyze operations (each Azure API's and the native ones), model builds and models."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe import api
from docsafe.runtime import services
from docsafe.specs import Contract

logger = Logger(service="docsafe")
app = api.create_app()


@api.on_document_apis(app.get, "/documentModels/<model_id>/analyzeResults/<result_id>", compress=True)
def analyze_result(model_id: str, result_id: str) -> Response:
    tenant, through = api.tenant(app), api.document_api_of(app)
    snapshot = services().operations.snapshot(tenant, result_id, model_id, contract=through.contract)
    headers = api.poll_headers(snapshot, services().settings.poll_after_seconds)
    return api.json_response(api.status_body(snapshot, through, api.api_version(app)), headers=headers)


@app.get("/vision/v3.2/read/analyzeResults/<operation_id>", compress=True)
def read_result(operation_id: str) -> Response:
    tenant = api.tenant(app)
    snapshot = services().operations.snapshot(tenant, operation_id, contract=Contract.VISION_READ)
    headers = api.poll_headers(snapshot, services().settings.poll_after_seconds)
    return api.json_response(api.read_operation_body(snapshot), headers=headers)


@app.get("/v1/operations/<operation_id>")
def operation(operation_id: str) -> Response:
    tenant = api.tenant(app)
    snapshot = services().operations.snapshot(tenant, operation_id, with_result=False)
    headers = api.poll_headers(snapshot, services().settings.poll_after_seconds)
    return api.json_response(api.operation_body(snapshot.job), headers=headers)


@app.get("/v1/operations")
def operations() -> Response:
    tenant = api.tenant(app)
    jobs = services().operations.list(tenant)
    return api.json_response({"value": [api.operation_body(job) for job in jobs]})


@api.on_document_apis(app.get, "/documentModels")
def models() -> Response:
    tenant = api.tenant(app)
    return api.json_response({"value": services().custom_models.list(tenant, api.api_version(app))})


@api.on_document_apis(app.get, "/documentModels/<model_id>")
def model(model_id: str) -> Response:
    tenant = api.tenant(app)
    return api.json_response(services().custom_models.info(tenant, model_id, api.api_version(app)))


@api.on_document_apis(app.get, "/operations/<operation_id>")
def build_operation(operation_id: str) -> Response:
    tenant, through = api.tenant(app), api.document_api_of(app)
    body = services().custom_models.operation(
        tenant, operation_id, api.base_url(app), through, api.api_version(app)
    )
    return api.operation_response(body, services().settings.poll_after_seconds)


@api.on_document_apis(app.get, "/info")
def info() -> Response:
    tenant, through = api.tenant(app), api.document_api_of(app)
    details = services().custom_models.resource_info(tenant)
    return api.json_response(through.resource_details(details, api.api_version(app)))


# No powertools Tracer on the API functions: loading the X-Ray SDK costs ~150 ms of cold
# start. Lambda's active tracing (template.yaml) still traces every invocation.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@api.within_lambda_payload
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
