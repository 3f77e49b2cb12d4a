"""`docsafe serve` in its own process, as a user starts it (e2e tests and benchmarks)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docsafe_tools.local.server import free_port


@dataclass(frozen=True)
class Server:
    url: str
    aws_url: str
    keys: dict[str, str]
    log: Path
    pid: int

    def operations(self, tenant: str) -> list[str]:
        """The ids of the tenant's operations the service still holds (GET /v1/operations)."""
        import json
        import urllib.request

        request = urllib.request.Request(
            f"{self.url}/v1/operations", headers={"x-api-key": self.keys[tenant]}
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return [operation["operationId"] for operation in json.loads(answer.read())["value"]]

    def aws(self, service: str) -> Any:
        """A client of the server's local AWS, in the region the server runs in (any
        credentials do for moto; the caller may have none)."""
        import boto3
        from docsafe_tools.local.server import LOCAL_REGION

        return boto3.client(
            service,
            endpoint_url=self.aws_url,
            region_name=os.environ.get("AWS_REGION") or LOCAL_REGION,
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
        )


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"docsafe serve exited early:\n{log.read_text()}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"docsafe serve did not listen within {timeout}s:\n{log.read_text()}")


@contextmanager
def serving(keys: dict[str, str], log: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """A started `docsafe serve` on free ports with `keys`; stopped with Ctrl-C on exit."""
    port, aws_port = free_port(), free_port()
    environment = {
        **os.environ,
        **(env or {}),
        "PORT": str(port),
        "AWS_PORT": str(aws_port),
        "DOCSAFE_LOCAL_KEYS": ",".join(f"{tenant}={key}" for tenant, key in keys.items()),
    }
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "docsafe_tools.cli", "serve"],
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, process, log)
        yield Server(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{aws_port}", keys, log, process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
