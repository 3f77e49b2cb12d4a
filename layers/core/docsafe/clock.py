"""The service's one clock, so tests and local mode can move time (retention tests)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Deadline:
    """When a run must stop starting work: the time its caller has left (a Lambda
    function's remaining time) less a margin to finish what is in flight and report.

    Real time, not the service clock above: tests move that one to expire jobs."""

    millis_left: Callable[[], int]
    margin_seconds: float = 0.0

    @classmethod
    def after(cls, seconds: float, margin_seconds: float = 0.0) -> Deadline:
        end = time.monotonic() + seconds
        return cls(lambda: int((end - time.monotonic()) * 1000), margin_seconds)

    @classmethod
    def never(cls) -> Deadline:
        return cls(lambda: 2**62)

    def seconds_left(self) -> float:
        return self.millis_left() / 1000 - self.margin_seconds

    def passed(self) -> bool:
        return self.seconds_left() <= 0
