"""Typed settings, read once from the environment.

A frozen dataclass instead of pydantic-settings: the API functions read settings on every
cold start and pydantic's import alone costs more than the whole handler should (issue 6).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cache

# The OCR engines a deployment may choose (docsafe.engines makes them).
ENGINES = ("tesseract", "ppocr", "cascade", "textract")

MAX_RETENTION_SECONDS = 24 * 60 * 60
API_VERSION = "2024-11-30"


class SettingsError(ValueError):
    """The environment does not describe a valid DocSafe deployment."""


@dataclass(frozen=True)
class Settings:
    region: str = "us-east-1"
    stack_name: str = "docsafe"  # the one dimension of the service's own metrics
    jobs_table: str = "docsafe-jobs"
    keys_table: str = "docsafe-keys"
    audit_table: str = "docsafe-audit"
    limits_table: str = "docsafe-limits"
    uploads_table: str = "docsafe-uploads"
    tenants_table: str = "docsafe-tenants"  # what the operator allows each tenant
    rate_limit_per_minute: int = 600  # analyze, build and upload requests per tenant; 0 for no limit
    read_rate_limit_per_minute: int = 6000  # every other request with a key (polls among them)
    documents_bucket: str = "docsafe-documents"
    results_bucket: str = "docsafe-results"
    kms_key_id: str = "alias/docsafe"
    state_machine_arn: str = ""
    build_state_machine_arn: str = ""  # the custom-model build workflow
    batch_state_machine_arn: str = ""  # the batch analysis workflow (its expansion)
    models_table: str = "docsafe-models"
    event_bus: str = ""  # where every job's end is put (docsafe.completion); none: not put
    callback_queue_url: str = ""  # where a job's callback waits (docsafe.callbacks); none: no callbacks
    callback_key_id: str = ""  # the HMAC key each tenant's callback secret is derived from
    account_id: str = ""  # training buckets must belong to it (S3's ExpectedBucketOwner)
    max_training_pages: int = 500  # labelled pages one build reads, at most
    ocr_engine: str = "cascade"  # the reading policy the benchmarks chose (docs/benchmarks.md)
    ocr_threads: int = 0  # onnxruntime's threads per page for PP-OCR; 0: one per core
    languages: str = "eng"  # Tesseract models installed in the OCR layer, comma-separated
    retention_seconds: int = MAX_RETENTION_SECONDS
    # How often the purge runs; it removes every job that would pass its retention
    # before the next run, so nothing is ever kept past the retention period.
    # 0: a twelfth of the retention, at most five minutes.
    purge_interval_seconds: int = 0
    audit_retention_days: int = 90
    max_document_bytes: int = 50 * 1024 * 1024  # in a request body (API Gateway allows 10 MB)
    max_upload_bytes: int = 500 * 1024 * 1024  # through /v1/uploads
    upload_ttl_seconds: int = 3600  # an upload never analyzed is removed after this
    max_pages: int = 2000
    render_dpi: int = 300
    page_concurrency: int = 10  # the Map state's MaxConcurrency: batches are sized to it
    page_timeout_seconds: int = 120  # the engine's deadline for one page
    poll_after_seconds: int = 1
    # How long an Image Analysis request may take to its answer, counted from when API
    # Gateway received it: API Gateway waits 29 s, and the purge and the answer need the rest.
    sync_read_seconds: int = 22
    aws_endpoint_url: str | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.retention_seconds <= MAX_RETENTION_SECONDS:
            raise SettingsError(
                f"retention must be between 1 and {MAX_RETENTION_SECONDS} seconds, "
                f"got {self.retention_seconds}"
            )
        if self.purge_interval_seconds == 0:
            automatic = min(300, max(1, self.retention_seconds // 12))
            object.__setattr__(self, "purge_interval_seconds", automatic)
        if not 1 <= self.purge_interval_seconds <= max(1, self.retention_seconds // 2):
            raise SettingsError("the purge must run at least twice per retention period")
        if not 1 <= self.sync_read_seconds <= 24:
            raise SettingsError("an Image Analysis read must end within API Gateway's 29 seconds (1-24)")
        if self.ocr_engine not in ENGINES:
            raise SettingsError(f"unknown OCR engine {self.ocr_engine!r}")

    @property
    def installed_languages(self) -> tuple[str, ...]:
        return tuple(code.strip() for code in self.languages.split(",") if code.strip())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from DOCSAFE_* variables; the region comes from AWS_REGION."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for field in fields(cls):
            raw = env.get(f"DOCSAFE_{field.name.upper()}")
            if raw is None or raw == "":
                continue
            values[field.name] = _coerce(field.name, raw, int if field.type == "int" else str)
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if region and "region" not in values:
            values["region"] = region
        endpoint = env.get("AWS_ENDPOINT_URL")
        if endpoint and "aws_endpoint_url" not in values:
            values["aws_endpoint_url"] = endpoint
        return cls(**values)  # type: ignore[arg-type]


def _coerce(name: str, raw: str, kind: type) -> object:
    try:
        return kind(raw)
    except ValueError as exc:
        raise SettingsError(f"DOCSAFE_{name.upper()} must be {kind.__name__}: {raw!r}") from exc


@cache
def get_settings() -> Settings:
    return Settings.from_env()


def reset_settings() -> None:
    """Forget the cached settings (tests and local mode change the environment)."""
    get_settings.cache_clear()
