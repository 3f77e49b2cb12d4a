"""The one place AWS clients are made: pinned to the stack's region, reused across calls."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from docsafe.settings import get_settings

# Connections per client: the purge's threads share one client each (botocore's default
# of 10 would make the others open and drop connections on every call).
_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=5,
    read_timeout=60,
    max_pool_connections=32,
)
# Textract's per-region TPS quotas throttle bursts of pages: back off harder, and let the
# state machine's retry take over when even that is not enough.
# S3 refuses presigned requests for SSE-KMS objects unless they are SigV4 and name the
# bucket's own region; botocore's default presigns SigV2 on the global endpoint (issue 12).
_S3_CONFIG = _CONFIG.merge(
    Config(
        signature_version="s3v4",
        s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"},
    )
)
# Local mode's S3 (moto) has no virtual hosts: bucket names go in the path there.
_LOCAL_S3_CONFIG = _S3_CONFIG.merge(Config(s3={"addressing_style": "path"}))
_CONFIGS = {
    "textract": Config(retries={"mode": "adaptive", "max_attempts": 8}, read_timeout=120),
    "s3": _S3_CONFIG,
}


def config_for(service: str, endpoint_url: str | None) -> Config:
    if service == "s3" and endpoint_url:
        return _LOCAL_S3_CONFIG
    return _CONFIGS.get(service, _CONFIG)


@cache
def client(service: str) -> Any:
    """A boto3 client for `service` in the configured region (never another one)."""
    settings = get_settings()
    return boto3.session.Session().client(
        service,
        region_name=settings.region,
        endpoint_url=settings.aws_endpoint_url,
        config=config_for(service, settings.aws_endpoint_url),
    )


@cache
def resource(service: str) -> Any:
    """A boto3 resource (DynamoDB tables), built the same way as `client`."""
    settings = get_settings()
    return boto3.session.Session().resource(
        service,
        region_name=settings.region,
        endpoint_url=settings.aws_endpoint_url,
        config=_CONFIG,
    )


def reset_clients() -> None:
    """Drop cached clients (tests start a fresh moto for each case)."""
    client.cache_clear()
    resource.cache_clear()
