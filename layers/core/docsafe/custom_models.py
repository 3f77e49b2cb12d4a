"""What the API does with custom models: start a build, report it, list, show and delete
models. A build is a job like an analysis (its record holds its data key and expires
after the retention period); the model it makes outlives it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from docsafe import clock
from docsafe.audit import Action, AuditLog
from docsafe.contract.document_apis import DOCUMENT_INTELLIGENCE, DocumentApi
from docsafe.contract.errors import Forbidden, model_not_found, operation_not_found
from docsafe.contract.models import MODEL_LIMIT, PREBUILT_MODELS, check_model_id, model_info
from docsafe.custom.models import ModelStore, model_exists
from docsafe.failures import TRAINING_SOURCE_REFUSED
from docsafe.ids import is_canonical_uuid
from docsafe.jobs import Job, JobStore, Status
from docsafe.sealing import KeyService
from docsafe.settings import API_VERSION, Settings
from docsafe.specs import BUILD_KIND, BuildSpec
from docsafe.tenants import TenantPolicies
from docsafe.workflows import Workflows

if TYPE_CHECKING:  # the API's request; the build stage imports this module, not the parser
    from docsafe.contract.requests import BuildRequest

logger = Logger(service="docsafe", child=True)


class CustomModels:
    def __init__(
        self,
        *,
        jobs: JobStore,
        models: ModelStore,
        data_keys: KeyService,
        tenants: TenantPolicies,
        audit: AuditLog,
        workflows: Workflows,
        settings: Settings,
        now: Callable[[], float] = clock.now,
    ):
        self._now = now
        self._jobs = jobs
        self._models = models
        self._data_keys = data_keys
        self._tenants = tenants
        self._audit = audit
        self._workflows = workflows
        self._settings = settings

    def build(self, tenant: str, request: BuildRequest) -> Job:
        if not self._tenants.may_train_from(tenant, request.bucket, request.prefix):
            raise Forbidden(TRAINING_SOURCE_REFUSED, inner_code="AuthorizationFailed", target="s3Source")
        if self._models.get(tenant, request.model_id) is not None:
            raise model_exists(request.model_id)
        operation_id = str(uuid.uuid4())
        _, wrapped = self._data_keys.new_job_key(tenant, operation_id)
        job = self._jobs.create(
            tenant=tenant,
            operation_id=operation_id,
            model_id=request.model_id,
            wrapped_key=wrapped,
            content_format="",
            retention_seconds=self._settings.retention_seconds,
            options=BuildSpec(request.bucket, request.prefix, request.description).to_record(),
        )
        try:
            self._workflows.start_build(tenant, operation_id)
        except Exception:
            self._jobs.delete(tenant, operation_id)
            raise
        self._audit.record(tenant, operation_id, Action.SUBMITTED, {"kind": BUILD_KIND})
        logger.info("model build submitted", tenant=tenant, operation_id=operation_id)
        return job

    def operation(
        self,
        tenant: str,
        operation_id: str,
        base_url: str,
        through: DocumentApi = DOCUMENT_INTELLIGENCE,
        api_version: str = API_VERSION,
    ) -> dict[str, Any]:
        """The DocumentModelBuildOperationDetails resource, as `through` gives it at
        `api_version`.

        Its `resourceLocation` (the model's URL) is where the Azure client reads the
        finished model from, as it does from Azure."""
        job = self._jobs.visible(tenant, operation_id) if is_canonical_uuid(operation_id) else None
        if job is None or not job.is_build:
            raise operation_not_found()
        body = self._summary(job, base_url, through, api_version)
        if job.status is Status.FAILED and job.error is not None:
            body["error"] = job.error.to_wire()
        if job.status is Status.SUCCEEDED:
            record = self._models.get(tenant, job.model_id)
            if record is not None:
                body["result"] = record.to_wire(api_version)
        return body

    @staticmethod
    def _summary(job: Job, base_url: str, through: DocumentApi, api_version: str) -> dict[str, Any]:
        return {
            "operationId": job.operation_id,
            "kind": BUILD_KIND,
            "status": job.status.value,
            "percentCompleted": 100 if job.status.finished else 0,
            "createdDateTime": job.created_iso,
            "lastUpdatedDateTime": job.updated_iso,
            "apiVersion": api_version,
            "resourceLocation": through.model_url(base_url, job.model_id, api_version),
        }

    def info(self, tenant: str, model_id: str, api_version: str = API_VERSION) -> dict[str, Any]:
        """A prebuilt model's info, or the tenant's own model's; 404 for anyone else's."""
        if model_id in PREBUILT_MODELS:
            return model_info(model_id, api_version)
        check_model_id(model_id)
        return self._models.require(tenant, model_id).to_wire(api_version)

    def list(self, tenant: str, api_version: str = API_VERSION) -> list[dict[str, Any]]:
        prebuilt = [model_info(model_id, api_version) for model_id in PREBUILT_MODELS]
        return [*prebuilt, *(record.to_wire(api_version) for record in self._models.list_for(tenant))]

    def resource_info(self, tenant: str) -> dict[str, Any]:
        """The v4.0 resource details: how many custom models the tenant has, of how many;
        and its neural builds, which DocSafe has none of (a quota of 0, renewed monthly as
        Azure's is, so that the client finds every field it reads)."""
        count = len(self._models.list_for(tenant))
        return {
            "customDocumentModels": {"count": count, "limit": MODEL_LIMIT},
            "customNeuralDocumentModelBuilds": {
                "used": 0,
                "quota": 0,
                "quotaResetDateTime": _next_month(self._now()),
            },
        }

    def delete(self, tenant: str, model_id: str) -> None:
        if model_id in PREBUILT_MODELS:
            raise model_not_found(model_id)
        check_model_id(model_id)
        if not self._models.delete(tenant, model_id):
            raise model_not_found(model_id)
        self._audit.record(tenant, model_id, Action.DELETED, {"kind": "model"})
        logger.info("model deleted", tenant=tenant)


def _next_month(now: float) -> str:
    today = datetime.fromtimestamp(now, UTC)
    first = datetime(today.year + today.month // 12, today.month % 12 + 1, 1, tzinfo=UTC)
    return first.strftime("%Y-%m-%dT%H:%M:%SZ")
