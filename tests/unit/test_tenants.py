import pytest
from docsafe.contract.errors import InvalidArgument
from docsafe.contract.requests import parse_build_request
from docsafe.tenants import TrainingSource


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
