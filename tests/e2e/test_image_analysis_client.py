"""Azure's own Image Analysis client (azure-ai-vision-imageanalysis 1.0) against `docsafe
serve`, unchanged: the READ feature, answered while the request waits."""

from __future__ import annotations

from typing import Any

import pytest
from azure.ai.vision.imageanalysis import ImageAnalysisClient
from azure.ai.vision.imageanalysis.models import VisualFeatures
from azure.core.credentials import AzureKeyCredential
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError

from tests.e2e.conftest import Server
from tests.support.documents import encode, text_image, text_pdf, words_of
from tests.support.scans import needs_scans, real_scan, recall

pytestmark = pytest.mark.e2e


def client_for(server: Server, tenant: str, **options: Any) -> ImageAnalysisClient:
    return ImageAnalysisClient(server.url, AzureKeyCredential(server.keys[tenant]), **options)


def words(result: Any) -> set[str]:
    return words_of(
        " ".join(word.text for block in result.read.blocks for line in block.lines for word in line.words)
    )


@needs_scans
@pytest.mark.parametrize("version", ["2023-10-01", "2024-02-01"])
def test_the_client_reads_a_real_scan(server: Server, version: str) -> None:
    # Given a real scanned paystub, and the words Amazon Textract read on it
    scan, expected = real_scan("paystub_single_table")
    # When the client of that version asks for its text
    result = client_for(server, "alpha", api_version=version).analyze(scan, [VisualFeatures.READ])
    # Then the answer holds it, as Textract reads it, with the image's size
    assert recall(words(result), expected) >= 0.9
    assert (result.metadata.width, result.metadata.height) == (460, 243)
    word = result.read.blocks[0].lines[0].words[0]
    assert len(word.bounding_polygon) == 4 and 0 < word.confidence <= 1


def test_the_client_reads_a_multi_page_pdf_a_block_per_page(server: Server) -> None:
    pdf = text_pdf([["Lease signed in Bern"], ["Deposit paid in March"], ["Keys returned in May"]])
    result = client_for(server, "alpha").analyze(pdf, [VisualFeatures.READ])
    assert [[line.text for line in block.lines] for block in result.read.blocks] == [
        ["Lease signed in Bern"],
        ["Deposit paid in March"],
        ["Keys returned in May"],
    ]


def test_nothing_of_a_read_is_kept_and_another_key_finds_nothing(server: Server) -> None:
    # An Image Analysis read leaves no operation behind, for its owner or anyone else
    before = server.operations("alpha")
    receipts: list[str] = []
    client_for(server, "alpha").analyze(
        encode(text_image(["Alpha only"]), "PNG"),
        [VisualFeatures.READ],
        raw_response_hook=lambda response: receipts.append(
            response.http_response.headers["x-docsafe-receipt"]
        ),
    )
    (receipt,) = receipts  # what was destroyed, as a delete tells it
    assert '"input":true' in receipt and '"result":true' in receipt
    assert server.operations("alpha") == before
    assert server.operations("beta") == []


def test_features_it_does_not_have_and_a_bad_key_are_refused(server: Server) -> None:
    client = client_for(server, "alpha")
    with pytest.raises(HttpResponseError) as refused:
        client.analyze(
            encode(text_image(["Caption me"]), "PNG"), [VisualFeatures.CAPTION, VisualFeatures.READ]
        )
    assert refused.value.status_code == 400 and refused.value.error is not None
    assert refused.value.error.code == "InvalidArgument" and "features=read" in refused.value.error.message
    stranger = ImageAnalysisClient(server.url, AzureKeyCredential("not-a-key"))
    with pytest.raises(ClientAuthenticationError):
        stranger.analyze(encode(text_image(["Nope"]), "PNG"), [VisualFeatures.READ])
