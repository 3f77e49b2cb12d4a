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
