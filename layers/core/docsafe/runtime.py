"""The composition root: the one place that builds the stores, the AWS clients under them
and the use cases, once per Lambda container.

Every member is built on first use, so a function builds only what its routes touch (the
status function never makes a Step Functions client, the authorizer only the keys
table). The use cases take the narrow collaborators they use, never this object, and
unit tests build them directly. The OCR use cases are imported on first use: what the API
functions import loads no image, PDF or OCR library.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any, TypeVar

from docsafe import aws, clock, engines
from docsafe.audit import AuditLog
from docsafe.auth import KeyStore
from docsafe.callbacks import CallbackDelivery, CallbackQueue, CallbackSecrets, CallbackSender
from docsafe.completion import CompletionEvents
from docsafe.custom.models import ModelStore
from docsafe.intake import Intake
from docsafe.jobs import JobStore
from docsafe.ratelimit import RateLimiter
from docsafe.sealing import KeyService
from docsafe.settings import Settings, get_settings, reset_settings
from docsafe.storage import SealedStore, tenant_prefix
from docsafe.tenants import TenantPolicies
from docsafe.uploads import Uploads
from docsafe.workflows import Workflows

T = TypeVar("T")
# A batch's purge: jobs a worker thread takes at a time, and the threads.
PURGE_CHUNK = 25
PURGE_WORKERS = 8

if TYPE_CHECKING:
    from docsafe.analysis import Operations
    from docsafe.audit import Action
    from docsafe.batches import Batches
    from docsafe.custom_models import CustomModels
    from docsafe.folders import TrainingBucket
    from docsafe.image_analysis import ImageAnalysis
    from docsafe.pipeline import Pipeline
    from docsafe.retention import Receipt
    from docsafe.training import ModelBuilder


class _built_once(cached_property[T]):
    """A member built on first use, under its Services' lock: since Python 3.12 (Lambda's
    runtime) cached_property takes no lock, and the purge's workers reach one Services at
    once. Once built, the value sits in the instance's dict and this is not called again."""

    def __get__(self, instance: Any, owner: type | None = None) -> T:
        if instance is None:
            return self  # type: ignore[return-value]
        with instance._lock:
            return super().__get__(instance, owner)


class Services:
    """Stores, clients and use cases of one Lambda container (see the module's text)."""

    def __init__(self, now: Callable[[], float] = clock.now):
        self.clock = now
        self._lock = threading.RLock()  # members build members: reentrant

    def built(self) -> set[str]:
        """The members built so far (what this container has paid for)."""
        return {name for name in self.__dict__ if name not in ("clock", "_lock")}

    def for_thread(self) -> Services:
        """The same services with table objects of the calling thread's own: boto3 clients
        are thread-safe, its resource objects are not (the purge's workers)."""
        mine = copy.copy(self)
        mine.__dict__.update(
            jobs=self.jobs.for_thread(), audit=self.audit.for_thread(), models=self.models.for_thread()
        )
        return mine

    # ------------------------------------------------------------ configuration, clients

    @_built_once
    def settings(self) -> Settings:
        return get_settings()

    @_built_once
    def _dynamodb(self) -> Any:
        return aws.resource("dynamodb")

    @_built_once
    def s3(self) -> Any:
        return aws.client("s3")

    @_built_once
    def stepfunctions(self) -> Any:
        return aws.client("stepfunctions")

    # ------------------------------------------------------------ stores

    @_built_once
    def jobs(self) -> JobStore:
        return JobStore(self._dynamodb.Table(self.settings.jobs_table), self.clock, self.completion.job_ended)

    @_built_once
    def completion(self) -> CompletionEvents:
        queue_url = self.settings.callback_queue_url
        callbacks = CallbackQueue(lambda: aws.client("sqs"), queue_url) if queue_url else None
        return CompletionEvents(lambda: aws.client("events"), self.settings.event_bus, self.clock, callbacks)

    @_built_once
    def callback_delivery(self) -> CallbackDelivery:
        settings = self.settings
        secrets = CallbackSecrets(lambda: aws.client("kms"), settings.callback_key_id)
        sender = CallbackSender(secrets.of, self.clock)
        return CallbackDelivery(sender, lambda: aws.client("sqs"), settings.callback_queue_url)

    @_built_once
    def api_keys(self) -> KeyStore:
        return KeyStore(self._dynamodb.Table(self.settings.keys_table), self.clock)

    @_built_once
    def audit(self) -> AuditLog:
        settings = self.settings
        return AuditLog(self._dynamodb.Table(settings.audit_table), settings.audit_retention_days, self.clock)

    @_built_once
    def rate_limiter(self) -> RateLimiter:
        settings = self.settings
        return RateLimiter(
            self._dynamodb.Table(settings.limits_table),
            settings.rate_limit_per_minute,
            settings.read_rate_limit_per_minute,
            self.clock,
        )

    @_built_once
    def data_keys(self) -> KeyService:
        return KeyService(aws.client("kms"), self.settings.kms_key_id)

    @_built_once
    def objects(self) -> SealedStore:
        settings = self.settings
        return SealedStore(self.s3, settings.documents_bucket, settings.results_bucket, settings.kms_key_id)

    @_built_once
    def models(self) -> ModelStore:
        return ModelStore(
            self._dynamodb.Table(self.settings.models_table), self.objects, self.data_keys, self.clock
        )

    @_built_once
    def tenants(self) -> TenantPolicies:
        settings = self.settings
        return TenantPolicies(
            self._dynamodb.Table(settings.tenants_table),
            own_buckets={settings.documents_bucket, settings.results_bucket},
        )

    @_built_once
    def uploads(self) -> Uploads:
        settings = self.settings
        return Uploads(
            self.s3,
            self._dynamodb.Table(settings.uploads_table),
            settings.documents_bucket,
            settings.max_upload_bytes,
            min(settings.upload_ttl_seconds, settings.retention_seconds),
            self.clock,
            claim_margin_seconds=2 * settings.purge_interval_seconds,
        )

    @_built_once
    def intake(self) -> Intake:
        return Intake(self.s3, self.settings.documents_bucket)

    @_built_once
    def workflows(self) -> Workflows:
        return Workflows(lambda: self.stepfunctions, self.settings)

    @_built_once
    def training_bucket(self) -> TrainingBucket:
        from docsafe.folders import TrainingBucket

        settings = self.settings
        return TrainingBucket(self.s3, settings.region, settings.account_id, settings.max_upload_bytes)

    # ------------------------------------------------------------ use cases

    @_built_once
    def custom_models(self) -> CustomModels:
        from docsafe.custom_models import CustomModels

        return CustomModels(
            jobs=self.jobs,
            models=self.models,
            data_keys=self.data_keys,
            tenants=self.tenants,
            audit=self.audit,
            workflows=self.workflows,
            settings=self.settings,
            now=self.clock,
        )

    @_built_once
    def batches(self) -> Batches:
        from docsafe.batches import Batches

        return Batches(
            jobs=self.jobs,
            objects=self.objects,
            data_keys=self.data_keys,
            tenants=self.tenants,
            models=self.custom_models,
            source=lambda: self.training_bucket,
            audit=self.audit,
            workflows=self.workflows,
            intake=self.intake,
            rate_limiter=self.rate_limiter,
            purge=lambda jobs, reason: self._purge_many(jobs, reason),
            settings=self.settings,
            now=self.clock,
        )

    def _purge_many(self, jobs: list[tuple[str, str]], reason: Action) -> list[Receipt]:
        """`purge_jobs` for jobs of one tenant (a batch and its documents), their open
        uploads listed once, PURGE_CHUNK jobs a worker thread at a time: a batch of 500
        documents is some 3,000 calls, which in turn would not fit one request."""
        from concurrent.futures import ThreadPoolExecutor

        from docsafe.retention import purge_jobs

        wanted = set(jobs)
        unfinished = {
            job: uploads
            for tenant in {tenant for tenant, _ in jobs}
            for job, uploads in self.objects.unfinished_uploads(tenant_prefix(tenant)).items()
            if job in wanted
        }
        chunks = [jobs[start : start + PURGE_CHUNK] for start in range(0, len(jobs), PURGE_CHUNK)]
        if len(chunks) == 1:
            return purge_jobs(self, jobs, reason, unfinished)
        with ThreadPoolExecutor(max_workers=PURGE_WORKERS) as pool:
            done = pool.map(lambda chunk: purge_jobs(self.for_thread(), chunk, reason, unfinished), chunks)
            return [receipt for receipts in done for receipt in receipts]

    @_built_once
    def image_analysis(self) -> ImageAnalysis:
        from docsafe.image_analysis import ImageAnalysis

        return ImageAnalysis(operations=self.operations, jobs=self.jobs, settings=self.settings)

    @_built_once
    def operations(self) -> Operations:
        from docsafe.analysis import Operations
        from docsafe.retention import purge_job

        return Operations(
            jobs=self.jobs,
            objects=self.objects,
            data_keys=self.data_keys,
            uploads=self.uploads,
            intake=self.intake,
            audit=self.audit,
            rate_limiter=self.rate_limiter,
            workflows=self.workflows,
            models=self.custom_models,
            batches=lambda: self.batches,
            purge=lambda tenant, operation_id, reason: purge_job(self, tenant, operation_id, reason),
            settings=self.settings,
            now=self.clock,
        )

    @_built_once
    def pipeline(self) -> Pipeline:
        # Imported here: it loads Pillow and pypdfium2, which only the OCR stages carry.
        from docsafe.languages import tesseract_code
        from docsafe.pipeline import Pipeline

        return Pipeline(
            jobs=self.jobs,
            objects=self.objects,
            data_keys=self.data_keys,
            uploads=self.uploads,
            models=self.models,
            settings=self.settings,
            engine_for=lambda locale: engines.default_engine(tesseract_code(locale)),
        )

    @_built_once
    def model_builder(self) -> ModelBuilder:
        from docsafe.training import ModelBuilder

        return ModelBuilder(
            jobs=self.jobs,
            objects=self.objects,
            data_keys=self.data_keys,
            models=self.models,
            tenants=self.tenants,
            source=self.training_bucket,
            settings=self.settings,
            engine=engines.build_engine,
        )


@cache
def services() -> Services:
    return Services()


@cache
def key_store() -> KeyStore:
    """The keys table alone: all the authorizer needs (no KMS, S3 or Step Functions client
    on its cold start)."""
    return KeyStore(aws.resource("dynamodb").Table(get_settings().keys_table))


def reset() -> None:
    """Forget settings, clients and services (tests; local mode after changing the env)."""
    services.cache_clear()
    key_store.cache_clear()
    engines.default_engine.cache_clear()
    engines.build_engine.cache_clear()
    aws.reset_clients()
    reset_settings()
