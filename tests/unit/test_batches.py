"""Batch requests and specs: what a batch may name, parsed once, kept as text."""

from __future__ import annotations

import json
from typing import Any

import pytest
from docsafe.contract.errors import InvalidArgument, InvalidRequest
from docsafe.contract.requests import BatchRequest, parse_batch_request
from docsafe.specs import AnalysisSpec, BatchSpec, Contract, is_batch, is_build


def parsed(body: Any) -> BatchRequest:
    return parse_batch_request(json.dumps(body).encode())


def test_the_official_clients_container_url_names_the_bucket_and_folder() -> None:
    blob = {"azureBlobSource": {"containerUrl": "s3://acme-scans/inbox", "prefix": "2026"}}
    assert parsed({**blob, "resultContainerUrl": "s3://acme-scans"}) == BatchRequest(
        "acme-scans", "inbox/2026/"
    )
    listed = {"azureBlobFileListSource": {"containerUrl": "s3://acme-scans/inbox", "fileList": "today.jsonl"}}
    assert parsed(listed) == BatchRequest("acme-scans", "inbox/", "today.jsonl")
    native = {"s3Source": {"bucket": "acme-scans", "prefix": "inbox", "fileList": "a/b.jsonl"}}
    assert parsed(native) == BatchRequest("acme-scans", "inbox/", "a/b.jsonl")


@pytest.mark.parametrize(
    "body",
    [
        {},  # no source
        {"azureBlobSource": {"containerUrl": "https://acme.blob.core.windows.net/scans"}},  # Azure storage
        {"azureBlobSource": "s3://acme-scans"},
        {"azureBlobFileListSource": {"containerUrl": "s3://acme-scans"}},  # no fileList
        {"azureBlobFileListSource": ["s3://acme-scans"]},
        {"s3Source": {"bucket": "acme-scans", "prefix": "../globex"}},
        {"s3Source": {"bucket": "acme-scans", "prefix": 7}},
        {"s3Source": {"bucket": "acme-scans", "fileList": "../globex/list.jsonl"}},
        {"s3Source": {"bucket": "acme-scans", "fileList": "/list.jsonl"}},
        {"s3Source": {"bucket": "acme-scans", "fileList": "lists/"}},
        {"s3Source": {"bucket": "acme-scans", "fileList": "x" * 1025}},
        {"s3Source": {"bucket": "acme-scans", "fileList": 3}},
        {"s3Source": {"bucket": "acme-scans"}, "resultContainerUrl": {"url": "s3://x"}},
    ],
)
def test_a_source_out_of_the_folder_or_malformed_is_refused_before_any_look_up(body: Any) -> None:
    with pytest.raises(InvalidArgument):
        parsed(body)


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'"text"', b"[" * 100_000])
def test_a_body_that_is_no_json_object_is_a_400(body: bytes) -> None:
    with pytest.raises(InvalidRequest):
        parse_batch_request(body)


def test_a_batch_spec_keeps_its_source_and_its_documents_options_as_text() -> None:
    analysis = AnalysisSpec(pages=((1, 2),), key_value_pairs=True, locale="en-US")
    spec = BatchSpec("acme-scans", "inbox/", "today.jsonl", analysis)
    record = spec.to_record()
    assert all(isinstance(value, str) for value in record.values())
    assert is_batch(record) and not is_build(record)
    assert BatchSpec.from_record(record) == spec
    # and a document's analysis names its batch, read back the same
    child = AnalysisSpec(contract=Contract.DOCUMENT_INTELLIGENCE, batch="7f1c…")
    assert AnalysisSpec.from_record(child.to_record()).batch == "7f1c…"
    assert not is_batch(child.to_record())


def test_a_folder_is_listed_no_further_than_a_batch_takes() -> None:
    from docsafe.folders import TrainingBucket

    class Pages:
        asked = 0

        def paginate(self, **_: Any) -> Any:
            for page in range(1000):  # a million keys, a thousand a page
                Pages.asked += 1
                yield {"Contents": [{"Key": f"in/{page:04d}-{n:04d}.png"} for n in range(1000)]}

    class S3:
        def get_paginator(self, name: str) -> Pages:
            return Pages()

    keys = TrainingBucket(S3(), "eu-west-1", None, 1).keys("acme", "in/", limit=501)
    assert len(keys) == 501 and Pages.asked == 1


def test_the_stages_that_read_a_tenants_folder_keep_its_keys_out_of_x_ray() -> None:
    # X-Ray's botocore patch records each S3 call's Key and Prefix: a tenant's file names
    from pathlib import Path

    for stage in ("analyze_batch", "build_model"):
        source = (Path(__file__).parents[2] / "functions" / stage / "app.py").read_text()
        assert 'Tracer(service="docsafe", auto_patch=False)' in source, stage
