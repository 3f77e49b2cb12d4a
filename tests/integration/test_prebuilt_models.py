"""prebuilt-invoice, prebuilt-receipt and prebuilt-idDocument through the whole stack, on
documents drawn with known values (bench/prebuilt/corpus.py), read by the embedded engine."""

from __future__ import annotations

from typing import Any

import pytest
from docsafe.settings import API_VERSION

from bench.prebuilt import corpus
from tests.support.documents import encode, text_image
from tests.support.stack import Harness


def _analyze(stack: Harness, image: Any, model: str) -> dict[str, Any]:
    key = stack.new_key("acme")
    body = stack.wait(stack.submit(encode(image, "PNG"), key, model), key)
    assert body["status"] == "succeeded", body
    return body["analyzeResult"]


def test_an_invoice_gives_its_ids_dates_parties_totals_and_items(local_stack: Harness) -> None:
    drawn = corpus.invoice(1002, 2)  # a British invoice: £, "3 October 2026"
    result = _analyze(local_stack, drawn.image, "prebuilt-invoice")
    (document,) = result["documents"]
    fields, truth = document["fields"], drawn.truth
    assert document["docType"] == "invoice"
    assert fields["InvoiceId"]["valueString"] == truth["InvoiceId"]
    assert fields["InvoiceDate"]["valueDate"] == truth["InvoiceDate"]
    assert fields["DueDate"]["valueDate"] == truth["DueDate"]
    assert fields["InvoiceTotal"]["type"] == "currency"
    assert fields["InvoiceTotal"]["valueCurrency"] == {
        "amount": truth["InvoiceTotal"],
        "currencySymbol": "£",
        "currencyCode": "GBP",
    }
    assert fields["SubTotal"]["valueCurrency"]["amount"] == truth["SubTotal"]
    assert fields["CustomerName"]["valueString"] == truth["CustomerName"]
    assert fields["CustomerAddress"]["valueAddress"]["postalCode"] == truth["CustomerAddress"]["postalCode"]
    items = fields["Items"]["valueArray"]
    assert [
        (
            item["valueObject"]["Description"]["valueString"],
            item["valueObject"]["Amount"]["valueCurrency"]["amount"],
        )
        for item in items
    ] == truth["Items"]
    # Each field is the words it was read from: its spans say its content, on its page.
    total = fields["InvoiceTotal"]
    (span,) = total["spans"]
    assert result["content"][span["offset"] : span["offset"] + span["length"]] == total["content"]
    assert total["boundingRegions"][0]["pageNumber"] == 1 and len(total["boundingRegions"][0]["polygon"]) == 8
    assert 0 < total["confidence"] <= 1
    assert result["tables"] is not None  # the layout comes with the fields, as Azure's does


def test_a_receipt_gives_its_merchant_when_items_and_total(local_stack: Harness) -> None:
    drawn = corpus.receipt(2000, 0)
    result = _analyze(local_stack, drawn.image, "prebuilt-receipt")
    (document,) = result["documents"]
    fields, truth = document["fields"], drawn.truth
    assert document["docType"] == "receipt.retailMeal"
    assert fields["MerchantName"]["valueString"] == truth["MerchantName"]
    assert fields["MerchantPhoneNumber"]["valuePhoneNumber"] == truth["MerchantPhoneNumber"]
    assert fields["TransactionDate"]["valueDate"] == truth["TransactionDate"]
    assert fields["TransactionTime"]["valueTime"] == truth["TransactionTime"]
    assert fields["Total"]["valueCurrency"]["amount"] == truth["Total"]
    assert fields["Total"]["valueCurrency"]["currencyCode"] == "USD"
    assert len(fields["Items"]["valueArray"]) == len(truth["Items"])


def test_a_passport_gives_its_machine_readable_zone_checked(local_stack: Harness) -> None:
    drawn = corpus.id_document(4000, passport=True)
    result = _analyze(local_stack, drawn.image, "prebuilt-idDocument")
    (document,) = result["documents"]
    fields, truth = document["fields"], drawn.truth
    assert document["docType"] == "idDocument.passport"
    zone = fields["MachineReadableZone"]
    assert zone["type"] == "object" and zone["confidence"] == 0.99  # every check digit agreed
    assert zone["valueObject"]["DocumentNumber"]["valueString"] == truth["DocumentNumber"]
    assert zone["valueObject"]["DateOfBirth"]["valueDate"] == truth["DateOfBirth"]
    assert zone["valueObject"]["Nationality"]["valueCountryRegion"] == "UTO"
    for name in ("DocumentNumber", "LastName", "FirstName"):
        assert fields[name]["valueString"] == truth[name], name
    assert fields["DateOfExpiration"]["valueDate"] == truth["DateOfExpiration"]


def test_a_page_that_is_no_invoice_gets_no_invented_fields(local_stack: Harness) -> None:
    page = text_image(["Minutes of the meeting", "We agreed to meet again in spring."])
    result = _analyze(local_stack, page, "prebuilt-invoice")
    (document,) = result["documents"]
    assert not {"InvoiceId", "InvoiceTotal", "InvoiceDate", "Items", "AmountDue"} & set(document["fields"])
    assert document["confidence"] < 0.5


def test_the_models_say_their_document_types_and_fields(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    answer = local_stack.request(
        "GET",
        "/documentintelligence/documentModels/prebuilt-idDocument",
        key,
        query=f"api-version={API_VERSION}",
    )
    assert answer.status == 200
    passport = answer.json()["docTypes"]["idDocument.passport"]["fieldSchema"]
    assert passport["MachineReadableZone"]["type"] == "object"
    assert passport["MachineReadableZone"]["properties"]["DateOfBirth"] == {"type": "date"}


def test_with_the_textract_engine_an_invoice_is_read_by_analyze_expense(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.stack import use_fake_textract

    fake = use_fake_textract(monkeypatch)
    drawn = corpus.invoice(1002, 2)
    result = _analyze(local_stack, drawn.image, "prebuilt-invoice")
    assert [call for call, _ in fake.calls] == ["AnalyzeExpense"]  # one call for the page's words and fields
    total = result["documents"][0]["fields"]["InvoiceTotal"]
    assert total["confidence"] == 0.888  # Textract's field, not the extractor's reading
    assert total["valueCurrency"]["amount"] == drawn.truth["InvoiceTotal"]
    assert total["valueCurrency"]["currencyCode"] == "GBP"
