"""Azure's own Computer Vision client (Read v3.2) against `docsafe serve`, unchanged:
`read`, `read_in_stream` and `get_read_result`, as Azure's samples call them."""

from __future__ import annotations

import http.client
import io
import json
import time
from typing import Any

import pytest
from azure.cognitiveservices.vision.computervision import ComputerVisionClient
from azure.cognitiveservices.vision.computervision.models import (
    ComputerVisionOcrErrorException,
    OperationStatusCodes,
    ReadOperationResult,
)
from msrest.authentication import CognitiveServicesCredentials

from tests.e2e.conftest import Server
from tests.support.documents import encode, text_image, text_pdf, words_of
from tests.support.scans import needs_scans, real_scan, recall

pytestmark = pytest.mark.e2e

# The client is msrest's: it waits for nothing, so a caller polls (as Azure's samples do).
POLL_SECONDS = 0.3
HANG_SECONDS = 300


def client_for(server: Server, tenant: str) -> ComputerVisionClient:
    return ComputerVisionClient(server.url, CognitiveServicesCredentials(server.keys[tenant]))


def read_stream(client: ComputerVisionClient, document: bytes, **options: Any) -> str:
    """The operation id, taken from Operation-Location as Azure's samples take it."""
    response = client.read_in_stream(io.BytesIO(document), raw=True, **options)
    return str(response.headers["Operation-Location"].split("/")[-1])


def finished(client: ComputerVisionClient, operation_id: str) -> ReadOperationResult:
    deadline = time.monotonic() + HANG_SECONDS
    while time.monotonic() < deadline:
        result = client.get_read_result(operation_id)
        if result.status not in (OperationStatusCodes.not_started, OperationStatusCodes.running):
            return result
        time.sleep(POLL_SECONDS)
    raise AssertionError("the read did not finish")


def words(result: ReadOperationResult) -> set[str]:
    return words_of(
        " ".join(
            word.text
            for page in result.analyze_result.read_results
            for line in page.lines
            for word in line.words
        )
    )


@needs_scans
def test_the_client_reads_a_real_scan(server: Server) -> None:
    # Given a real scanned paystub, and the words Amazon Textract read on it
    scan, expected = real_scan("paystub_single_table")
    client = client_for(server, "alpha")
    # When the client sends it and polls its result
    result = finished(client, read_stream(client, scan, language="en"))
    # Then it is read as Textract reads it, in Read's model
    assert result.status == OperationStatusCodes.succeeded
    (page,) = result.analyze_result.read_results
    assert (page.page, page.unit) == (1, "pixel")
    assert recall(words(result), expected) >= 0.9
    line = page.lines[0]
    assert len(line.bounding_box) == 8 and line.appearance.style.name == "other"
    assert all(0 < word.confidence <= 1 and len(word.bounding_box) == 8 for word in line.words)


def test_the_client_reads_a_multi_page_pdf_in_inches(server: Server) -> None:
    client = client_for(server, "alpha")
    pdf = text_pdf([["Lease signed in Bern"], ["Deposit paid in March"], ["Keys returned in May"]])
    result = finished(client, read_stream(client, pdf, pages=["1", "3"]))
    assert result.status == OperationStatusCodes.succeeded
    pages = result.analyze_result.read_results
    assert [(page.page, page.unit) for page in pages] == [(1, "inch"), (3, "inch")]
    assert {"bern", "may"} <= words(result) and "march" not in words(result)


def test_a_url_read_reaches_only_public_https_hosts(server: Server) -> None:
    # The client's read() sends JSON {"url"}; one to this machine is refused, and says why
    client = client_for(server, "alpha")
    response = client.read("https://127.0.0.1/scan.png", raw=True)
    operation_id = response.headers["Operation-Location"].split("/")[-1]
    assert finished(client, operation_id).status == OperationStatusCodes.failed
    raw = client.get_read_result(operation_id, raw=True).response.json()
    assert raw["error"]["code"] == "InvalidImageUrl"


def test_another_keys_result_is_not_found(server: Server) -> None:
    # Given alpha's finished read
    alpha, beta = client_for(server, "alpha"), client_for(server, "beta")
    operation_id = read_stream(alpha, encode(text_image(["Alpha only"]), "PNG"))
    assert finished(alpha, operation_id).status == OperationStatusCodes.succeeded
    # When beta asks for it, and for an id that never existed
    answers = []
    for asked in (operation_id, "00000000-0000-4000-8000-000000000000"):
        with pytest.raises(ComputerVisionOcrErrorException) as refused:
            beta.get_read_result(asked)
        answers.append(refused.value)
    # Then both are the same 404, the client's error model filled in
    assert [a.response.status_code for a in answers] == [404, 404]
    assert [(a.error.code, a.error.message) for a in answers] == [
        (answers[0].error.code, answers[0].error.message)
    ] * 2
    assert answers[0].error.code == "NotFound"


def test_a_bad_key_is_refused_with_the_clients_error(server: Server) -> None:
    client = ComputerVisionClient(server.url, CognitiveServicesCredentials("not-a-key"))
    with pytest.raises(ComputerVisionOcrErrorException) as refused:
        client.read_in_stream(io.BytesIO(encode(text_image(["Nope"]), "PNG")))
    # Answered as Azure answers a bad key, for every one of its APIs (so the Read client
    # finds no flat code in it, there as here)
    assert refused.value.response.status_code == 401
    assert refused.value.response.json()["error"]["code"] == "401"


def _send_chunked(server: Server, chunks: list[bytes]) -> tuple[int, dict[str, Any]]:
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    headers = {"Ocp-Apim-Subscription-Key": server.keys["gamma"], "Content-Type": "application/octet-stream"}
    connection.putrequest("POST", "/vision/v3.2/read/analyze")
    for name, value in {**headers, "Transfer-Encoding": "chunked"}.items():
        connection.putheader(name, value)
    connection.endheaders()
    for chunk in chunks:
        connection.send(chunk)
    answer = connection.getresponse()
    body = json.loads(answer.read())
    connection.close()
    return answer.status, body


def test_a_streamed_upload_is_held_to_the_body_limit(server: Server) -> None:
    # A chunked upload past API Gateway's 10 MB is refused as a sized one is
    megabyte = b"\0" * (1024 * 1024)
    status, body = _send_chunked(server, [b"100000\r\n" + megabyte + b"\r\n"] * 11 + [b"0\r\n\r\n"])
    assert status == 413 and body["error"]["innererror"]["code"] == "InvalidContentLength"
    # and one that is no chunked HTTP is a 400, not a hang, a 5xx or a body read to its end
    for broken in (
        b"zz\r\nabc\r\n0\r\n\r\n",  # a size that is no number
        b"-1\r\nabc\r\n0\r\n\r\n",  # a negative one
        b"0x3\r\nabc\r\n0\r\n\r\n",
        b"3\r\nabcdef\r\n0\r\n\r\n",  # a chunk longer than it says
        b"3;" + b"x" * 5000 + b"\r\nabc\r\n0\r\n\r\n",  # an endless extension
    ):
        status, body = _send_chunked(server, [broken])
        assert status == 400 and body["error"]["code"] == "InvalidRequest", broken[:20]


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ({"pages": ["1-2", "x"]}, "InvalidPageRange"),
        ({"reading_order": "sideways"}, "InvalidReadingOrder"),
        ({"model_version": "2021-04-12"}, "InvalidModel"),
    ],
)
def test_malformed_options_raise_the_clients_error_at_once(server: Server, options: dict, code: str) -> None:
    with pytest.raises(ComputerVisionOcrErrorException) as refused:
        client_for(server, "alpha").read_in_stream(io.BytesIO(encode(text_image(["Fine"]), "PNG")), **options)
    assert refused.value.response.status_code == 400
    assert refused.value.error.code == code and refused.value.error.message


def test_a_declared_length_past_the_limit_or_no_number_is_refused_unread(server: Server) -> None:
    import socket

    host, port = server.url.removeprefix("http://").split(":")
    for declared, status in (("200000000", 413), ("12abc", 400), ("-5", 400)):
        with socket.create_connection((host, int(port)), timeout=30) as connection:
            connection.sendall(
                f"POST /vision/v3.2/read/analyze HTTP/1.1\r\nHost: {host}\r\n"
                f"Ocp-Apim-Subscription-Key: {server.keys['gamma']}\r\n"
                f"Content-Length: {declared}\r\n\r\n".encode()
            )
            # answered without the body ever being sent (past the bound, it is not waited for)
            answer = connection.recv(65536).decode()
        assert answer.startswith(f"HTTP/1.1 {status} "), (declared, answer[:80])
