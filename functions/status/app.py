"""GET an analyze operation's status (with its result once succeeded), and the model routes."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe import api
from docsafe.analysis import Operations
from docsafe.contract.models import list_models, model_info
from docsafe.contract.openapi import load_openapi
from docsafe.contract.requests import require_api_version
from docsafe.runtime import services

logger = Logger(service="docsafe")
app = api.create_app()


@app.get("/documentintelligence/documentModels/<model_id>/analyzeResults/<result_id>", compress=True)
def analyze_result(model_id: str, result_id: str) -> Response:
    tenant = api.tenant_of(app)
    require_api_version(api.query(app))
    snapshot = Operations(services()).snapshot(tenant, result_id, model_id)
    headers = api.poll_headers(snapshot, services().settings.poll_after_seconds)
    return api.json_response(api.status_body(snapshot), headers=headers)


@app.get("/v1/operations/<operation_id>")
def operation(operation_id: str) -> Response:
    tenant = api.tenant_of(app)
    snapshot = Operations(services()).snapshot(tenant, operation_id, with_result=False)
    headers = api.poll_headers(snapshot, services().settings.poll_after_seconds)
    return api.json_response(api.operation_body(snapshot.job), headers=headers)


@app.get("/v1/operations")
def operations() -> Response:
    tenant = api.tenant_of(app)
    jobs = Operations(services()).list(tenant)
    return api.json_response({"value": [api.operation_body(job) for job in jobs]})


@app.get("/documentintelligence/documentModels")
def models() -> Response:
    api.tenant_of(app)
    require_api_version(api.query(app))
    return api.json_response({"value": list_models()})


@app.get("/documentintelligence/documentModels/<model_id>")
def model(model_id: str) -> Response:
    api.tenant_of(app)
    require_api_version(api.query(app))
    return api.json_response(model_info(model_id))


@app.get("/documentintelligence/info")
def info() -> Response:
    api.tenant_of(app)
    require_api_version(api.query(app))
    return api.json_response({"customDocumentModels": {"count": 0, "limit": 0}})


@app.get("/openapi.json")
def openapi() -> Response:
    # The API's description is public: no key needed.
    return api.json_response(load_openapi())


# No powertools Tracer on the API functions: loading the X-Ray SDK costs ~150 ms of cold
# start. Lambda's active tracing (template.yaml) still traces every invocation.
@logger.inject_lambda_context
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
