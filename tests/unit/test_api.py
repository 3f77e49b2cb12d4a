import json

import pytest
from docsafe.analysis import RawJson
from docsafe.api import dumps


def test_a_stored_result_is_spliced_into_the_response_unparsed() -> None:
    result = RawJson('{"content": "caf\\u00e9", "pages": [{"pageNumber": 1}]}')
    body = {"status": "succeeded", "createdDateTime": "2026-11-25T08:00:00Z", "analyzeResult": result}
    assert json.loads(dumps(body)) == {
        "status": "succeeded",
        "createdDateTime": "2026-11-25T08:00:00Z",
        "analyzeResult": {"content": "café", "pages": [{"pageNumber": 1}]},
    }
    assert json.loads(dumps({"analyzeResult": result})) == {"analyzeResult": json.loads(result.text)}
    assert dumps(result) == result.text
    assert json.loads(dumps({"plain": [1, 2]})) == {"plain": [1, 2]}


def test_the_viewer_and_the_client_send_bodies_up_to_the_same_limit() -> None:
    import math
    import re
    from pathlib import Path

    import docsafe
    from docsafe.limits import API_GATEWAY_BODY_BYTES, DIRECT_DOCUMENT_BYTES
    from docsafe_tools.client import BODY_LIMIT

    html = (Path(docsafe.__file__).parent / "viewer.html").read_text()
    (expression,) = re.findall(r"const DIRECT_LIMIT = ([0-9 *]+);", html)
    factors = [int(part) for part in expression.split("*")]
    assert math.prod(factors) == DIRECT_DOCUMENT_BYTES == BODY_LIMIT
    # such a body is one API Gateway takes (it puts analyze bodies into S3: no Lambda event)
    assert DIRECT_DOCUMENT_BYTES <= API_GATEWAY_BODY_BYTES


@pytest.mark.parametrize(
    ("host", "prefix", "base"),
    [
        # the execute-api endpoint: the stage is part of every URL
        (
            "abc123.execute-api.eu-west-1.amazonaws.com",
            "/api",
            "https://abc123.execute-api.eu-west-1.amazonaws.com/api",
        ),
        # a custom domain serves the API at its root
        ("ocr.example.com", "", "https://ocr.example.com"),
    ],
)
def test_operation_urls_are_built_on_the_url_the_client_called(host: str, prefix: str, base: str) -> None:
    import json

    from aws_lambda_powertools.event_handler import APIGatewayRestResolver
    from docsafe import api
    from docsafe_tools.local.events import rest_api_event

    app = APIGatewayRestResolver()  # the URL alone: no tenant or rate limit here

    @app.get("/documentintelligence/info")
    def where() -> object:
        return api.json_response({"base": api.base_url(app)})

    event = rest_api_event(
        "GET", "/documentintelligence/info", host=host, scheme="https", stage_prefix=prefix
    )
    assert json.loads(app.resolve(event, None)["body"]) == {"base": base}
