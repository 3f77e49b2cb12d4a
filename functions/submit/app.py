"""POST …/documentModels/{modelId}:analyze → 202 with an absolute Operation-Location."""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe import api, urlsource
from docsafe.analysis import Operations
from docsafe.contract.models import model_info
from docsafe.contract.requests import AnalyzeRequest, parse_body, parse_options, require_api_version
from docsafe.runtime import services

logger = Logger(service="docsafe")
tracer = Tracer(service="docsafe")
app = api.create_app()


@app.post("/documentintelligence/documentModels/<model_id>:analyze")
def analyze(model_id: str) -> Response:
    tenant = api.tenant_of(app)
    query = api.query(app)
    require_api_version(query)
    model_info(model_id)
    services().rate_limiter.admit(tenant)
    settings = services().settings
    content_type = api.header(app, "content-type")
    document, kind = parse_body(
        api.body_bytes(app), content_type, settings.max_document_bytes, urlsource.fetch
    )
    options = parse_options(query, model_id, settings.ocr_engine, settings.installed_languages)
    request = AnalyzeRequest(document, kind, options)
    job = Operations(services()).submit(tenant, model_id, request)
    location = api.analyze_result_url(api.base_url(app), model_id, job.operation_id)
    headers = {"Operation-Location": location, "Retry-After": str(settings.poll_after_seconds)}
    return Response(status_code=202, headers=headers, body="")


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
