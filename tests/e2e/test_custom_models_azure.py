"""The official Azure clients build a custom model and analyze with it, unchanged.

The one field that differs from Azure is the training source: DocSafe reads the tenant's
own S3 bucket (`s3Source: {bucket, prefix}`) where Azure reads a blob container
(`azureBlobSource`); the clients pass the request body through as it is given.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from azure.ai.documentintelligence import DocumentIntelligenceAdministrationClient, DocumentIntelligenceClient
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from docsafe_tools.local.stack import STACK_NAME

from tests.e2e.conftest import Server
from tests.support.documents import encode
from tests.support.forms import fields_json, filled_form, random_values

pytestmark = pytest.mark.e2e


def test_azure_clients_build_a_model_and_extract_fields_with_it(server: Server) -> None:
    # Given labelled forms in a bucket of the tenant's own (the local AWS of the server)
    s3 = server.aws("s3")
    bucket = "tenant-training-" + os.urandom(4).hex()
    s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": os.environ["AWS_REGION"]}
    )
    s3.put_object(Bucket=bucket, Key="set/fields.json", Body=json.dumps(fields_json()))
    for seed in range(5):
        form = filled_form(random_values(seed + 10))
        s3.put_object(Bucket=bucket, Key=f"set/f{seed}.png", Body=encode(form.image, "PNG"))
        s3.put_object(
            Bucket=bucket, Key=f"set/f{seed}.png.labels.json", Body=json.dumps(form.labels(f"f{seed}.png"))
        )
    # which the operator allowed the tenant to train from (the `docsafe tenants` command)
    allowed = subprocess.run(
        [
            str(Path(sys.executable).parent / "docsafe"),
            "tenants",
            "allow-training",
            "alpha",
            f"s3://{bucket}/set/",
            "--table",
            f"{STACK_NAME}-tenantstable",
            "--endpoint-url",
            server.aws_url,
            "--region",
            os.environ["AWS_REGION"],
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert allowed.returncode == 0, allowed.stderr
    admin = DocumentIntelligenceAdministrationClient(server.url, AzureKeyCredential(server.keys["alpha"]))

    # When the administration client builds a template model from them
    poller = admin.begin_build_document_model(
        {"modelId": "azure-forms", "buildMode": "template", "s3Source": {"bucket": bucket, "prefix": "set/"}},
        polling_interval=0.5,
    )
    model = poller.result()

    # Then it gets the model's details, and finds it by id and in the list
    assert model.model_id == "azure-forms"
    assert set(model.doc_types["azure-forms"].field_schema) == {
        "CustomerName",
        "PolicyNumber",
        "StartDate",
        "Premium",
    }
    assert admin.get_model("azure-forms").model_id == "azure-forms"
    assert "azure-forms" in [m.model_id for m in admin.list_models()]

    # When the analysis client reads a new form with it
    client = DocumentIntelligenceClient(server.url, AzureKeyCredential(server.keys["alpha"]))
    values = {
        "CustomerName": "Noor Haddad",
        "PolicyNumber": "PX-5521",
        "StartDate": "2025-12-01",
        "Premium": "980.25",
    }
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
