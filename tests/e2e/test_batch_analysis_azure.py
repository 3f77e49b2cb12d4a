"""The official Document Intelligence client analyzes a batch, unchanged: the folder is an
S3 bucket the operator allowed the tenant (named by an s3:// containerUrl, where Azure has
a blob container), and each document's result is read at its resultUrl."""

from __future__ import annotations

import pytest
import requests
from azure.ai.documentintelligence import DocumentIntelligenceClient
from azure.ai.documentintelligence.models import AnalyzeBatchDocumentsRequest, AzureBlobContentSource
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ResourceNotFoundError

from tests.e2e.conftest import Server
from tests.e2e.training import tenant_bucket
from tests.support.documents import encode, text_image, text_pdf

pytestmark = pytest.mark.e2e


def test_the_client_analyzes_a_batch_and_reads_each_result(server: Server) -> None:
    # Given a folder of two documents and a file that is none, in a bucket allowed to alpha
    bucket = tenant_bucket(
        server,
        "alpha",
        "scans/",
        {
            "invoice.png": encode(text_image(["Invoice 2291", "Total due 120.00"]), "PNG"),
            "contract.pdf": text_pdf(["Service contract"]),
            "readme.txt": b"not a document",
        },
    )
    client = DocumentIntelligenceClient(server.url, AzureKeyCredential(server.keys["alpha"]))
    request = AnalyzeBatchDocumentsRequest(
        azure_blob_source=AzureBlobContentSource(container_url=f"s3://{bucket}", prefix="scans/"),
        result_container_url=f"s3://{bucket}",
        result_prefix="results/",
    )

    # When the client analyzes the batch and waits for it
    poller = client.begin_analyze_batch_documents("prebuilt-read", request, polling_interval=0.5)
    batch = poller.result()

    # Then it has each document's status, as from Azure
    assert (batch.succeeded_count, batch.failed_count, batch.skipped_count) == (2, 1, 0)
    by_name = {detail.source_url.rsplit("/", 1)[1]: detail for detail in batch.details}
    unread = by_name["readme.txt"]
    assert unread.status == "failed" and unread.error.innererror.code == "InvalidContent"
    assert "resultUrl" not in unread
    # And each result is the document's analysis, read with the same key
    invoice = requests.get(
        by_name["invoice.png"].result_url,
        headers={"Ocp-Apim-Subscription-Key": server.keys["alpha"]},
        timeout=30,
    )
    assert invoice.status_code == 200 and "2291" in invoice.json()["analyzeResult"]["content"]

    # And the batch is found again by its continuation token, and listed with its counts
    again = client.get_analyze_batch_result(poller.continuation_token()).result()
    assert again.succeeded_count == 2
    (listed,) = client.list_analyze_batch_results("prebuilt-read")
    assert listed.status == "succeeded" and listed.result.succeeded_count == 2


def test_another_tenant_cannot_see_or_delete_a_batch_and_its_owner_deletes_it(server: Server) -> None:
    bucket = tenant_bucket(server, "gamma", "in/", {"note.png": encode(text_image(["Gamma note"]), "PNG")})
    owner = DocumentIntelligenceClient(server.url, AzureKeyCredential(server.keys["gamma"]))
    request = AnalyzeBatchDocumentsRequest(
        azure_blob_source=AzureBlobContentSource(container_url=f"s3://{bucket}/in"),
        result_container_url=f"s3://{bucket}",
    )
    owner.begin_analyze_batch_documents("prebuilt-read", request, polling_interval=0.5).result()
    (batch,) = owner.list_analyze_batch_results("prebuilt-read")
    path = f"/documentintelligence/documentModels/prebuilt-read/analyzeBatchResults/{batch.result_id}"
    # Another tenant's key finds nothing there, to read or to delete
    for method in ("GET", "DELETE"):
        answer = requests.request(
            method,
            f"{server.url}{path}?api-version=2024-11-30",
            headers={"Ocp-Apim-Subscription-Key": server.keys["delta"]},
            timeout=30,
        )
        assert answer.status_code == 404, (method, answer.text)
    # And the owner's delete is final
    owner.delete_analyze_batch_result("prebuilt-read", batch.result_id)
    assert list(owner.list_analyze_batch_results("prebuilt-read")) == []
    with pytest.raises(ResourceNotFoundError):
        owner.delete_analyze_batch_result("prebuilt-read", batch.result_id)
