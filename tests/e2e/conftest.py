"""A real local server (`docsafe serve`) in its own process, as a user starts it."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.support.serve import Server, serving

__all__ = ["Server"]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    keys = {tenant: f"{tenant}-{secrets.token_urlsafe(24)}" for tenant in ("alpha", "beta", "gamma", "delta")}
    with serving(keys, tmp_path_factory.mktemp("server") / "server.log") as started:
        yield started
