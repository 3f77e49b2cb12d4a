"""The official Azure clients build a custom model and analyze with it, unchanged.

The one field that differs from Azure is the training source: DocSafe reads the tenant's
own S3 bucket (`s3Source: {bucket, prefix}`) where Azure reads a blob container
(`azureBlobSource`); the clients pass the request body through as it is given.
"""

from __future__ import annotations

import io

import pytest
from azure.ai.documentintelligence import DocumentIntelligenceAdministrationClient, DocumentIntelligenceClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.e2e.conftest import Server
from tests.e2e.training import NEW_FORM, TRAINED_FIELDS, training_bucket
from tests.support.documents import encode
from tests.support.forms import filled_form

pytestmark = pytest.mark.e2e


def test_azure_clients_build_a_model_and_extract_fields_with_it(server: Server) -> None:
    # Given labelled forms in a bucket of the tenant's own, which the operator allowed
    # the tenant to train from
    bucket = training_bucket(server, "alpha")
    admin = DocumentIntelligenceAdministrationClient(server.url, AzureKeyCredential(server.keys["alpha"]))

    # When the administration client builds a template model from them
    poller = admin.begin_build_document_model(
        {"modelId": "azure-forms", "buildMode": "template", "s3Source": {"bucket": bucket, "prefix": "set/"}},
        polling_interval=0.5,
    )
    model = poller.result()

    # Then it gets the model's details, and finds it by id and in the list
    assert model.model_id == "azure-forms"
    assert set(model.doc_types["azure-forms"].field_schema) == TRAINED_FIELDS
    assert admin.get_model("azure-forms").model_id == "azure-forms"
    assert "azure-forms" in [m.model_id for m in admin.list_models()]

    # When the analysis client reads a new form with it
    client = DocumentIntelligenceClient(server.url, AzureKeyCredential(server.keys["alpha"]))
    values = NEW_FORM
    result = client.begin_analyze_document(
        "azure-forms", io.BytesIO(encode(filled_form(values).image, "PNG")), polling_interval=0.5
    ).result()

    # Then the fields come back typed, as from Azure
    fields = result.documents[0].fields
    assert fields["CustomerName"].value_string == "Noor Haddad"
    assert fields["PolicyNumber"].value_string == "PX-5521"
    assert str(fields["StartDate"].value_date) == "2025-12-01"
    assert fields["Premium"].value_number == 980.25

    # And another tenant cannot use or see it; the owner's delete is final
    stranger = DocumentIntelligenceClient(server.url, AzureKeyCredential(server.keys["beta"]))
    # (an analyze request is taken in after API Gateway answered: its operation fails)
    poller = stranger.begin_analyze_document(
        "azure-forms", io.BytesIO(encode(filled_form(values).image, "PNG"))
    )
    with pytest.raises(HttpResponseError, match="was not found"):
        poller.result()
    with pytest.raises(ResourceNotFoundError):
        DocumentIntelligenceAdministrationClient(
            server.url, AzureKeyCredential(server.keys["beta"])
        ).get_model("azure-forms")
    admin.delete_model("azure-forms")
    with pytest.raises(ResourceNotFoundError):
        admin.get_model("azure-forms")


def test_the_administration_client_reads_the_resource_details(server: Server) -> None:
    details = DocumentIntelligenceAdministrationClient(
        server.url, AzureKeyCredential(server.keys["delta"])
    ).get_resource_details()
    assert details.custom_document_models.limit == 5000
    # DocSafe builds no neural models: a quota of none, where the SDK's sample reads it
    # (the 1.0.2 model has no attribute for it: the sample reads the mapping)
    neural = details["customNeuralDocumentModelBuilds"]
    assert (neural["used"], neural["quota"]) == (0, 0) and neural["quotaResetDateTime"].endswith(
        "-01T00:00:00Z"
    )
