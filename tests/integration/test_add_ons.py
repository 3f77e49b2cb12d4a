"""The add-ons through the whole stack: barcodes (read beside the text on images, scanned and
born-digital PDFs alike, on prebuilt-read and prebuilt-layout) and languages."""

from __future__ import annotations

import pytest

from tests.support.documents import encode, scanned_pdf, text_image, text_pdf, with_barcodes
from tests.support.stack import Harness


@pytest.mark.parametrize("model", ["prebuilt-read", "prebuilt-layout"])
def test_barcodes_are_read_beside_the_text_of_an_image(local_stack: Harness, model: str) -> None:
    key = local_stack.new_key("acme")
    page = with_barcodes(
        text_image(["Parcel for Zurich"], size=(1400, 900)),
        [("QRCode", "TRACK-42"), ("EAN13", "4006381333931")],
    )
    body = local_stack.wait(local_stack.submit(encode(page, "PNG"), key, model, "features=barcodes"), key)
    assert body["status"] == "succeeded", body
    result = body["analyzeResult"]
    (wire,) = result["pages"]
    found = {(code["kind"], code["value"]) for code in wire["barcodes"]}
    assert found == {("QRCode", "TRACK-42"), ("EAN13", "4006381333931")}
    for code in wire["barcodes"]:
        # each one a ":barcode:" of the content, inside its page's span, with its polygon
        span = code["span"]
        assert result["content"][span["offset"] : span["offset"] + span["length"]] == ":barcode:"
        page_span = wire["spans"][0]
        assert page_span["offset"] <= span["offset"] < page_span["offset"] + page_span["length"]
        assert len(code["polygon"]) == 8 and code["confidence"] == 1.0
    assert result["content"].startswith("Parcel for Zurich")


def test_a_pdfs_barcodes_are_in_inches_and_a_born_digital_page_is_rendered_for_them(
    local_stack: Harness,
) -> None:
    key = local_stack.new_key("acme")
    scan = with_barcodes(text_image(["Scanned label"], size=(1275, 1650)), [("Code128", "LABEL-7")])
    body = local_stack.wait(local_stack.submit(scanned_pdf([scan]), key, query="features=barcodes"), key)
    (code,) = body["analyzeResult"]["pages"][0]["barcodes"]
    assert code["kind"] == "Code128" and max(code["polygon"]) < 11  # inches on a letter page
    # A page with a text layer and no barcode: read from its text, and no barcode found
    body = local_stack.wait(
        local_stack.submit(text_pdf([["Born digital"]]), key, query="features=barcodes"), key
    )
    assert body["analyzeResult"]["pages"][0]["barcodes"] == []
    assert "Born digital" in body["analyzeResult"]["content"]


def test_without_the_feature_no_barcode_is_looked_for(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    page = with_barcodes(text_image(["Parcel"], size=(1400, 900)), [("QRCode", "TRACK-42")])
    result = local_stack.wait(local_stack.submit(encode(page, "PNG"), key), key)["analyzeResult"]
    assert "barcodes" not in result["pages"][0] and ":barcode:" not in result["content"]


def test_languages_are_told_paragraph_by_paragraph(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    page = text_image(
        [
            "The invoice is due at the end of the month",
            "",
            "",
            "Die Rechnung ist bis zum Monatsende zu bezahlen",
        ],
        size=(1800, 700),
    )
    result = local_stack.wait(local_stack.submit(encode(page, "PNG"), key, query="features=languages"), key)[
        "analyzeResult"
    ]
    content = result["content"]
    told = [
        (
            entry["locale"],
            content[entry["spans"][0]["offset"] : entry["spans"][0]["offset"] + entry["spans"][0]["length"]],
        )
        for entry in result["languages"]
    ]
    assert told == [
        ("en", "The invoice is due at the end of the month"),
        ("de", "Die Rechnung ist bis zum Monatsende zu bezahlen"),
    ]


def test_query_fields_are_answered_from_their_labels(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    page = text_image(
        ["Invoice number: 4471", "Due date: 2026-12-31", "Thank you for your order"], size=(1400, 600)
    )
    query = "features=queryFields&queryFields=InvoiceNumber,DueDate,PurchaseOrder"
    result = local_stack.wait(local_stack.submit(encode(page, "PNG"), key, "prebuilt-layout", query), key)[
        "analyzeResult"
    ]
    (document,) = result["documents"]
    fields = document["fields"]
    assert fields["InvoiceNumber"]["valueString"] == "4471"
    assert fields["DueDate"]["valueString"] == "2026-12-31"
    assert fields["PurchaseOrder"] == {"type": "string"}


@pytest.mark.parametrize(
    ("model", "query"),
    [
        ("prebuilt-layout", "queryFields=InvoiceNumber"),  # without the feature
        ("prebuilt-layout", "features=queryFields"),  # without the fields
        ("prebuilt-layout", "features=queryFields&queryFields=Bad%20Name"),
    ],
)
def test_query_fields_asked_for_wrongly_are_refused(local_stack: Harness, model: str, query: str) -> None:
    from urllib.parse import unquote

    key = local_stack.new_key("acme")
    answer = local_stack.request(
        "POST",
        f"/documentintelligence/documentModels/{model}:analyze",
        key,
        query=f"api-version=2024-11-30&{unquote(query)}",
        body=encode(text_image(["Fine"]), "PNG"),
    )
    error = local_stack.refusal(answer, key)
    assert (
        error["target"] in ("queryFields", "features") and error["innererror"]["code"] == "InvalidParameter"
    )


def test_font_styles_are_given_for_a_scan_and_a_born_digital_pdf(local_stack: Harness) -> None:
    from tests.support.documents import style_page, styled_text_pdf

    key = local_stack.new_key("acme")
    for document, model in (
        (encode(style_page(), "PNG"), "prebuilt-read"),
        (styled_text_pdf(), "prebuilt-layout"),
    ):
        body = local_stack.wait(local_stack.submit(document, key, model, "features=styleFont"), key)
        assert body["status"] == "succeeded", body
        result = body["analyzeResult"]
        bold = [s for s in result["styles"] if s.get("fontWeight") == "bold"]
        assert bold, result["styles"]
        span = bold[0]["spans"][0]
        assert result["content"][span["offset"] : span["offset"] + span["length"]] in (
            "Total due now",
            "Bold words here",
        )
