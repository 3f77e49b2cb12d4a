import json

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
    from docsafe.client import BODY_LIMIT
    from docsafe.limits import DIRECT_DOCUMENT_BYTES, LAMBDA_PAYLOAD_BYTES

    html = (Path(docsafe.__file__).parent / "viewer.html").read_text()
    (expression,) = re.findall(r"const DIRECT_LIMIT = ([0-9 *]+);", html)
    factors = [int(part) for part in expression.split("*")]
    assert math.prod(factors) == DIRECT_DOCUMENT_BYTES == BODY_LIMIT
    # base64 of such a body, with room for the rest of the event, fits Lambda's payload
    assert DIRECT_DOCUMENT_BYTES * 4 / 3 + 64 * 1024 < LAMBDA_PAYLOAD_BYTES
