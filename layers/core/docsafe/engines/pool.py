"""A pool of loaded engine instances, one lent to each page reader at a time."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class InstancePool:
    """Loaded engine instances (Tesseract APIs, PP-OCR pipelines), lent to one page reader
    at a time.

    Neither is thread-safe, and loading one costs a model's worth of memory and a fraction
    of a second. Local mode runs each batch of pages on a new thread; a pool keeps as many
    instances as pages are read at once and reuses them, where one per thread would load
    a model for every batch and free it only when its thread is collected.
    """

    def __init__(self, create: Callable[[], Any], limit: int | None = None):
        """`limit`: at most this many instances; a reader beyond it waits for one to be
        returned (PP-OCR's each hold about a gigabyte and use every core already)."""
        self._create = create
        self._idle: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(limit) if limit else None
        self._count = threading.Lock()
        self.created = 0

    @contextmanager
    def borrow(self) -> Iterator[Any]:
        if self._slots is not None:
            self._slots.acquire()
        try:
            try:
                api = self._idle.get_nowait()
            except queue.Empty:
                api = self._create()
                with self._count:
                    self.created += 1
            try:
                yield api
            finally:
                self._idle.put(api)
        finally:
            if self._slots is not None:
                self._slots.release()
