"""output=pdf: the document back as a PDF whose invisible text layer selects and extracts."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest

from tests.support.documents import encode, scanned_pdf, text_image, text_pdf, words_of
from tests.support.stack import Harness

LINES = ["Searchable invoice 4711", "Total amount 99 EUR"]


def pdf_of(stack: Harness, document: bytes, key: str, query: str = "output=pdf") -> tuple[str, bytes, dict]:
    """(Operation-Location, the PDF or b"", the answer's status and error body)."""
    location = stack.submit(document, key, query=query)
    assert stack.wait(location, key)["status"] == "succeeded"
    answer = stack.request("GET", location + "/pdf", key)
    if answer.status == 200:
        return location, answer.body, {"status": 200}
    return location, b"", {"status": answer.status, **answer.json()}


def words_in(data: bytes) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each word of every page's text layer, with its box in points from the top left."""
    pdf = pdfium.PdfDocument(data)
    found = []
    for page in pdf:
        height = page.get_height()
        text = page.get_textpage()
        content = text.get_text_range()
        for word in content.split():
            start = content.index(word)
            boxes = [text.get_charbox(i) for i in range(start, start + len(word))]
            left, right = min(b[0] for b in boxes), max(b[2] for b in boxes)
            top, bottom = height - max(b[3] for b in boxes), height - min(b[1] for b in boxes)
            found.append((word, (left, top, right, bottom)))
    return found


def test_an_image_comes_back_as_a_pdf_whose_text_extracts_in_place(shared_stack: Harness) -> None:
    # Given an image of two lines, analyzed with output=pdf
    key = shared_stack.new_tenant()[1]
    image = text_image(LINES, size=(1400, 600))
    location, data, answer = pdf_of(shared_stack, encode(image, "PNG"), key)

    # Then the PDF is one page of the image's proportions whose text layer has the words
    assert answer["status"] == 200 and data.startswith(b"%PDF-")
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) == 1
    assert pdf[0].get_width() / pdf[0].get_height() == pytest.approx(1400 / 600, rel=0.01)
    extracted = pdf[0].get_textpage().get_text_range()
    assert words_of(" ".join(LINES)) <= words_of(extracted)
    # And each word lies where the analyzeResult put it
    result = shared_stack.wait(location, key)["analyzeResult"]
    scale = pdf[0].get_width() / 1400
    placed = dict(words_in(data))
    for word in result["pages"][0]["words"]:
        xs, ys = word["polygon"][0::2], word["polygon"][1::2]
        left, top, right, bottom = placed[word["content"]]
        assert left == pytest.approx(min(xs) * scale, abs=3) and right == pytest.approx(
            max(xs) * scale, abs=3
        )
        assert (top + bottom) / 2 == pytest.approx((min(ys) + max(ys)) / 2 * scale, abs=4)


def test_a_scanned_pdf_keeps_its_pages_and_gains_a_text_layer(shared_stack: Harness) -> None:
    key = shared_stack.new_tenant()[1]
    pages = [text_image([f"Scanned statement {word}"], size=(1275, 825)) for word in ("alpha", "bravo")]
    _, data, _ = pdf_of(shared_stack, scanned_pdf(pages, resolution=150), key)
    pdf = pdfium.PdfDocument(data)
    assert len(pdf) == 2 and pdf[0].get_size() == pytest.approx((612, 396), abs=1)
    assert "alpha" in words_of(pdf[0].get_textpage().get_text_range())
    assert "bravo" in words_of(pdf[1].get_textpage().get_text_range())


def test_a_born_digital_page_keeps_its_own_text_once(shared_stack: Harness) -> None:
    key = shared_stack.new_tenant()[1]
    _, data, _ = pdf_of(shared_stack, text_pdf([["Already searchable text"]]), key)
    text = pdfium.PdfDocument(data)[0].get_textpage().get_text_range()
    assert text.split() == ["Already", "searchable", "text"]


def test_the_pdf_is_only_there_when_asked_for(shared_stack: Harness) -> None:
    key = shared_stack.new_tenant()[1]
    _, data, answer = pdf_of(shared_stack, encode(text_image(["no pdf"]), "PNG"), key, query="")
    assert data == b"" and answer["status"] == 404
    assert answer["error"]["innererror"]["code"] == "PdfNotRequested"
    refused = shared_stack.request(
        "POST",
        "/documentintelligence/documentModels/prebuilt-read:analyze",
        key,
        body=encode(text_image(["x"]), "PNG"),
        query="api-version=2024-11-30&output=figures",
    )
    assert "figures" in shared_stack.refusal(refused, key)["message"]
