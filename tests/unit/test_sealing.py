import boto3
import pytest
from docsafe.sealing import JobKey, KeyService, SealError


def test_sealed_objects_open_only_for_their_own_job_and_kind() -> None:
    key = JobKey("acme", "op-1", b"k" * 32)
    blob = key.seal(b"document bytes", "input")
    assert b"document bytes" not in blob
    assert key.open(blob, "input") == b"document bytes"
    for other in (JobKey("evil", "op-1", b"k" * 32), JobKey("acme", "op-2", b"k" * 32)):
        with pytest.raises(SealError):
            other.open(blob, "input")
    with pytest.raises(SealError):
        key.open(blob, "result")
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(SealError):
        key.open(tampered, "input")


def test_each_seal_uses_a_fresh_nonce() -> None:
    key = JobKey("acme", "op-1", b"k" * 32)
    assert key.seal(b"same", "input") != key.seal(b"same", "input")


def test_data_keys_are_bound_to_tenant_and_operation_by_kms(aws: None) -> None:
    kms = boto3.client("kms", region_name="eu-west-1")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    service = KeyService(kms, key_id)
    job_key, wrapped = service.new_job_key("acme", "op-1")
    assert service.open_job_key("acme", "op-1", wrapped).key == job_key.key
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        service.open_job_key("evil", "op-1", wrapped)
