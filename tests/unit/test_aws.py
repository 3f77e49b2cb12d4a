import pytest
from docsafe import aws, runtime


def test_every_client_is_built_for_the_configured_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "ap-southeast-2")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-west-2")  # never used when AWS_REGION is set
    runtime.reset()
    try:
        for service in ("s3", "kms", "stepfunctions", "dynamodb"):
            assert aws.client(service).meta.region_name == "ap-southeast-2"
        assert aws.resource("dynamodb").meta.client.meta.region_name == "ap-southeast-2"
        assert runtime.services().objects._s3.meta.region_name == "ap-southeast-2"
    finally:
        runtime.reset()
