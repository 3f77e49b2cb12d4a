"""What a finished analysis gives back: the analyzeResult alone (or, with format=textract,
as Amazon Textract's Blocks, gzip-compressed), its searchable PDF, its figures' images; and the static pages:
the viewer that shows results in a browser, the API's OpenAPI description."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe import api
from docsafe.analysis import ByteRange
from docsafe.contract.openapi import load_openapi
from docsafe.runtime import services
from docsafe.specs import Contract
from docsafe.viewer import viewer_page

logger = Logger(service="docsafe")
app = api.create_app()


@app.get("/v1/operations/<operation_id>/result", compress=True)
def result(operation_id: str) -> Response:
    tenant = api.tenant(app)
    result_format = api.result_format(api.query(app))
    if (wanted := api.header(app, "range")) and result_format == api.RESULT_FORMATS[0]:
        # A result too large for one response, read a part at a time.
        part = services().operations.result_part(tenant, operation_id, ByteRange.parse(wanted))
        return api.partial_response(*part)
    snapshot = services().operations.snapshot(tenant, operation_id)
    return api.json_response(api.result_body(snapshot, result_format))


@app.get("/documentintelligence/documentModels/<model_id>/analyzeResults/<result_id>/pdf")
def searchable_pdf(model_id: str, result_id: str) -> Response:
    tenant = api.tenant(app)
    data = services().operations.searchable_pdf(tenant, result_id, model_id, Contract.DOCUMENT_INTELLIGENCE)
    return Response(status_code=200, content_type="application/pdf", body=data)


@app.get("/documentintelligence/documentModels/<model_id>/analyzeResults/<result_id>/figures/<figure_id>")
def figure(model_id: str, result_id: str, figure_id: str) -> Response:
    tenant = api.tenant(app)
    data = services().operations.figure(
        tenant, result_id, figure_id, model_id, Contract.DOCUMENT_INTELLIGENCE
    )
    return Response(status_code=200, content_type="image/png", body=data)


@app.get("/viewer")
def viewer() -> Response:
    # A static page (the key is typed into it): no key needed to load it.
    html, headers = viewer_page(services().uploads.form_origin())
    return Response(status_code=200, content_type="text/html; charset=utf-8", body=html, headers=headers)


@app.get("/openapi.json")
def openapi() -> Response:
    # The API's description is public: no key needed.
    return api.json_response(load_openapi())


# No powertools Tracer on the API functions: loading the X-Ray SDK costs ~150 ms of cold
# start. Lambda's active tracing (template.yaml) still traces every invocation.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@api.within_lambda_payload
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
