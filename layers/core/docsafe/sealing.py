"""Envelope encryption: a KMS data key per job, AES-256-GCM per object.

The wrapped data key lives only in the job record. Deleting the record destroys the key,
so every copy of a sealed object (versions, lagging deletes, backups) becomes unreadable
at once. The associated data binds each object to its tenant, operation and kind: an
object copied under another job, or swapped for another kind, fails to open.

Objects are sealed in chunks of `CHUNK_BYTES` (each with its own nonce and tag), so a
500 MB document is sealed and read a few megabytes at a time, and a page in the middle of
it can be read without decrypting the rest. Each chunk's associated data carries its
index and whether it is the last one: chunks cannot be reordered, dropped or cut off the
end without the object failing to open. (The `cryptography` library gives AES-GCM one
message at a time; this framing is the STREAM construction of Hoang, Reyhanitabar,
Rogaway and Vizár, which no well-kept Python library offers over AES-GCM.)
"""

from __future__ import annotations

import io
import os
import struct
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_FORMAT = b"DS2"  # version tag in front of every sealed object
_HEADER = struct.Struct(">3sI")  # format tag, plaintext bytes per chunk
_NONCE_BYTES = 12
_TAG_BYTES = 16
CHUNK_OVERHEAD = _NONCE_BYTES + _TAG_BYTES
CHUNK_BYTES = 4 * 1024 * 1024
HEADER_BYTES = _HEADER.size


class SealError(Exception):
    """A sealed object could not be opened: wrong key, wrong job or tampered bytes."""


@dataclass(frozen=True)
class SealedLayout:
    """Where each chunk of a sealed object of `sealed_size` bytes lies."""

    sealed_size: int
    chunk_bytes: int

    @classmethod
    def from_header(cls, header: bytes, sealed_size: int) -> SealedLayout:
        if len(header) < HEADER_BYTES:
            raise SealError("not a sealed DocSafe object")
        tag, chunk_bytes = _HEADER.unpack(header[:HEADER_BYTES])
        if tag != _FORMAT or chunk_bytes == 0:
            raise SealError("not a sealed DocSafe object")
        layout = cls(sealed_size, chunk_bytes)
        body = sealed_size - HEADER_BYTES
        remainder = body % layout.sealed_chunk
        if body < CHUNK_OVERHEAD or 0 < remainder < CHUNK_OVERHEAD:
            raise SealError("sealed object is truncated")
        return layout

    @property
    def sealed_chunk(self) -> int:
        return self.chunk_bytes + CHUNK_OVERHEAD

    @property
    def chunk_count(self) -> int:
        return -(-(self.sealed_size - HEADER_BYTES) // self.sealed_chunk)

    @property
    def plaintext_size(self) -> int:
        return self.sealed_size - HEADER_BYTES - self.chunk_count * CHUNK_OVERHEAD

    def chunk_range(self, index: int) -> tuple[int, int]:
        """[start, end) of chunk `index` in the sealed object."""
        start = HEADER_BYTES + index * self.sealed_chunk
        return start, min(start + self.sealed_chunk, self.sealed_size)


@dataclass(frozen=True)
class JobKey:
    """A job's plaintext data key, kept only in memory for the call that needs it."""

    tenant: str
    operation_id: str
    key: bytes

    def associated_data(self, kind: str) -> bytes:
        return f"docsafe|{self.tenant}|{self.operation_id}|{kind}".encode()

    def _chunk_data(self, kind: str, index: int, final: bool) -> bytes:
        return self.associated_data(kind) + struct.pack(">Q?", index, final)

    def seal(self, plaintext: bytes, kind: str) -> bytes:
        return b"".join(self.seal_stream([plaintext], kind))

    def seal_stream(
        self, pieces: Iterable[bytes], kind: str, chunk_bytes: int = CHUNK_BYTES
    ) -> Iterator[bytes]:
        """The sealed object, header first, then one sealed chunk at a time: holds one
        chunk of plaintext in memory whatever the size of `pieces` put together."""
        aead = AESGCM(self.key)
        yield _HEADER.pack(_FORMAT, chunk_bytes)
        index = 0
        pending = bytearray()
        for piece in pieces:
            pending += piece
            # Keep a full chunk back until more arrives: only then is it known not to be last.
            while len(pending) > chunk_bytes:
                yield self._seal_chunk(aead, bytes(pending[:chunk_bytes]), kind, index, final=False)
                del pending[:chunk_bytes]
                index += 1
        yield self._seal_chunk(aead, bytes(pending), kind, index, final=True)

    def _seal_chunk(self, aead: AESGCM, plaintext: bytes, kind: str, index: int, final: bool) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + aead.encrypt(nonce, plaintext, self._chunk_data(kind, index, final))

    def open_chunk(self, layout: SealedLayout, index: int, sealed: bytes, kind: str) -> bytes:
        final = index == layout.chunk_count - 1
        try:
            return AESGCM(self.key).decrypt(
                sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], self._chunk_data(kind, index, final)
            )
        except InvalidTag as exc:
            raise SealError("sealed object does not belong to this job") from exc

    def open(self, blob: bytes, kind: str) -> bytes:
        layout = SealedLayout.from_header(blob[:HEADER_BYTES], len(blob))
        view = memoryview(blob)
        parts = []
        for index in range(layout.chunk_count):
            start, end = layout.chunk_range(index)
            parts.append(self.open_chunk(layout, index, bytes(view[start:end]), kind))
        return b"".join(parts)


class SealedFile(io.RawIOBase):
    """A sealed object read as a seekable file, a chunk at a time.

    `fetch(start, end)` returns bytes [start, end) of the sealed object (an S3 range
    GET); the last `cached_chunks` opened chunks are kept. PDF and TIFF readers jump
    around the file, so memory stays at a few chunks however large the document is.
    """

    def __init__(
        self,
        job_key: JobKey,
        kind: str,
        sealed_size: int,
        fetch: Callable[[int, int], bytes],
        cached_chunks: int = 4,
    ):
        super().__init__()
        self._key = job_key
        self._kind = kind
        self._fetch = fetch
        self._layout = SealedLayout.from_header(fetch(0, HEADER_BYTES), sealed_size)
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._cached_chunks = max(1, cached_chunks)
        self._position = 0
        self.size = self._layout.plaintext_size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._position = base + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        target = memoryview(buffer).cast("B")
        written = 0
        while written < len(target) and self._position < self.size:
            index, within = divmod(self._position, self._layout.chunk_bytes)
            chunk = self._chunk(index)
            count = min(len(target) - written, len(chunk) - within)
            target[written : written + count] = chunk[within : within + count]
            written += count
            self._position += count
        return written

    def _chunk(self, index: int) -> bytes:
        if index in self._cache:
            self._cache.move_to_end(index)
            return self._cache[index]
        start, end = self._layout.chunk_range(index)
        chunk = self._key.open_chunk(self._layout, index, self._fetch(start, end), self._kind)
        self._cache[index] = chunk
        if len(self._cache) > self._cached_chunks:
            self._cache.popitem(last=False)
        return chunk


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
