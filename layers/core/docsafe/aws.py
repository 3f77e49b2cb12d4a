"""The one place AWS clients are made: pinned to the stack's region, reused across calls."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

from docsafe.settings import get_settings

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=5, read_timeout=60)
# Textract's per-region TPS quotas throttle bursts of pages: back off harder, and let the
# state machine's retry take over when even that is not enough.
_CONFIGS = {"textract": Config(retries={"mode": "adaptive", "max_attempts": 8}, read_timeout=120)}


@cache
def client(service: str) -> Any:
    """A boto3 client for `service` in the configured region (never another one)."""
    settings = get_settings()
    return boto3.session.Session().client(
        service,
        region_name=settings.region,
        endpoint_url=settings.aws_endpoint_url,
        config=_CONFIGS.get(service, _CONFIG),
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
