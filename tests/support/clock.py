"""A clock the tests move by hand, and the fixture that makes the service read it."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from docsafe import clock


class Clock:
    def __init__(self, now: float | None = None) -> None:
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake_clock() -> Iterator[Clock]:
    """Every part of the service reads this clock until the test ends."""
    fake = Clock()
    with clock.using(fake):
        yield fake
