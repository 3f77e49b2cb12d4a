"""What the API does with custom models: start a build, report it, list, show and delete
models. A build is a job like an analysis (its record holds its data key and expires
after the retention period); the model it makes outlives it.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from docsafe.audit import Action
from docsafe.contract.errors import Forbidden, model_not_found, operation_not_found
from docsafe.contract.models import MODEL_LIMIT, PREBUILT_MODELS, check_model_id, model_info
from docsafe.custom.models import model_exists
from docsafe.failures import TRAINING_SOURCE_REFUSED
from docsafe.jobs import Job, Status
from docsafe.runtime import Services
from docsafe.settings import API_VERSION
from docsafe.specs import BUILD_KIND, BuildSpec
from docsafe.watchdog import start_workflow

if TYPE_CHECKING:  # the API's request; the build stage imports this module, not the parser
    from docsafe.contract.requests import BuildRequest

logger = Logger(service="docsafe", child=True)


class CustomModels:
    def __init__(self, services: Services):
        self._s = services

    def build(self, tenant: str, request: BuildRequest) -> Job:
        s = self._s
        if not may_train_from(s, tenant, request.bucket, request.prefix):
            raise Forbidden(TRAINING_SOURCE_REFUSED, inner_code="AuthorizationFailed", target="s3Source")
        if s.models.get(tenant, request.model_id) is not None:
            raise model_exists(request.model_id)
        operation_id = str(uuid.uuid4())
        _, wrapped = s.data_keys.new_job_key(tenant, operation_id)
        job = s.jobs.create(
            tenant=tenant,
            operation_id=operation_id,
            model_id=request.model_id,
            wrapped_key=wrapped,
            content_format="",
            retention_seconds=s.settings.retention_seconds,
            options=BuildSpec(request.bucket, request.prefix, request.description).to_record(),
        )
        try:
            start_workflow(s, s.settings.build_state_machine_arn, tenant, operation_id)
        except Exception:
            s.jobs.delete(tenant, operation_id)
            raise
        s.audit.record(tenant, operation_id, Action.SUBMITTED, {"kind": BUILD_KIND})
        logger.info("model build submitted", tenant=tenant, operation_id=operation_id)
        return job

    def operation(self, tenant: str, operation_id: str, base_url: str) -> dict[str, Any]:
        """The v4.0 DocumentModelBuildOperationDetails resource.

        Its `resourceLocation` (the model's URL) is where the Azure client reads the
        finished model from, as it does from Azure."""
        job = self._s.jobs.visible(tenant, operation_id) if _is_uuid(operation_id) else None
        if job is None or not job.is_build:
            raise operation_not_found()
        body: dict[str, Any] = {
            "operationId": job.operation_id,
            "kind": BUILD_KIND,
            "status": job.status.value,
            "percentCompleted": 100 if job.status.finished else 0,
            "createdDateTime": job.created_iso,
            "lastUpdatedDateTime": job.updated_iso,
            "apiVersion": API_VERSION,
            "resourceLocation": f"{base_url}/documentintelligence/documentModels/{job.model_id}"
            f"?api-version={API_VERSION}",
        }
        if job.status is Status.FAILED and job.error is not None:
            body["error"] = job.error.to_wire()
        if job.status is Status.SUCCEEDED:
            record = self._s.models.get(tenant, job.model_id)
            if record is not None:
                body["result"] = record.to_wire(API_VERSION)
        return body

    def info(self, tenant: str, model_id: str) -> dict[str, Any]:
        """A prebuilt model's info, or the tenant's own model's; 404 for anyone else's."""
        if model_id in PREBUILT_MODELS:
            return model_info(model_id)
        check_model_id(model_id)
        return self._s.models.require(tenant, model_id).to_wire(API_VERSION)

    def list(self, tenant: str) -> list[dict[str, Any]]:
        own = [record.to_wire(API_VERSION) for record in self._s.models.list_for(tenant)]
        return [*PREBUILT_MODELS.values(), *own]

    def resource_info(self, tenant: str) -> dict[str, Any]:
        """The v4.0 resource details: how many custom models the tenant has, of how many."""
        count = len(self._s.models.list_for(tenant))
        return {"customDocumentModels": {"count": count, "limit": MODEL_LIMIT}}

    def delete(self, tenant: str, model_id: str) -> None:
        if model_id in PREBUILT_MODELS:
            raise model_not_found(model_id)
        check_model_id(model_id)
        if not self._s.models.delete(tenant, model_id):
            raise model_not_found(model_id)
        self._s.audit.record(tenant, model_id, Action.DELETED, {"kind": "model"})
        logger.info("model deleted", tenant=tenant)


def may_train_from(services: Services, tenant: str, bucket: str, prefix: str) -> bool:
    """Inside a folder the operator allowed this tenant, and never the stack's own buckets."""
    own = {services.settings.documents_bucket, services.settings.results_bucket}
    return bucket not in own and services.tenants.may_train_from(tenant, bucket, prefix)


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value
    except ValueError:
        return False
