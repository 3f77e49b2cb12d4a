"""POST …/documentModels/{modelId}:analyze → 202 with an absolute Operation-Location;
POST …/documentModels:build → 202, a custom model's build started;
POST /v1/uploads → a presigned upload for documents over the 10 MB body limit."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe import api, urlsource
from docsafe.analysis import Operations
from docsafe.contract.requests import (
    AnalyzeRequest,
    parse_body,
    parse_build_request,
    parse_options,
    require_api_version,
    upload_source,
)
from docsafe.custom.operations import CustomModels
from docsafe.runtime import services

logger = Logger(service="docsafe")
app = api.create_app()


@app.post("/documentintelligence/documentModels/<model_id>:analyze")
def analyze(model_id: str) -> Response:
    tenant = api.tenant_of(app)
    query = api.query(app)
    require_api_version(query)
    CustomModels(services()).info(tenant, model_id)  # 404 ModelNotFound, also for another tenant's
    settings = services().settings
    content_type, body = api.header(app, "content-type"), api.body_bytes(app)
    options = parse_options(query, model_id, settings.ocr_engine, settings.installed_languages)
    operations = Operations(services())
    if upload_id := upload_source(body, content_type):
        request = operations.upload_request(tenant, upload_id, options)
    else:
        document, kind = parse_body(body, content_type, settings.max_document_bytes, urlsource.fetch)
        request = AnalyzeRequest(document, kind, options)
    job = operations.submit(tenant, model_id, request)
    location = api.analyze_result_url(api.base_url(app), model_id, job.operation_id)
    headers = {"Operation-Location": location, "Retry-After": str(settings.poll_after_seconds)}
    return Response(status_code=202, headers=headers, body="")


@app.post("/documentintelligence/documentModels:build")
def build_model() -> Response:
    tenant = api.tenant_of(app)
    require_api_version(api.query(app))
    job = CustomModels(services()).build(tenant, parse_build_request(api.body_bytes(app)))
    location = api.build_operation_url(api.base_url(app), job.operation_id)
    headers = {"Operation-Location": location, "Retry-After": str(services().settings.poll_after_seconds)}
    return Response(status_code=202, headers=headers, body="")


@app.post("/v1/uploads")
def new_upload() -> Response:
    tenant = api.tenant_of(app)
    return api.json_response(services().uploads.create(tenant).to_wire(), status=201)


# No powertools Tracer on the API functions: loading the X-Ray SDK costs ~150 ms of cold
# start. Lambda's active tracing (template.yaml) still traces every invocation.
@logger.inject_lambda_context
@api.within_lambda_payload
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
