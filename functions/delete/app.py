"""DELETE an analyze operation: key, record, input, pages and result are purged at once,
and the client gets a receipt of what was destroyed. DELETE a custom model: its key first
(crypto-shredding), then the sealed model. DELETE an upload not analyzed."""

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from docsafe import api
from docsafe.runtime import services
from docsafe.specs import Contract

logger = Logger(service="docsafe")
app = api.create_app()


@api.on_document_apis(app.delete, "/documentModels/<model_id>/analyzeResults/<result_id>")
def delete_result(model_id: str, result_id: str) -> Response:
    """(Form Recognizer has no delete of a result: there it is an addition.)"""
    tenant, through = api.tenant(app), api.document_api_of(app)
    receipt = services().operations.delete(tenant, result_id, model_id, through.contract)
    # The Azure client accepts only 204 (no body): the receipt rides in a header.
    return Response(status_code=204, body="", headers=api.receipt_headers(receipt))


@app.delete("/vision/v3.2/read/analyzeResults/<operation_id>")
def delete_read_result(operation_id: str) -> Response:
    """An addition to Read v3.2, which keeps a result 48 hours: input and result purged now,
    answered as the Document Intelligence route answers."""
    tenant = api.tenant(app)
    receipt = services().operations.delete(tenant, operation_id, contract=Contract.VISION_READ)
    return Response(status_code=204, body="", headers=api.receipt_headers(receipt))


@api.on_document_apis(app.delete, "/documentModels/<model_id>")
def delete_model(model_id: str) -> Response:
    tenant = api.tenant(app)
    services().custom_models.delete(tenant, model_id)
    return Response(status_code=204, body="")


@app.delete("/v1/operations/<operation_id>")
def delete_operation(operation_id: str) -> Response:
    tenant = api.tenant(app)
    receipt = services().operations.delete(tenant, operation_id)
    return api.json_response({"receipt": receipt.to_wire()})


@app.delete("/v1/uploads/<upload_id>")
def delete_upload(upload_id: str) -> Response:
    """An upload never analyzed, removed now rather than at its expiry."""
    services().uploads.delete(api.tenant(app), upload_id)
    return Response(status_code=204, body="")


# No powertools Tracer on the API functions: loading the X-Ray SDK costs ~150 ms of cold
# start. Lambda's active tracing (template.yaml) still traces every invocation.
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
@api.within_lambda_payload
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
