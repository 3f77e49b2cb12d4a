"""Azure's own Form Recognizer clients (azure-ai-formrecognizer 3.3) against `docsafe
serve`, unchanged: DocumentAnalysisClient (read, layout, a custom model) and
DocumentModelAdministrationClient, at 2023-07-31 and 2022-08-31."""

from __future__ import annotations

import io
from typing import Any

import pytest
from azure.ai.formrecognizer import DocumentAnalysisClient, DocumentModelAdministrationClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.core.rest import HttpRequest

from tests.e2e.conftest import Server
from tests.e2e.training import NEW_FORM, TRAINED_FIELDS, TRAINING_PREFIX, training_bucket
from tests.support.documents import FORM_TABLE, encode, form_image, text_image, text_pdf, words_of
from tests.support.forms import filled_form
from tests.support.scans import needs_scans, real_scan, recall

pytestmark = pytest.mark.e2e


def client_for(server: Server, tenant: str, **options: Any) -> DocumentAnalysisClient:
    return DocumentAnalysisClient(server.url, AzureKeyCredential(server.keys[tenant]), **options)


def analyze(client: DocumentAnalysisClient, model: str, document: bytes, **options: Any) -> Any:
    poller = client.begin_analyze_document(model, io.BytesIO(document), polling_interval=0.3, **options)
    return poller.result()


def words(result: Any) -> set[str]:
    return words_of(" ".join(word.content for page in result.pages for word in page.words))


@needs_scans
@pytest.mark.parametrize("version", ["2023-07-31", "2022-08-31"])
def test_the_client_reads_a_real_scan(server: Server, version: str) -> None:
    # Given a real scanned paystub, and the words Amazon Textract read on it
    scan, expected = real_scan("paystub_single_table")
    client = client_for(server, "alpha", api_version=version)
    # When the client of that version reads it
    result = analyze(client, "prebuilt-read", scan)
    # Then it gets its version's result, the words Textract reads
    assert (result.api_version, result.model_id) == (version, "prebuilt-read")
    assert recall(words(result), expected) >= 0.9
    word = result.pages[0].words[0]
    assert len(word.polygon) == 4 and 0 < word.confidence <= 1
    # Spans count code points (the client always asks for them)
    assert result.content[word.span.offset : word.span.offset + word.span.length] == word.content


def test_the_client_reads_a_multi_page_pdf_and_chosen_pages(server: Server) -> None:
    client = client_for(server, "alpha")
    pdf = text_pdf([["Lease signed in Bern"], ["Deposit paid in March"], ["Keys returned in May"]])
    result = analyze(client, "prebuilt-read", pdf, pages="1,3")
    assert [(page.page_number, page.unit) for page in result.pages] == [(1, "inch"), (3, "inch")]
    assert {"bern", "may"} <= words(result) and "march" not in words(result)


def test_layout_gives_tables_and_selection_marks(server: Server) -> None:
    result = analyze(client_for(server, "alpha"), "prebuilt-layout", encode(form_image(), "PNG"))
    (table,) = result.tables
    assert (table.row_count, table.column_count) == (len(FORM_TABLE), 3)
    assert any(page.selection_marks for page in result.pages)


def test_another_keys_result_is_not_found(server: Server) -> None:
    # Given alpha's finished analysis, its Operation-Location seen as the client got it
    alpha, beta = client_for(server, "alpha"), client_for(server, "beta")
    seen: list[str] = []
    poller = alpha.begin_analyze_document(
        "prebuilt-read",
        io.BytesIO(encode(text_image(["Alpha only"]), "PNG")),
        raw_response_hook=lambda response: seen.append(
            response.http_response.headers.get("Operation-Location")
        ),
    )
    poller.result()
    location = seen[0]
    # When beta asks for it, and for an id that never existed
    foreign = beta.send_request(HttpRequest("GET", location))
    unknown = beta.send_request(
        HttpRequest(
            "GET",
            location[: location.index("/analyzeResults/") + 16]
            + "00000000-0000-4000-8000-000000000000?api-version=2023-07-31",
        )
    )
    # Then both are the same 404
    assert foreign.status_code == unknown.status_code == 404
    assert foreign.json() == unknown.json()
    assert alpha.send_request(HttpRequest("GET", location)).status_code == 200


def test_a_refused_document_fails_with_the_clients_error(server: Server) -> None:
    poller = client_for(server, "alpha").begin_analyze_document("prebuilt-read", io.BytesIO(b"plain text"))
    with pytest.raises(HttpResponseError) as refused:
        poller.result()
    assert refused.value.error is not None and refused.value.error.code == "UnsupportedMediaType"


def test_the_administration_client_builds_lists_and_deletes_a_model_used_for_analysis(server: Server) -> None:
    # Given labelled forms in the tenant's own bucket, named as the 3.3 client can: a
    # container URL (s3://bucket) and a prefix
    bucket = training_bucket(server, "gamma")
    admin = DocumentModelAdministrationClient(server.url, AzureKeyCredential(server.keys["gamma"]))
    poller = admin.begin_build_document_model(
        "template", blob_container_url=f"s3://{bucket}", prefix=TRAINING_PREFIX, model_id="fr-forms"
    )
    # The build's operation id, as the client reads it from Operation-Location
    assert poller.details["operation_id"]
    model = poller.result()
    assert model.model_id == "fr-forms" and model.api_version == "2023-07-31"
    assert set(model.doc_types["fr-forms"].field_schema) == TRAINED_FIELDS
    assert admin.get_document_model("fr-forms").model_id == "fr-forms"
    assert "fr-forms" in [m.model_id for m in admin.list_document_models()]
    assert admin.get_resource_details().custom_document_models.count == 1
    operation = admin.get_operation(poller.details["operation_id"])
    assert (operation.status, operation.kind) == ("succeeded", "documentModelBuild")
    # When the analysis client reads a new form with it
    values = NEW_FORM
    result = analyze(client_for(server, "gamma"), "fr-forms", encode(filled_form(values).image, "PNG"))
    fields = result.documents[0].fields
    assert fields["CustomerName"].value == "Noor Haddad"
    assert str(fields["StartDate"].value) == "2025-12-01"
    assert fields["Premium"].value == 980.25
    # And another tenant cannot see it; the owner's delete is final
    with pytest.raises(ResourceNotFoundError):
        DocumentModelAdministrationClient(
            server.url, AzureKeyCredential(server.keys["beta"])
        ).get_document_model("fr-forms")
    admin.delete_document_model("fr-forms")
    with pytest.raises(ResourceNotFoundError):
        admin.get_document_model("fr-forms")


@pytest.mark.parametrize("version", ["2023-07-31", "2022-08-31"])
def test_the_client_reads_an_invoices_typed_fields(server: Server, version: str) -> None:
    from bench.prebuilt import corpus

    drawn = corpus.invoice(1002, 2)
    client = client_for(server, "alpha", api_version=version)
    result = analyze(client, "prebuilt-invoice", encode(drawn.image, "PNG"))
    (invoice,) = result.documents
    assert invoice.doc_type == "invoice"
    total = invoice.fields["InvoiceTotal"].value
    assert (total.amount, total.symbol) == (drawn.truth["InvoiceTotal"], "£")
    assert invoice.fields["InvoiceId"].value == drawn.truth["InvoiceId"]
    assert invoice.fields["CustomerAddress"].value.postal_code == drawn.truth["CustomerAddress"]["postalCode"]
    items = invoice.fields["Items"].value
    assert [item.value["Description"].value for item in items] == [name for name, _ in drawn.truth["Items"]]
