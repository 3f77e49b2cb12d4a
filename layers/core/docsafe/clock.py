"""The service's one clock, so tests and local mode can move time (retention tests)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_source: Callable[[], float] = time.time


def now() -> float:
    return _source()


@contextmanager
def using(source: Callable[[], float]) -> Iterator[None]:
    """Run with `source` as the clock (tests: a clock that can jump past retention)."""
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous
