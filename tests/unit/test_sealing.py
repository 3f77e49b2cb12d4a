import io
import os

import boto3
import pytest
from docsafe.sealing import HEADER_BYTES, JobKey, KeyService, SealedFile, SealedLayout, SealError


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


# Chunked sealing: large documents are sealed and read a few megabytes at a time.

CHUNK = 1000  # small chunks, so a test object spans many of them


def sealed_in_chunks(key: JobKey, data: bytes, piece: int = 333) -> bytes:
    pieces = [data[i : i + piece] for i in range(0, len(data), piece)]
    return b"".join(key.seal_stream(pieces, "input", chunk_bytes=CHUNK))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 7])
def test_streamed_seal_opens_to_the_same_bytes_whatever_the_size(size: int) -> None:
    key = JobKey("acme", "op-1", b"k" * 32)
    data = os.urandom(size)
    blob = sealed_in_chunks(key, data)
    assert key.open(blob, "input") == data
    assert SealedLayout.from_header(blob[:HEADER_BYTES], len(blob)).plaintext_size == size


def test_chunks_cannot_be_dropped_reordered_or_cut_off() -> None:
    key = JobKey("acme", "op-1", b"k" * 32)
    blob = sealed_in_chunks(key, os.urandom(3 * CHUNK + 10))
    layout = SealedLayout.from_header(blob[:HEADER_BYTES], len(blob))
    chunks = [blob[slice(*layout.chunk_range(i))] for i in range(layout.chunk_count)]
    header = blob[:HEADER_BYTES]
    tampered = {
        "last chunk dropped": header + b"".join(chunks[:-1]),
        "first chunk dropped": header + b"".join(chunks[1:]),
        "two chunks swapped": header + chunks[1] + chunks[0] + b"".join(chunks[2:]),
        "cut inside a chunk": blob[:-5],
        "header claims another chunk size": b"DS2" + (CHUNK + 1).to_bytes(4, "big") + blob[HEADER_BYTES:],
    }
    for name, candidate in tampered.items():
        with pytest.raises(SealError):
            key.open(candidate, "input")
            pytest.fail(name)


def test_a_sealed_file_reads_any_range_and_fetches_only_the_chunks_it_needs() -> None:
    key = JobKey("acme", "op-1", b"k" * 32)
    data = os.urandom(20 * CHUNK + 123)
    blob = sealed_in_chunks(key, data)
    fetched: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        fetched.append((start, end))
        return blob[start:end]

    file = SealedFile(key, "input", len(blob), fetch, cached_chunks=2)
    assert file.size == len(data)
    file.seek(-50, io.SEEK_END)
    assert file.read() == data[-50:]
    file.seek(7 * CHUNK - 10)
    assert file.read(30) == data[7 * CHUNK - 10 : 7 * CHUNK + 20]
    assert file.read(0) == b""
    # Header, the last chunk, and the two chunks around 7 * CHUNK: nothing else.
    assert len(fetched) == 4
    file.seek(0)
    assert file.read() == data
    assert file.seek(0, io.SEEK_END) == len(data) and file.read(10) == b""


def test_a_sealed_file_of_another_job_does_not_open() -> None:
    blob = sealed_in_chunks(JobKey("acme", "op-1", b"k" * 32), b"x" * 5000)
    file = SealedFile(JobKey("evil", "op-1", b"k" * 32), "input", len(blob), lambda s, e: blob[s:e])
    with pytest.raises(SealError):
        file.read(10)
