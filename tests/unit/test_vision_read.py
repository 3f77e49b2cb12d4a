"""Computer Vision Read v3.2: its query checked into the shared analysis spec with Read's
own error codes, and its result made from the stored Document Intelligence result (the
shape of Ocr.json's ReadOperationResult, every word in its own line)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from docsafe.contract.errors import DocSafeError, InvalidArgument, Unauthorized
from docsafe.contract.result import build_analyze_result
from docsafe.contract.vision_read import (
    MODEL_VERSION,
    VERSION,
    gateway_refusal,
    operation_body,
    parse_read_body,
    parse_read_options,
    read_error,
    read_result,
)
from docsafe.engines.base import Line, PageText, Word
from docsafe.formats import Format
from docsafe.jobs import Job, JobError, Status
from docsafe.specs import MAX_PAGE_NUMBER, AnalysisSpec, Contract

from tests.support.documents import encode, text_image


def line(y: float, *texts: str, handwritten: bool = False) -> Line:
    words = tuple(
        Word(text, (10.0 + 100 * n, y, 90.0 + 100 * n, y + 20), 0.9 - 0.1 * n) for n, text in enumerate(texts)
    )
    return Line(words=words, box=(10.0, y, 90.0 + 100 * (len(texts) - 1), y + 20), handwritten=handwritten)


def stored(*pages: PageText) -> dict:
    return build_analyze_result("prebuilt-read", list(enumerate(pages, start=1)))


def test_pages_lines_and_words_take_read_v3_2s_shape() -> None:
    printed = PageText(width=600, height=400, unit="pixel", lines=(line(10, "Invoice", "4711"),), angle=1.5)
    scanned = PageText(
        width=8.5,
        height=11,
        unit="inch",
        lines=(line(1, "Total", "due"), line(2, "signed", handwritten=True)),
    )
    document = stored(printed, scanned)
    result = read_result(document)
    assert (result["version"], result["modelVersion"]) == (VERSION, MODEL_VERSION)
    first, second = result["readResults"]
    assert set(first) == {"page", "angle", "width", "height", "unit", "lines"}
    assert (first["page"], first["angle"], first["width"], first["height"], first["unit"]) == (
        1,
        1.5,
        600,
        400,
        "pixel",
    )
    assert (second["page"], second["unit"]) == (2, "inch")
    (invoice,) = first["lines"]
    assert set(invoice) == {"boundingBox", "text", "appearance", "words"}
    assert invoice["text"] == "Invoice 4711"
    # The same corners as Document Intelligence's polygon (turned with the page's angle).
    assert invoice["boundingBox"] == document["pages"][0]["lines"][0]["polygon"]
    assert len(invoice["boundingBox"]) == 8
    assert [(w["text"], w["confidence"]) for w in invoice["words"]] == [("Invoice", 0.9), ("4711", 0.8)]
    assert all(
        set(w) == {"boundingBox", "text", "confidence"} and len(w["boundingBox"]) == 8
        for w in invoice["words"]
    )
    # Each line holds its own words, none of the next line's.
    assert [[w["text"] for w in each["words"]] for each in second["lines"]] == [["Total", "due"], ["signed"]]


def test_handwritten_lines_are_handwriting_and_the_rest_other() -> None:
    page = PageText(
        width=600, height=400, unit="pixel", lines=(line(10, "Typed"), line(50, "Scrawl", handwritten=True))
    )
    typed, scrawl = read_result(stored(page))["readResults"][0]["lines"]
    assert typed["appearance"]["style"]["name"] == "other"
    assert scrawl["appearance"]["style"]["name"] == "handwriting"
    assert 0 < scrawl["appearance"]["style"]["confidence"] <= 1


def test_a_document_with_no_text_has_pages_with_no_lines() -> None:
    result = read_result(stored(PageText(width=600, height=400, unit="pixel")))
    assert result["readResults"] == [
        {"page": 1, "angle": 0.0, "width": 600, "height": 400, "unit": "pixel", "lines": []}
    ]


def test_the_official_clients_models_read_every_field() -> None:
    """azure-cognitiveservices-vision-computervision deserialises the result as it would
    an answer of Azure's Read (the keys it maps are the spec's)."""
    from azure.cognitiveservices.vision.computervision import models
    from msrest import Deserializer

    page = PageText(width=600, height=400, unit="pixel", lines=(line(10, "Invoice", "4711"),))
    body = {
        "status": "succeeded",
        "createdDateTime": "2026-12-01T10:00:00Z",
        "lastUpdatedDateTime": "2026-12-01T10:00:02Z",
        "analyzeResult": read_result(stored(page)),
    }
    deserialize = Deserializer({name: kind for name, kind in vars(models).items() if isinstance(kind, type)})
    operation = deserialize("ReadOperationResult", body)
    assert operation.status == models.OperationStatusCodes.succeeded
    (result,) = operation.analyze_result.read_results
    assert (result.page, result.width, result.unit) == (
        1,
        600,
        models.TextRecognitionResultDimensionUnit.pixel,
    )
    (read_line,) = result.lines
    assert read_line.text == "Invoice 4711" and read_line.appearance.style.name == "other"
    assert [(w.text, w.confidence, len(w.bounding_box)) for w in read_line.words] == [
        ("Invoice", 0.9, 8),
        ("4711", 0.8, 8),
    ]


def refusal(query: dict[str, str], **kwargs: Any) -> str | None:
    with pytest.raises(InvalidArgument) as refused:
        parse_read_options(query, **kwargs)
    assert refused.value.status == 400
    return refused.value.inner_code


def test_what_the_official_client_always_sends_is_the_default_reading() -> None:
    default = AnalysisSpec(contract=Contract.VISION_READ)
    assert parse_read_options({"model-version": "latest", "readingOrder": "basic"}) == default
    assert parse_read_options({"modelVersion": MODEL_VERSION, "readingOrder": "natural"}) == default


def test_pages_take_reads_open_ranges() -> None:
    spec = parse_read_options({"pages": "1-3,5,7-"})
    assert spec.pages == ((1, 3), (5, 5), (7, MAX_PAGE_NUMBER))
    assert spec.page_numbers(9) == [1, 2, 3, 5, 7, 8, 9]
    assert parse_read_options({"pages": "-2"}).page_numbers(9) == [1, 2]


@pytest.mark.parametrize("pages", ["", "0", "3-1", "a", "1--2", "1,,2", "-", "\u0663", "1-" + "9" * 7])
def test_pages_that_are_not_numbers_or_ranges_are_an_invalid_page_range(pages: str) -> None:
    assert refusal({"pages": pages}) == "InvalidPageRange"


def test_a_language_not_installed_is_not_supported_and_one_installed_is_the_locale() -> None:
    assert refusal({"language": "xx"}) == "NotSupportedLanguage"
    assert refusal({"language": "de"}, languages=("eng",)) == "NotSupportedLanguage"
    assert parse_read_options({"language": "de"}, languages=("eng", "deu")).locale == "de"


def test_an_unknown_reading_order_or_model_version_is_refused_with_reads_codes() -> None:
    assert refusal({"readingOrder": "sideways"}) == "InvalidReadingOrder"
    assert refusal({"model-version": "2021-04-12"}) == "InvalidModel"
    assert refusal({"modelVersion": "newest"}) == "InvalidModel"


PNG = encode(text_image(["Read me"], size=(200, 80), font_size=20), "PNG")


def test_the_image_comes_as_bytes_or_from_its_url() -> None:
    assert parse_read_body(PNG, "application/octet-stream", 1000_000, fetch_nothing) == (PNG, Format.PNG)
    fetched: list[tuple[str, int, str]] = []

    def fetch(url: str, max_bytes: int, *, field: str) -> bytes:
        fetched.append((url, max_bytes, field))
        return PNG

    body = json.dumps({"url": "https://scans.example/a.png"}).encode()
    assert parse_read_body(body, "application/json; charset=utf-8", 1000_000, fetch) == (PNG, Format.PNG)
    # The URL is fetched with its limit, and its refusals name Read's field
    assert fetched == [("https://scans.example/a.png", 1000_000, "url")]


def fetch_nothing(url: str, max_bytes: int, *, field: str) -> bytes:
    raise AssertionError("nothing is to be fetched")


@pytest.mark.parametrize(
    ("body", "content_type", "code"),
    [
        (b'{"urlSource": "https://scans.example/a.png"}', "application/json", "InvalidImageUrl"),
        (b'{"url": 42}', "application/json", "InvalidImageUrl"),
        (b"not json", "application/json", "InvalidImageUrl"),
        (b"", "application/octet-stream", "InvalidImageSize"),
        (b"x" * 2000, "application/octet-stream", "InvalidImageSize"),
        (b"plain text", "text/plain", "InvalidImageFormat"),
        (encode(text_image(["tiny"], size=(40, 10), font_size=8), "PNG"), "image/png", "InvalidImageSize"),
    ],
)
def test_a_bad_image_is_refused_with_reads_code(body: bytes, content_type: str, code: str) -> None:
    with pytest.raises(DocSafeError) as refused:
        parse_read_body(body, content_type, 1000, fetch_nothing)
    assert 400 <= refused.value.status < 500
    assert read_error(refused.value)["code"] == code


def test_reads_error_is_flat_for_its_client_and_nested_for_the_live_services_readers() -> None:
    error = InvalidArgument("pages must be page numbers.", inner_code="InvalidPageRange", target="pages")
    assert read_error(error) == {
        "code": "InvalidPageRange",
        "message": "pages must be page numbers.",
        "error": {
            "code": "InvalidArgument",
            "message": "pages must be page numbers.",
            "innererror": {"code": "InvalidPageRange", "message": "pages must be page numbers."},
        },
    }
    # Document Intelligence's own refusals are told in Read's words
    stored = JobError("InvalidRequest", "urlSource could not be fetched.", "InvalidUrlSource")
    assert read_error(stored)["code"] == "InvalidImageUrl"
    # A 401 has no inner code: the code is the same in both places
    assert read_error(Unauthorized())["code"] == read_error(Unauthorized())["error"]["code"] == "401"


def test_an_analysis_keeps_the_api_it_was_asked_through() -> None:
    spec = parse_read_options({"pages": "2-"})
    assert AnalysisSpec.from_record(spec.to_record()) == spec
    assert spec.to_record()["contract"] == "visionRead"
    # A Document Intelligence record is as it was before contracts were recorded
    assert "contract" not in AnalysisSpec().to_record()
    assert AnalysisSpec.from_record({}).contract is Contract.DOCUMENT_INTELLIGENCE


def test_a_failed_operation_says_why_beside_reads_status() -> None:
    job = Job(
        tenant="acme",
        operation_id="0f8fad5b-d9cb-469f-a165-70867728950e",
        model_id="prebuilt-read",
        status=Status.FAILED,
        created_at=1_700_000_000,
        updated_at=1_700_000_005,
        expires_at=1_700_086_400,
        wrapped_key=b"",
        error=JobError("InvalidArgument", "language 'xx' is not supported.", "NotSupportedLanguage"),
    )
    assert operation_body(job, None) == {
        "status": "failed",
        "createdDateTime": "2023-11-14T22:13:20Z",
        "lastUpdatedDateTime": "2023-11-14T22:13:25Z",
        "error": {"code": "NotSupportedLanguage", "message": "language 'xx' is not supported."},
    }


def test_the_gateway_refuses_only_what_is_malformed_as_it_stands() -> None:
    # What the client always sends, and what only reading the request can judge, pass
    for query in (
        {"model-version": "latest", "readingOrder": "basic"},
        {"pages": "0"},
        {"pages": "3-1,7-,-2"},
        {"language": "xx-Nope"},
        {"modelVersion": MODEL_VERSION, "readingOrder": "natural"},
    ):
        assert gateway_refusal(query) is None, query
    # Malformed pages, orders and model versions are refused with Read's codes, in order
    refusal = gateway_refusal({"pages": "1, 3", "readingOrder": "x"})
    assert refusal is not None and refusal.inner_code == "InvalidPageRange"
    refusal = gateway_refusal({"readingOrder": "x", "modelVersion": "y"})
    assert refusal is not None and refusal.inner_code == "InvalidReadingOrder"
    refusal = gateway_refusal({"model-version": "latest", "modelVersion": "y"})
    assert refusal is not None and refusal.inner_code == "InvalidModel"
