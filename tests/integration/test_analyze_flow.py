"""The real state machine under moto, driven through the API handlers; the contract
tests run with each OCR engine."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from docsafe.engines.base import EngineFailed

from tests.support.documents import (
    encode,
    faint_receipt,
    multipage_tiff,
    scanned_pdf,
    text_image,
    text_pdf,
    words_of,
)
from tests.support.stack import Harness, location_of

INVOICE = ["Invoice 4711 from Example Corp", "Total amount due 99 EUR"]


def test_png_is_read_into_pages_lines_and_words(engine_stack: Harness) -> None:
    # Given a tenant with a key and a PNG with known text
    key = engine_stack.new_key("acme")
    # When it is analyzed and polled to the end
    location = engine_stack.submit(encode(text_image(INVOICE), "PNG"), key)
    body = engine_stack.wait(location, key)
    # Then the result holds the text, with spans that index into content
    assert body["status"] == "succeeded"
    result = body["analyzeResult"]
    assert words_of(" ".join(INVOICE)) <= words_of(result["content"])
    (page,) = result["pages"]
    assert page["unit"] == "pixel" and (page["width"], page["height"]) == (1400, 600)
    assert len(page["lines"]) == 2
    for word in page["words"]:
        span = word["span"]
        assert result["content"][span["offset"] : span["offset"] + span["length"]] == word["content"]
        assert 0 <= word["confidence"] <= 1 and len(word["polygon"]) == 8


def test_multipage_tiff_keeps_page_order(engine_stack: Harness) -> None:
    key = engine_stack.new_key("acme")
    tiff = multipage_tiff([text_image(["First page alpha"]), text_image(["Second page bravo"])])
    body = engine_stack.wait(engine_stack.submit(tiff, key), key)
    pages = body["analyzeResult"]["pages"]
    assert [p["pageNumber"] for p in pages] == [1, 2]
    assert "alpha" in words_of(pages[0]["lines"][0]["content"])
    assert "bravo" in words_of(pages[1]["lines"][0]["content"])


def test_scanned_pdf_is_ocred_and_measured_in_inches(engine_stack: Harness) -> None:
    key = engine_stack.new_key("acme")
    pdf = scanned_pdf([text_image(["Scanned contract charlie"], size=(1275, 825))], resolution=150)
    body = engine_stack.wait(engine_stack.submit(pdf, key), key)
    (page,) = body["analyzeResult"]["pages"]
    assert page["unit"] == "inch" and page["width"] == pytest.approx(8.5, abs=0.01)
    assert {"scanned", "contract", "charlie"} <= words_of(body["analyzeResult"]["content"])


def test_born_digital_pdf_uses_its_text_layer(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    pdf = text_pdf([["Exact text from the layer: 3.14159"], ["Page two text"]])
    body = local_stack.wait(local_stack.submit(pdf, key), key)
    result = body["analyzeResult"]
    assert result["content"] == "Exact text from the layer: 3.14159\nPage two text"
    assert all(word["confidence"] == 1.0 for page in result["pages"] for word in page["words"])


def test_pages_option_reads_only_the_pages_asked_for(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    pdf = text_pdf([["one"], ["two"], ["three"]])
    body = local_stack.wait(local_stack.submit(pdf, key, query="pages=1,3"), key)
    assert [p["pageNumber"] for p in body["analyzeResult"]["pages"]] == [1, 3]
    assert body["analyzeResult"]["content"] == "one\nthree"


def test_base64_source_is_accepted(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    payload = json.dumps({"base64Source": base64.b64encode(text_pdf([["base64 works"]])).decode()})
    answer = local_stack.request(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        key,
        body=payload.encode(),
        content_type="application/json",
    )
    assert answer.status == 202
    location = answer.headers["Operation-Location"]
    assert location.startswith("https://docsafe.test/documentintelligence/documentModels/prebuilt-read/")
    body = local_stack.wait(location_of(answer), key)
    assert body["analyzeResult"]["content"] == "base64 works"


def test_corrupt_document_ends_failed_with_invalid_content(local_stack: Harness) -> None:
    # Given bytes that look like a PNG but are not one
    key = local_stack.new_key("acme")
    body = local_stack.wait(local_stack.submit(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, key), key)
    assert body["status"] == "failed"
    assert body["error"]["code"] == "InvalidRequest"
    assert body["error"]["innererror"]["code"] == "InvalidContent"
    assert "analyzeResult" not in body


def test_a_failing_page_fails_the_job_without_leaking_details(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an engine that crashes on the second page with a message quoting the page
    from docsafe.engines import tesseract

    original = tesseract.TesseractEngine.read
    calls = {"n": 0}

    def flaky(self, image, layout=False):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise EngineFailed("secret page words")
        return original(self, image, layout)

    monkeypatch.setattr(tesseract.TesseractEngine, "read", flaky)
    key = local_stack.new_key("acme")
    tiff = multipage_tiff([text_image(["good page"]), text_image(["bad page"])])
    body = local_stack.wait(local_stack.submit(tiff, key), key)
    # Then the job fails with a code, and nothing of the exception's text reaches the client
    assert body["status"] == "failed"
    assert body["error"]["code"] == "InternalServerError"
    assert "secret" not in json.dumps(body)


@pytest.mark.parametrize("failure", [RuntimeError("onnxruntime: secret page words"), MemoryError()])
def test_pp_ocr_failing_on_a_hard_page_fails_the_job_cleanly(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch, failure: BaseException
) -> None:
    # Given the reading policy sending a hard page to PP-OCR, whose model run fails there
    from rapidocr import RapidOCR

    def failing(self: Any, *args: Any, **kwargs: Any) -> Any:
        raise failure

    monkeypatch.setattr(RapidOCR, "__call__", failing)
    key = local_stack.new_key("acme")
    body = local_stack.wait(local_stack.submit(encode(faint_receipt(), "PNG"), key), key)
    # Then the job ends failed with a code (not stuck running), and says nothing of the page
    assert body["status"] == "failed"
    assert body["error"]["code"] == "InternalServerError"
    assert "secret" not in json.dumps(body)


def test_unsupported_format_is_refused_up_front(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    answer = local_stack.request(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        key,
        body=b"plain text, not a document",
    )
    # API Gateway stored the request (202); the intake refused it: a failed operation
    # that never held the document, and nothing of it stored
    assert local_stack.refusal(answer, key)["innererror"]["code"] == "InvalidContent"
    (record,) = local_stack.job_records()
    assert record["wrappedKey"]["B"] == b"" and local_stack.stored_objects() == []


def test_layout_model_returns_tables_marks_and_key_value_pairs(engine_stack: Harness) -> None:
    from tests.support.documents import FORM_TABLE, form_image

    key = engine_stack.new_key("acme")
    location = engine_stack.submit(
        encode(form_image(), "PNG"), key, model="prebuilt-layout", query="features=keyValuePairs"
    )
    result = engine_stack.wait(location, key)["analyzeResult"]
    assert result["modelId"] == "prebuilt-layout"
    assert [(t["rowCount"], t["columnCount"]) for t in result["tables"]] == [(len(FORM_TABLE), 3)]
    assert len(result["pages"][0]["selectionMarks"]) == 2
    assert {"Name:", "Date:", "Policy:"} <= {kv["key"]["content"] for kv in result["keyValuePairs"]}


def test_layout_of_a_born_digital_pdf_uses_the_text_layer_and_finds_the_rules(local_stack: Harness) -> None:
    from tests.support.documents import text_pdf_with_table

    key = local_stack.new_key("acme")
    location = local_stack.submit(
        text_pdf_with_table(), key, model="prebuilt-layout", query="outputContentFormat=markdown"
    )
    result = local_stack.wait(location, key)["analyzeResult"]
    (table,) = result["tables"]
    assert (table["rowCount"], table["columnCount"]) == (2, 2)
    assert "| Name | Value |" in result["content"] and "| alpha | 42 |" in result["content"]


def test_unsupported_features_and_formats_are_refused(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    pdf = text_pdf([["x"]])
    for model, query in [
        ("prebuilt-read", "features=keyValuePairs"),
        ("prebuilt-layout", "features=formulas"),
        ("prebuilt-read", "features=barcodes,ocrHighResolution"),
        ("prebuilt-read", "outputContentFormat=markdown"),
    ]:
        answer = local_stack.request(
            "POST",
            f"/documentintelligence/documentModels/{model}:analyze",
            key,
            query=f"api-version=2024-11-30&{query}",
            body=pdf,
        )
        error = local_stack.refusal(answer, key)
        assert error["code"] == "InvalidArgument", (model, query)
        assert error["target"] in ("features", "outputContentFormat")
        if error["target"] == "features":  # the message names what is served, and why not
            assert "Supported: barcodes" in error["message"], error
        if "formulas" in query:
            assert "No offline formula model" in error["message"]


DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not DEJAVU.is_file(), reason="needs a font with umlauts (Debian fonts-dejavu-core)")
def test_locale_picks_the_installed_language_model(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe import runtime
    from PIL import Image, ImageDraw, ImageFont

    monkeypatch.setenv("DOCSAFE_LANGUAGES", "eng,deu")
    runtime.reset()
    key = local_stack.new_key("acme")
    image = Image.new("L", (1400, 300), 255)
    font = ImageFont.truetype(str(DEJAVU), 40)
    ImageDraw.Draw(image).text((80, 80), "Größe der Straße für Müller", font=font, fill=0)
    body = local_stack.wait(local_stack.submit(encode(image, "PNG"), key, query="locale=de"), key)
    assert {"größe", "straße", "für", "müller"} <= words_of(body["analyzeResult"]["content"])


def test_the_native_status_reports_pages_read(local_stack: Harness) -> None:
    # Given a three-page document of which two pages are asked for
    key = local_stack.new_key("acme")
    pdf = text_pdf([["one"], ["two"], ["three"]])
    location = local_stack.submit(pdf, key, query="pages=1,3")
    operation_id = location.rsplit("/", 1)[1]
    local_stack.wait(location, key)
    # When its native status is read
    answer = local_stack.request("GET", f"/v1/operations/{operation_id}", key, query="")
    # Then it says how many pages were read of those selected
    status = answer.json()
    assert (status["status"], status["pageCount"], status["pagesRead"]) == ("succeeded", 2, 2)


def test_a_page_is_not_counted_for_a_job_that_is_gone(local_stack: Harness) -> None:
    from docsafe import runtime

    key = local_stack.new_key("acme")
    location = local_stack.submit(text_pdf([["one"]]), key)
    local_stack.wait(location, key)
    jobs = runtime.services().jobs
    job = jobs.get("acme", location.rsplit("/", 1)[1])
    assert job is not None and job.pages_read == 1
    assert not jobs.count_page_read(job)  # finished: a late page does not count
    jobs.delete(job.tenant, job.operation_id)
    assert not jobs.count_page_read(job)  # deleted: the record is not brought back
    assert jobs.get(job.tenant, job.operation_id) is None


def test_a_finished_analysis_keeps_its_result_and_not_its_pages(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    location = local_stack.submit(text_pdf([["One"], ["Two"], ["Three"]]), key)
    assert local_stack.wait(location, key)["status"] == "succeeded"
    stored = local_stack.stored_objects()
    assert not [o for o in stored if "/pages/" in o]
    assert [o for o in stored if o.endswith("/result.json")] and [o for o in stored if o.endswith("/input")]


def test_too_many_pages_and_pages_out_of_range_fail_with_their_codes(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe import runtime

    monkeypatch.setenv("DOCSAFE_MAX_PAGES", "2")
    runtime.reset()
    key = local_stack.new_key("acme")
    three = text_pdf([["one"], ["two"], ["three"]])
    failed = local_stack.wait(local_stack.submit(three, key), key)
    assert failed["error"]["innererror"]["code"] == "TooManyPages"
    out_of_range = local_stack.wait(local_stack.submit(three, key, query="pages=7-9"), key)
    assert out_of_range["error"]["innererror"]["code"] == "InvalidParameter"
