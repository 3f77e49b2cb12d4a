"""A tenant's custom models: a record in the models table, the model sealed in S3.

Each model has a data key of its own (KMS, encryption context tenant + model), wrapped in
its record like a job's. Deleting the record destroys the key, so the sealed model is
unreadable at once (crypto-shredding), and the object goes right after. Models keep no
24-hour expiry (they live under `models/`, outside the buckets' one-day rule) until the
tenant deletes them. Another tenant's model does not exist as far as any call can tell.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from docsafe import clock
from docsafe.contract.errors import Conflict, model_not_found
from docsafe.custom.template import TemplateModel
from docsafe.jobs import iso
from docsafe.sealing import KeyService
from docsafe.storage import ObjectRef, SealedStore
from docsafe.tables import all_items, binary, number, thread_copy

KIND = "model"
PREFIX = "models/"


def model_of(key: str) -> tuple[str, str] | None:
    """(tenant, model id) of a key under `models/`, else None."""
    parts = key.split("/")
    return (parts[1], parts[2]) if len(parts) == 4 and parts[0] + "/" == PREFIX else None


@dataclass(frozen=True)
class ModelRecord:
    tenant: str
    model_id: str
    description: str
    created_at: float
    fields: dict[str, str]  # name → type: the model's schema (no document content)
    wrapped_key: bytes

    def to_wire(self, api_version: str) -> dict[str, Any]:
        """The v4.0 DocumentModelDetails resource."""
        return {
            "modelId": self.model_id,
            "description": self.description,
            "createdDateTime": iso(self.created_at),
            "apiVersion": api_version,
            "buildMode": "template",
            "docTypes": {
                self.model_id: {
                    "buildMode": "template",
                    "fieldSchema": {name: {"type": kind} for name, kind in self.fields.items()},
                    "fieldConfidence": {name: 1.0 for name in self.fields},
                }
            },
        }


def _key_context(model_id: str) -> str:
    # Data keys and sealed objects are bound to "model:<id>" where jobs use their id.
    return f"model:{model_id}"


class ModelStore:
    def __init__(
        self, table: Any, objects: SealedStore, data_keys: KeyService, now: Callable[[], float] = clock.now
    ):
        self._table = table
        self._objects = objects
        self._keys = data_keys
        self._clock = now

    def ref(self, tenant: str, model_id: str) -> ObjectRef:
        return ObjectRef(self._objects.results_bucket, f"{PREFIX}{tenant}/{model_id}/model.json", KIND)

    def save(self, tenant: str, model: TemplateModel, description: str) -> ModelRecord:
        """Seal and store a new model; 409 ModelExists if the tenant has one of that id."""
        job_key, wrapped = self._keys.new_job_key(tenant, _key_context(model.model_id))
        record = ModelRecord(
            tenant=tenant,
            model_id=model.model_id,
            description=description,
            created_at=self._clock(),
            fields={f.name: f.type for f in model.fields},
            wrapped_key=wrapped,
        )
        try:
            self._table.put_item(
                Item={
                    "tenant": tenant,
                    "modelId": model.model_id,
                    "description": description,
                    "createdAt": number(record.created_at),
                    "fields": record.fields,
                    "wrappedKey": wrapped,
                },
                ConditionExpression="attribute_not_exists(modelId)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise model_exists(model.model_id) from None
            raise
        self._objects.put(self.ref(tenant, model.model_id), job_key, json.dumps(model.to_json()).encode())
        return record

    def get(self, tenant: str, model_id: str) -> ModelRecord | None:
        item = self._table.get_item(Key={"tenant": tenant, "modelId": model_id}, ConsistentRead=True).get(
            "Item"
        )
        return _record(item) if item else None

    def require(self, tenant: str, model_id: str) -> ModelRecord:
        record = self.get(tenant, model_id)
        if record is None:
            raise model_not_found(model_id)
        return record

    def load(self, record: ModelRecord) -> TemplateModel:
        job_key = self._keys.open_job_key(record.tenant, _key_context(record.model_id), record.wrapped_key)
        return TemplateModel.from_json(
            json.loads(self._objects.get(self.ref(record.tenant, record.model_id), job_key))
        )

    def for_thread(self) -> ModelStore:
        """This store for another thread: a table object of its own, the same client."""
        twin = copy.copy(self)
        twin._table = thread_copy(self._table)
        return twin

    def list_for(self, tenant: str) -> list[ModelRecord]:
        items = all_items(self._table.query, KeyConditionExpression=Key("tenant").eq(tenant))
        return sorted((_record(item) for item in items), key=lambda r: r.model_id)

    def delete(self, tenant: str, model_id: str) -> bool:
        """Destroy the model's key (its record), then its sealed object. True if it existed."""
        answer = self._table.delete_item(Key={"tenant": tenant, "modelId": model_id}, ReturnValues="ALL_OLD")
        ref = self.ref(tenant, model_id)
        self._objects.delete(ref.bucket, ref.key)
        return "Attributes" in answer


def model_exists(model_id: str) -> Conflict:
    return Conflict(f"A model with id '{model_id}' already exists.", inner_code="ModelExists")


def _record(item: dict[str, Any]) -> ModelRecord:
    return ModelRecord(
        tenant=item["tenant"],
        model_id=item["modelId"],
        description=str(item.get("description", "")),
        created_at=float(item["createdAt"]),
        fields={str(k): str(v) for k, v in (item.get("fields") or {}).items()},
        wrapped_key=binary(item["wrappedKey"]),
    )
