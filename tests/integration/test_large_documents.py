"""Large documents: sealed and stored a part at a time, read back a chunk at a time."""

from __future__ import annotations

import os
from typing import Any

import boto3
from docsafe import runtime
from docsafe.engines.base import PageText
from docsafe.sealing import CHUNK_BYTES, JobKey
from docsafe.storage import PART_BYTES
from PIL import Image

from tests.support.documents import scanned_pdf
from tests.support.stack import REGION, Harness


def test_a_large_input_is_stored_in_parts_and_read_back_by_range(local_stack: Harness) -> None:
    # Given a document of several S3 parts, streamed in a megabyte at a time
    objects = runtime.services().objects
    key = JobKey("acme", "op-large", os.urandom(32))
    ref = objects.input_ref("acme", "op-large")
    data = os.urandom(2 * PART_BYTES + 12345)
    pieces = (data[i : i + 1024 * 1024] for i in range(0, len(data), 1024 * 1024))

    # When it is sealed and stored
    sealed_size = objects.put_stream(ref, key, pieces)

    # Then S3 holds it as a multipart object of sealed bytes only
    s3 = boto3.client("s3", region_name=REGION)
    head = s3.head_object(Bucket=ref.bucket, Key=ref.key)
    assert head["ContentLength"] == sealed_size
    assert head["ETag"].strip('"').endswith("-3")
    assert head["ServerSideEncryption"] == "aws:kms"
    stored = s3.get_object(Bucket=ref.bucket, Key=ref.key)["Body"].read()
    assert data[1000:1100] not in stored
    # And any range reads back as it was, fetching a chunk at a time
    with objects.open_file(ref, key) as file:
        assert file.size == len(data)
        file.seek(PART_BYTES + 7)
        assert file.read(3 * CHUNK_BYTES // 2) == data[PART_BYTES + 7 : PART_BYTES + 7 + 3 * CHUNK_BYTES // 2]
        file.seek(-10, os.SEEK_END)
        assert file.read() == data[-10:]


def test_a_page_deep_in_a_multi_chunk_pdf_reads_without_the_rest(local_stack: Harness) -> None:
    # Given a scanned PDF whose pages are spread over several sealed chunks
    objects = runtime.services().objects
    key = JobKey("acme", "op-pdf", os.urandom(32))
    ref = objects.input_ref("acme", "op-pdf")
    noise = [Image.frombytes("L", (1200, 1200), os.urandom(1200 * 1200)) for _ in range(12)]
    document = scanned_pdf(noise, resolution=100)
    assert len(document) > 2 * CHUNK_BYTES  # incompressible pages
    objects.put_stream(ref, key, [document])

    # When the document is opened from S3 and its last page is rendered
    from docsafe.documents import open_document

    fetched: list[int] = []
    with objects.open_file(ref, key) as file:
        read_into = file.readinto

        def counting(buffer: memoryview) -> int:
            count = read_into(buffer)
            fetched.append(count)
            return count

        file.readinto = counting  # type: ignore[method-assign]
        opened = open_document(file)
        try:
            assert opened.page_count == 12
            page = opened.page_text(12, BlankEngine(), dpi=50)
            assert page.unit == "inch" and page.lines == ()
        finally:
            opened.close()

    # Then pdfium asked for far less than the whole document
    assert sum(fetched) < len(document)


class BlankEngine:
    """Sees no text: the test is about reading the document, not about OCR."""

    name = "blank"

    def read(self, image: Any, layout: bool = False) -> PageText:
        return PageText(width=image.width, height=image.height, unit="pixel")


def test_the_purge_removes_an_upload_interrupted_half_way(local_stack: Harness) -> None:
    # Given a multipart upload of a job's result that never completed (a crash mid-write)
    objects = runtime.services().objects
    ref = objects.result_ref("acme", "op-crashed")
    s3 = boto3.client("s3", region_name=REGION)
    upload = s3.create_multipart_upload(Bucket=ref.bucket, Key=ref.key, ServerSideEncryption="aws:kms")
    s3.upload_part(Bucket=ref.bucket, Key=ref.key, UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 100)

    # When the job is purged
    objects.purge("acme", "op-crashed")

    # Then no part of it is left
    assert s3.list_multipart_uploads(Bucket=ref.bucket).get("Uploads", []) == []
