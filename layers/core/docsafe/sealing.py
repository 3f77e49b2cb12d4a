"""Envelope encryption: a KMS data key per job, AES-256-GCM per object.

The wrapped data key lives only in the job record. Deleting the record destroys the key,
so every copy of a sealed object (versions, lagging deletes, backups) becomes unreadable
at once. The associated data binds each object to its tenant, operation and kind: an
object copied under another job, or swapped for another kind, fails to open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_FORMAT = b"DS1"  # version tag in front of every sealed object
_NONCE_BYTES = 12


class SealError(Exception):
    """A sealed object could not be opened: wrong key, wrong job or tampered bytes."""


@dataclass(frozen=True)
class JobKey:
    """A job's plaintext data key, kept only in memory for the call that needs it."""

    tenant: str
    operation_id: str
    key: bytes

    def associated_data(self, kind: str) -> bytes:
        return f"docsafe|{self.tenant}|{self.operation_id}|{kind}".encode()

    def seal(self, plaintext: bytes, kind: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.key).encrypt(nonce, plaintext, self.associated_data(kind))
        return _FORMAT + nonce + sealed

    def open(self, blob: bytes, kind: str) -> bytes:
        if blob[: len(_FORMAT)] != _FORMAT:
            raise SealError("not a sealed DocSafe object")
        nonce = blob[len(_FORMAT) : len(_FORMAT) + _NONCE_BYTES]
        body = blob[len(_FORMAT) + _NONCE_BYTES :]
        try:
            return AESGCM(self.key).decrypt(nonce, body, self.associated_data(kind))
        except InvalidTag as exc:
            raise SealError("sealed object does not belong to this job") from exc


def encryption_context(tenant: str, operation_id: str) -> dict[str, str]:
    return {"tenant": tenant, "operation": operation_id}


class KeyService:
    """Makes and unwraps per-job data keys with KMS."""

    def __init__(self, kms: Any, key_id: str):
        self._kms = kms
        self._key_id = key_id

    def new_job_key(self, tenant: str, operation_id: str) -> tuple[JobKey, bytes]:
        """A fresh data key and its KMS-wrapped form (to store in the job record)."""
        answer = self._kms.generate_data_key(
            KeyId=self._key_id,
            KeySpec="AES_256",
            EncryptionContext=encryption_context(tenant, operation_id),
        )
        return JobKey(tenant, operation_id, answer["Plaintext"]), answer["CiphertextBlob"]

    def open_job_key(self, tenant: str, operation_id: str, wrapped: bytes) -> JobKey:
        answer = self._kms.decrypt(
            CiphertextBlob=wrapped,
            KeyId=self._key_id,
            EncryptionContext=encryption_context(tenant, operation_id),
        )
        return JobKey(tenant, operation_id, answer["Plaintext"])
