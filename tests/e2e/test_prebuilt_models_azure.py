"""The official Azure client reads prebuilt-invoice, prebuilt-receipt and prebuilt-idDocument
from `docsafe serve`, as its own samples do (typed values through its models)."""

from __future__ import annotations

import io
from datetime import date, time

import pytest
from azure.ai.documentintelligence import DocumentIntelligenceAdministrationClient, DocumentIntelligenceClient
from azure.core.credentials import AzureKeyCredential

from bench.prebuilt import corpus
from tests.e2e.conftest import Server
from tests.support.documents import encode

pytestmark = pytest.mark.e2e


def _analyze(server: Server, model: str, document: bytes):  # type: ignore[no-untyped-def]
    client = DocumentIntelligenceClient(server.url, AzureKeyCredential(server.keys["alpha"]))
    return client.begin_analyze_document(model, io.BytesIO(document), polling_interval=0.5).result()


def test_the_client_reads_an_invoice_as_its_sample_does(server: Server) -> None:
    drawn = corpus.invoice(1002, 2)
    result = _analyze(server, "prebuilt-invoice", encode(drawn.image, "PNG"))
    (invoice,) = result.documents
    fields = invoice.fields
    assert invoice.doc_type == "invoice"
    assert fields["InvoiceId"].value_string == drawn.truth["InvoiceId"]
    assert fields["InvoiceDate"].value_date == date.fromisoformat(drawn.truth["InvoiceDate"])
    total = fields["InvoiceTotal"].value_currency
    assert (total.amount, total.currency_code, total.currency_symbol) == (
        drawn.truth["InvoiceTotal"],
        "GBP",
        "£",
    )
    assert fields["CustomerAddress"].value_address.postal_code == drawn.truth["CustomerAddress"]["postalCode"]
    descriptions = [item.value_object["Description"].value_string for item in fields["Items"].value_array]
    assert descriptions == [description for description, _ in drawn.truth["Items"]]
    assert fields["InvoiceTotal"].bounding_regions[0].page_number == 1


def test_the_client_reads_a_receipt(server: Server) -> None:
    drawn = corpus.receipt(2000, 0)
    result = _analyze(server, "prebuilt-receipt", encode(drawn.image, "PNG"))
    (receipt,) = result.documents
    fields = receipt.fields
    assert receipt.doc_type == "receipt.retailMeal"
    assert fields["MerchantName"].value_string == drawn.truth["MerchantName"]
    assert fields["MerchantPhoneNumber"].value_phone_number == drawn.truth["MerchantPhoneNumber"]
    assert fields["TransactionTime"].value_time == time.fromisoformat(drawn.truth["TransactionTime"])
    assert fields["Total"].value_currency.amount == drawn.truth["Total"]


def test_the_client_reads_a_passport_and_its_machine_readable_zone(server: Server) -> None:
    drawn = corpus.id_document(4000, passport=True)
    result = _analyze(server, "prebuilt-idDocument", encode(drawn.image, "PNG"))
    (passport,) = result.documents
    fields = passport.fields
    assert passport.doc_type == "idDocument.passport"
    assert fields["DocumentNumber"].value_string == drawn.truth["DocumentNumber"]
    assert fields["DateOfBirth"].value_date == date.fromisoformat(drawn.truth["DateOfBirth"])
    zone = fields["MachineReadableZone"].value_object
    assert zone["Nationality"].value_country_region == "UTO"
    assert zone["DateOfExpiration"].value_date == date.fromisoformat(drawn.truth["DateOfExpiration"])


def test_the_administration_client_describes_the_prebuilt_models(server: Server) -> None:
    admin = DocumentIntelligenceAdministrationClient(server.url, AzureKeyCredential(server.keys["alpha"]))
    receipt = admin.get_model("prebuilt-receipt")
    assert set(receipt.doc_types) >= {"receipt.retailMeal", "receipt.hotel"}
    assert receipt.doc_types["receipt.retailMeal"].field_schema["Total"].type == "currency"
    listed = {model.model_id for model in admin.list_models()}
    assert {"prebuilt-invoice", "prebuilt-receipt", "prebuilt-idDocument"} <= listed
