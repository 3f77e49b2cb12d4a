"""Computer Vision Read v3.2 behind the same gateway, intake, state machine and stores:
read/analyze, then read/analyzeResults/{id}, in Read's own shapes and codes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.documents import encode, scanned_pdf, text_image, text_pdf, words_of
from tests.support.stack import Harness, location_of

READ = "/vision/v3.2/read/analyze"
LINES = ["Invoice 2231 for Acme Freight", "Total due 118.40 EUR"]


@pytest.fixture(scope="module")
def stack(shared_stack: Harness) -> Harness:
    return shared_stack


def _read(
    stack: Harness, key: str, body: bytes, query: str = "", content_type: str = "application/octet-stream"
) -> str:
    answer = stack.request("POST", READ, key, query=query, body=body, content_type=content_type)
    assert answer.status == 202, answer.body
    assert answer.headers["Retry-After"] == "1"
    return location_of(answer)


def _words(result: dict[str, Any]) -> set[str]:
    """Every word read, as `words_of` gives them."""
    return words_of(
        " ".join(
            word["text"] for page in result["readResults"] for line in page["lines"] for word in line["words"]
        )
    )


def test_an_image_is_read_into_read_v3_2s_result(stack: Harness) -> None:
    # Given a tenant and a scanned image
    _, key = stack.new_tenant()
    location = _read(stack, key, encode(text_image(LINES), "PNG"), query="language=en&readingOrder=natural")
    # The operation id is Operation-Location's last part (the client splits on "/")
    assert location.rsplit("/", 1)[0] == "/vision/v3.2/read/analyzeResults"
    # When it is polled to the end
    body = stack.wait(location, key)
    # Then it is Read's ReadOperationResult
    assert body["status"] == "succeeded"
    assert {"createdDateTime", "lastUpdatedDateTime"} <= set(body)
    result = body["analyzeResult"]
    assert (result["version"], result["modelVersion"]) == ("3.2.0", "2022-04-30")
    (page,) = result["readResults"]
    assert (page["page"], page["unit"], page["width"], page["height"]) == (1, "pixel", 1400, 600)
    assert [line["text"] for line in page["lines"]] == LINES
    line = page["lines"][0]
    assert len(line["boundingBox"]) == 8 and line["appearance"]["style"]["name"] == "other"
    assert all(len(word["boundingBox"]) == 8 and 0 < word["confidence"] <= 1 for word in line["words"])
    assert words_of(" ".join(LINES)) <= _words(result)


def test_a_multi_page_pdf_is_read_in_inches_and_pages_choose_pages(stack: Harness) -> None:
    _, key = stack.new_tenant()
    pages = [["First page text"], ["Second page words"], ["Third page lines"]]
    # Read's open range: from page 2 to the end
    body = stack.wait(_read(stack, key, text_pdf(pages), query="pages=2-"), key)
    assert body["status"] == "succeeded", body
    read = body["analyzeResult"]["readResults"]
    assert [page["page"] for page in read] == [2, 3]
    assert {page["unit"] for page in read} == {"inch"}
    assert (read[0]["width"], read[0]["height"]) == (8.5, 11)
    assert "second" in _words(body["analyzeResult"]) and "first" not in _words(body["analyzeResult"])


def test_a_scanned_pdf_is_read(stack: Harness) -> None:
    _, key = stack.new_tenant()
    document = scanned_pdf([text_image(["Scanned page one"]), text_image(["Scanned page two"])])
    body = stack.wait(_read(stack, key, document), key)
    assert body["status"] == "succeeded", body
    assert {"scanned", "one", "two"} <= _words(body["analyzeResult"])


@pytest.mark.parametrize(
    ("query", "body", "content_type", "code"),
    [
        ("pages=0", None, None, "InvalidPageRange"),
        ("pages=3-1", None, None, "InvalidPageRange"),
        ("language=xx-Nope", None, None, "NotSupportedLanguage"),
        ("", b"plain text, no image", None, "InvalidImageFormat"),
        ("", b"", None, "InvalidImageSize"),
        (
            "",
            json.dumps({"url": "https://127.0.0.1/scan.png"}).encode(),
            "application/json",
            "InvalidImageUrl",
        ),
        ("", json.dumps({"url": "http://example.com/a.png"}).encode(), "application/json", "InvalidImageUrl"),
        ("", b'{"urlSource": "https://example.com/a.png"}', "application/json", "InvalidImageUrl"),
    ],
)
def test_bad_input_fails_the_operation_with_reads_own_code(
    stack: Harness, query: str, body: bytes | None, content_type: str | None, code: str
) -> None:
    _, key = stack.new_tenant()
    document = encode(text_image(["Fine"]), "PNG") if body is None else body
    location = _read(stack, key, document, query=query, content_type=content_type or "image/png")
    answer = stack.wait(location, key)
    # The status is Read's failed; why is told beside it (the spec has no field for it)
    assert answer["status"] == "failed" and "analyzeResult" not in answer
    assert answer["error"]["code"] == code, answer
    assert answer["error"]["message"]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("pages=a", "InvalidPageRange"),
        ("pages=1;2", "InvalidPageRange"),
        ("pages=1,%203", "InvalidPageRange"),
        # a full-width digit: no text S3 keeps as metadata, so it refuses the object
        ("pages=%EF%BC%91", "BadArgument"),
        ("readingOrder=sideways", "InvalidReadingOrder"),
        ("model-version=2020-01-01", "InvalidModel"),
        ("model-version=latest&modelVersion=2021-04-12", "InvalidModel"),
    ],
)
def test_malformed_options_are_refused_at_once_and_leave_nothing(
    stack: Harness, query: str, code: str
) -> None:
    from urllib.parse import unquote

    tenant, key = stack.new_tenant()
    answer = stack.request(
        "POST",
        READ,
        key,
        query=unquote(query),
        body=encode(text_image(["Fine"]), "PNG"),
        content_type="image/png",
    )
    # As Azure's Read refuses them: 400 in its shape, no operation
    assert answer.status == 400, answer.body
    body = answer.json()
    assert body["code"] == code and body["error"]["innererror"]["code"] == code
    assert "Operation-Location" not in answer.headers and "Retry-After" not in answer.headers
    # And the body API Gateway stored is dropped by the intake: nothing of it remains
    assert stack.stored_objects(tenant) == [] and stack.unowned_objects() == []
    assert not [r for r in stack.job_records() if r["tenant"]["S"] == tenant]


def test_another_tenants_and_another_apis_operations_answer_like_none(stack: Harness) -> None:
    # Given one tenant's finished Read operation and its Document Intelligence one
    _, key = stack.new_tenant()
    _, other_key = stack.new_tenant()
    location = _read(stack, key, encode(text_image(["Private words"]), "PNG"))
    stack.wait(location, key)
    operation_id = location.rsplit("/", 1)[1]
    di_location = stack.submit(encode(text_image(["Other words"]), "PNG"), key)
    stack.wait(di_location, key)
    di_id = di_location.rsplit("/", 1)[1]
    never = "/vision/v3.2/read/analyzeResults/00000000-0000-4000-8000-000000000000"
    # When another tenant asks, or the id is unknown, or it names the other API's operation
    answers = [
        stack.request("GET", location, other_key, query=""),
        stack.request("GET", never, key, query=""),
        stack.request("GET", f"/vision/v3.2/read/analyzeResults/{di_id}", key, query=""),
        stack.request("DELETE", location, other_key, query=""),
    ]
    # Then each is the same 404, in Read's shape (flat, and nested for the live service's readers)
    bodies = [answer.json() for answer in answers]
    assert [answer.status for answer in answers] == [404] * 4
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["code"] == "NotFound" and bodies[0]["error"]["code"] == "NotFound"
    # And the Document Intelligence route does not serve the Read operation either
    di_path = f"/documentintelligence/documentModels/prebuilt-read/analyzeResults/{operation_id}"
    assert stack.request("GET", di_path, key).status == 404
    # While the owner still reads it
    assert stack.request("GET", location, key, query="").status == 200


def test_a_delete_purges_input_and_result_at_once(stack: Harness) -> None:
    tenant, key = stack.new_tenant()
    location = _read(stack, key, encode(text_image(["Delete me soon"]), "PNG"))
    assert stack.wait(location, key)["status"] == "succeeded"
    assert stack.stored_objects(tenant)
    answer = stack.request("DELETE", location, key, query="")
    assert answer.status == 204 and answer.body == b""
    receipt = json.loads(answer.headers["x-docsafe-receipt"])
    assert receipt["operationId"] == location.rsplit("/", 1)[1]
    assert receipt["destroyed"]["input"] and receipt["destroyed"]["result"]
    assert stack.stored_objects(tenant) == [] and stack.unowned_objects() == []
    assert stack.request("GET", location, key, query="").status == 404


def test_a_request_without_a_key_is_refused_before_anything_is_stored(stack: Harness) -> None:
    tenant, _ = stack.new_tenant()
    answer = stack.request("POST", READ, None, query="", body=encode(text_image(["No key"]), "PNG"))
    assert answer.status == 401
    assert answer.json()["error"]["code"] == "401"
    assert stack.stored_objects(tenant) == [] and stack.unowned_objects() == []
