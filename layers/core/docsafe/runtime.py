"""The service objects every function uses, wired once per Lambda container."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from docsafe import aws, clock, engines
from docsafe.audit import AuditLog
from docsafe.auth import KeyStore
from docsafe.custom.models import ModelStore
from docsafe.intake import Intake
from docsafe.jobs import JobStore
from docsafe.ratelimit import RateLimiter
from docsafe.sealing import KeyService
from docsafe.settings import Settings, get_settings, reset_settings
from docsafe.storage import SealedStore
from docsafe.tenants import TenantPolicies
from docsafe.uploads import Uploads

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Services:
    settings: Settings
    jobs: JobStore
    api_keys: KeyStore
    audit: AuditLog
    rate_limiter: RateLimiter
    uploads: Uploads
    intake: Intake
    data_keys: KeyService
    objects: SealedStore
    models: ModelStore
    tenants: TenantPolicies
    s3: Any  # for reading a tenant's own training bucket
    stepfunctions: Any
    clock: Callable[[], float]


def build_services(now: Callable[[], float] = clock.now) -> Services:
    settings = get_settings()
    dynamodb = aws.resource("dynamodb")
    data_keys = KeyService(aws.client("kms"), settings.kms_key_id)
    objects = SealedStore(
        aws.client("s3"), settings.documents_bucket, settings.results_bucket, settings.kms_key_id
    )
    return Services(
        settings=settings,
        jobs=JobStore(dynamodb.Table(settings.jobs_table), now),
        api_keys=KeyStore(dynamodb.Table(settings.keys_table), now),
        audit=AuditLog(dynamodb.Table(settings.audit_table), settings.audit_retention_days, now),
        rate_limiter=RateLimiter(
            dynamodb.Table(settings.limits_table),
            settings.rate_limit_per_minute,
            settings.read_rate_limit_per_minute,
            now,
        ),
        data_keys=data_keys,
        objects=objects,
        models=ModelStore(dynamodb.Table(settings.models_table), objects, data_keys, now),
        tenants=TenantPolicies(dynamodb.Table(settings.tenants_table)),
        s3=aws.client("s3"),
        uploads=Uploads(
            aws.client("s3"),
            dynamodb.Table(settings.uploads_table),
            settings.documents_bucket,
            settings.max_upload_bytes,
            min(settings.upload_ttl_seconds, settings.retention_seconds),
            now,
            claim_margin_seconds=2 * settings.purge_interval_seconds,
        ),
        intake=Intake(aws.client("s3"), settings.documents_bucket),
        stepfunctions=aws.client("stepfunctions"),
        clock=now,
    )


@cache
def services() -> Services:
    return build_services()


@cache
def key_store() -> KeyStore:
    """The keys table alone: all the authorizer needs (no KMS, S3 or Step Functions client
    on its cold start)."""
    return KeyStore(aws.resource("dynamodb").Table(get_settings().keys_table))


_CACHED: list[Callable[[], None]] = []


def forget_on_reset(cached: F) -> F:
    """Mark a cached factory (functools.cache) that `reset` forgets: the modules that
    build on the services register their own, so that this one imports none of them."""
    _CACHED.append(cached.cache_clear)  # type: ignore[attr-defined]
    return cached


def reset() -> None:
    """Forget settings, clients and services (tests; local mode after changing the env)."""
    services.cache_clear()
    key_store.cache_clear()
    engines.default_engine.cache_clear()
    for clear in _CACHED:
        clear()
    aws.reset_clients()
    reset_settings()
