import json

from docsafe_tools.analyze_command import render


def test_text_output_lists_a_custom_models_fields_after_the_text() -> None:
    result = {
        "content": "Policy number: PX-7310",
        "documents": [
            {
                "docType": "claims",
                "fields": {"PolicyNumber": {"type": "string", "content": "PX-7310"}, "Empty": {}},
            }
        ],
    }
    assert render(result, "text") == "Policy number: PX-7310\n\n[claims]\nPolicyNumber: PX-7310\nEmpty: "
    assert json.loads(render(result, "json")) == result
    assert render({"content": "plain"}, "markdown") == "plain"


def test_the_client_asks_for_page_progress_only_when_told() -> None:
    from typing import Any

    from docsafe_tools.client import Analysis, ApiClient

    asked: list[str] = []

    def answer(method: str, url: str, *args: Any, **kwargs: Any) -> tuple[int, dict[str, str], bytes]:
        asked.append(url)
        if url.endswith("/v1/operations/op-1"):
            return 200, {}, json.dumps({"pageCount": 3, "pagesRead": 1}).encode()
        return 200, {"Retry-After": "1"}, json.dumps({"status": "running"}).encode()

    location = "http://docsafe.test/documentintelligence/documentModels/prebuilt-read/analyzeResults/op-1"
    for progress, requests_a_poll in ((True, 2), (False, 1)):
        client = ApiClient("http://docsafe.test", "key", progress=progress)
        client._request = answer  # type: ignore[method-assign]
        asked.clear()
        analysis = Analysis(location=location)
        assert client.poll(analysis) == 1.0 and analysis.status == "running"
        assert len(asked) == requests_a_poll
        assert analysis.pages_read == (1 if progress else 0)
