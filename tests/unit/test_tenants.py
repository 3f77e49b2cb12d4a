import io
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from docsafe.contract.errors import InvalidArgument
from docsafe.contract.requests import parse_build_request
from docsafe.failures import TrainingDataElsewhere, TrainingDataInvalid
from docsafe.folders import TrainingBucket
from docsafe.tenants import TenantPolicies, TrainingSource


@pytest.mark.parametrize(
    ("bucket", "prefix", "covered"),
    [
        ("shared", "acme/", True),
        ("shared", "acme", True),  # the same folder
        ("shared", "acme/2026/", True),
        ("shared", "acme-other/", False),  # a sibling that shares the letters
        ("shared", "acm", False),
        ("shared", "", False),  # above the folder
        ("shared", "acme/../globex/", False),
        ("shared", "/acme/", False),
        ("other", "acme/", False),
    ],
)
def test_a_source_covers_its_own_folder_and_nothing_beside_or_above_it(
    bucket: str, prefix: str, covered: bool
) -> None:
    assert TrainingSource.parse("s3://shared/acme/").covers(bucket, prefix) is covered


def test_a_whole_bucket_source_covers_every_folder_of_that_bucket_only() -> None:
    source = TrainingSource.parse("s3://shared")
    assert source.covers("shared", "") and source.covers("shared", "any/folder/")
    assert not source.covers("shared-2", "")


@pytest.mark.parametrize("uri", ["s3://", "s3://b/../x", "s3://b//x", "s3://b/./x"])
def test_malformed_sources_are_refused(uri: str) -> None:
    with pytest.raises(ValueError):
        TrainingSource.parse(uri)


def test_a_build_reads_a_folder_never_a_bare_key_prefix() -> None:
    body = b'{"modelId": "m1", "buildMode": "template", "s3Source": {"bucket": "shared", "prefix": "acme"}}'
    assert parse_build_request(body).prefix == "acme/"
    with pytest.raises(InvalidArgument):
        parse_build_request(body.replace(b'"acme"', b'"acme/../x"'))


class OneTenantTable:
    """The tenants table with one item, as DynamoDB's resource would return it."""

    def __init__(self, item: dict[str, Any]):
        self.item = item

    def get_item(self, Key: dict[str, str], ConsistentRead: bool) -> dict[str, Any]:
        return {"Item": self.item} if Key["tenant"] == self.item["tenant"] else {}


def test_the_stacks_own_buckets_are_never_a_training_source_whatever_the_operator_allowed() -> None:
    table = OneTenantTable({"tenant": "acme", "trainingSources": {"s3://docs-bucket/", "s3://shared/acme/"}})
    policies = TenantPolicies(table, own_buckets={"docs-bucket", "results-bucket"})
    assert policies.may_train_from("acme", "shared", "acme/forms/")
    assert not policies.may_train_from("acme", "docs-bucket", "")  # allowed by mistake, still refused
    assert not policies.may_train_from("globex", "shared", "acme/")


class RecordingS3:
    """S3 as a training folder's reader sees it, recording every call's arguments."""

    def __init__(self, region: str | None = "eu-west-1", missing: str = ""):
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.region = region
        self.missing = missing

    def get_bucket_location(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("GetBucketLocation", kwargs))
        return {"LocationConstraint": self.region}

    def get_paginator(self, name: str) -> Any:
        calls = self.calls

        class Listing:
            def paginate(self, **kwargs: Any) -> list[dict[str, Any]]:
                calls.append(("ListObjectsV2", kwargs))
                return [
                    {"Contents": [{"Key": "forms/b.png.labels.json"}, {"Key": "forms/a.png.labels.json"}]}
                ]

        return Listing()

    def get_object(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("GetObject", kwargs))
        if kwargs["Key"] == self.missing:
            raise ClientError({"Error": {"Code": "NoSuchKey", "Message": "x"}}, "GetObject")
        return {"ContentLength": 3, "Body": io.BytesIO(b"abc")}


def test_every_read_of_a_training_folder_is_as_the_stacks_own_account() -> None:
    s3 = RecordingS3()
    folder = TrainingBucket(s3, "eu-west-1", "123456789012", max_document_bytes=10)
    folder.check_region("training")
    assert folder.labels_files("training", "forms/") == ["forms/a.png.labels.json", "forms/b.png.labels.json"]
    assert folder.read("training", "forms/fields.json") == b"abc"
    assert {name for name, _ in s3.calls} == {"GetBucketLocation", "ListObjectsV2", "GetObject"}
    assert all(kwargs["ExpectedBucketOwner"] == "123456789012" for _, kwargs in s3.calls)


def test_a_training_folder_elsewhere_missing_a_file_or_too_large_is_refused_by_name_only() -> None:
    with pytest.raises(TrainingDataElsewhere):
        TrainingBucket(RecordingS3(region="us-west-2"), "eu-west-1", None, 10).check_region("far")
    with pytest.raises(TrainingDataElsewhere):  # us-east-1 answers no LocationConstraint
        TrainingBucket(RecordingS3(region=None), "eu-west-1", None, 10).check_region("virginia")
    missing = TrainingBucket(RecordingS3(missing="forms/fields.json"), "eu-west-1", None, 10)
    with pytest.raises(TrainingDataInvalid, match=r"no fields\.json"):
        missing.read("training", "forms/fields.json")
    with pytest.raises(TrainingDataInvalid, match="larger than"):
        TrainingBucket(RecordingS3(), "eu-west-1", None, 2).stream("training", "forms/big.png")


@pytest.mark.parametrize(
    ("container", "prefix", "expected"),
    [
        ("s3://training", "set/", ("training", "set/")),
        ("s3://training/2026", "/set", ("training", "2026/set/")),
        ("s3://training/2026/", "", ("training", "2026/")),
        ("s3://training/2026", "set/", ("training", "2026/set/")),
    ],
)
def test_a_client_that_sends_only_azure_blob_sources_names_the_bucket_as_an_s3_url(
    container: str, prefix: str, expected: tuple[str, str]
) -> None:
    # azure-ai-formrecognizer 3.3 builds only from azureBlobSource {containerUrl, prefix}
    body = {
        "modelId": "forms",
        "buildMode": "template",
        "azureBlobSource": {"containerUrl": container, "prefix": prefix},
    }
    request = parse_build_request(json.dumps(body).encode())
    assert (request.bucket, request.prefix) == expected


@pytest.mark.parametrize(
    "container", ["https://account.blob.core.windows.net/train", "s3://", "s3://../x", "s3://Bad_Bucket", 42]
)
def test_an_azure_container_or_a_bad_bucket_is_refused(container: object) -> None:
    body = {"modelId": "forms", "buildMode": "template", "azureBlobSource": {"containerUrl": container}}
    with pytest.raises(InvalidArgument) as refused:
        parse_build_request(json.dumps(body).encode())
    assert refused.value.target == "s3Source"
