"""infra/scripts/smoke.py (`make smoke`) against `docsafe serve`, run as the operator runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from docsafe_tools.local.server import LOCAL_REGION
from docsafe_tools.local.stack import STACK_NAME

from tests.e2e.conftest import Server

pytestmark = pytest.mark.e2e

SCRIPT = Path(__file__).resolve().parents[2] / "infra" / "scripts" / "smoke.py"
KEYS_TABLE = f"{STACK_NAME}-keystable"  # local mode names tables <stack>-<logical id>
STEPS = [
    "make-documents",
    "create-keys",
    "read-letter-png",
    "read-two-page-pdf",
    "layout-letter-png",
    "layout-two-page-pdf",
    "other-key-404",
    "delete-results",
    "remove-keys",
    "removed-key-refused",
]


def region() -> str:
    # The region the server's process runs in (it inherits the tests' environment).
    return os.environ.get("AWS_REGION") or LOCAL_REGION


def smoke(server: Server, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), "--aws-endpoint-url", server.aws_url, "--region", region(), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


def reported(output: str) -> dict[str, str]:
    """Step name → ok or FAIL, from the script's step lines."""
    found = {}
    for line in output.splitlines():
        outcome, _, rest = line.partition(" ")
        if outcome in ("ok", "FAIL") and rest.strip():
            found[rest.split()[0]] = outcome
    return found


def smoke_tenants(server: Server) -> list[str]:
    items = server.aws("dynamodb").scan(TableName=KEYS_TABLE)["Items"]
    return [item["tenant"]["S"] for item in items if item["tenant"]["S"].startswith("smoke-")]


def assert_discreet(answer: subprocess.CompletedProcess[str]) -> None:
    """Neither a key (the throwaway ones are generated, so: their prefix) nor the letter's text."""
    output = answer.stdout + answer.stderr
    assert "dsk_" not in output
    assert "INV-2026-0042" not in output and "Payable" not in output


def test_every_step_passes_against_local_mode_and_leaves_no_key(server: Server) -> None:
    answer = smoke(server, "--endpoint", server.url, "--keys-table", KEYS_TABLE)

    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert reported(answer.stdout) == dict.fromkeys(STEPS, "ok")
    assert "smoke passed" in answer.stdout
    assert smoke_tenants(server) == []
    assert_discreet(answer)


def test_a_stack_is_found_by_its_cloudformation_outputs(server: Server) -> None:
    # A stack in the local CloudFormation whose outputs name the local service, as
    # `make smoke STACK=…` finds a deployed one (a template needs at least one resource).
    template = {
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"ApiEndpoint": {"Value": server.url}, "KeysTableName": {"Value": KEYS_TABLE}},
    }
    stack = "docsafe-smoke-target"
    server.aws("cloudformation").create_stack(StackName=stack, TemplateBody=json.dumps(template))

    answer = smoke(server, "--stack", stack)

    assert answer.returncode == 0, answer.stdout + answer.stderr
    assert reported(answer.stdout) == {"stack-outputs": "ok", **dict.fromkeys(STEPS, "ok")}
    assert f"smoke test of {server.url} (keys table {KEYS_TABLE})" in answer.stdout
    assert smoke_tenants(server) == []


def test_a_stack_that_does_not_exist_fails_at_its_outputs(server: Server) -> None:
    answer = smoke(server, "--stack", "no-such-stack")

    assert answer.returncode == 1
    assert reported(answer.stdout) == {"stack-outputs": "FAIL"}
    assert "smoke failed at step stack-outputs: " in answer.stdout
    assert "no-such-stack does not exist" in answer.stdout


def test_an_endpoint_nobody_answers_fails_at_the_first_analysis_and_still_removes_the_keys(
    server: Server,
) -> None:
    from docsafe_tools.local.server import free_port

    closed = f"http://127.0.0.1:{free_port()}"
    answer = smoke(server, "--endpoint", closed, "--keys-table", KEYS_TABLE, timeout=120)

    assert answer.returncode == 1
    assert "smoke failed at step read-letter-png: " in answer.stdout
    assert reported(answer.stdout) == {
        "make-documents": "ok",
        "create-keys": "ok",
        "read-letter-png": "FAIL",
        "remove-keys": "ok",
    }
    assert smoke_tenants(server) == []
    assert_discreet(answer)


class _NeverDone(BaseHTTPRequestHandler):
    """Accepts every analysis and says it is running, for ever (a stuck pipeline)."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(202)
        location = (
            f"http://{self.headers['Host']}/documentintelligence/documentModels/prebuilt-read/"
            "analyzeResults/00000000-0000-4000-8000-000000000001?api-version=2024-11-30"
        )
        self.send_header("Operation-Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        body = json.dumps({"status": "running"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_DELETE(self) -> None:
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def never_done() -> Iterator[str]:
    stub = ThreadingHTTPServer(("127.0.0.1", 0), _NeverDone)
    threading.Thread(target=stub.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{stub.server_address[1]}"
    finally:
        stub.shutdown()
        stub.server_close()


def test_an_analysis_that_never_ends_fails_at_its_timeout_instead_of_hanging(server: Server) -> None:
    with never_done() as endpoint:
        answer = smoke(
            server, "--endpoint", endpoint, "--keys-table", KEYS_TABLE, "--timeout", "3", timeout=60
        )

    assert answer.returncode == 1
    assert "smoke failed at step read-letter-png: " in answer.stdout
    assert "not done after 3s" in answer.stdout
    # Its result is still deleted (the stub accepts that; it then still answers 200, so the
    # cleanup itself fails), and the keys go regardless.
    steps = reported(answer.stdout)
    assert steps["read-letter-png"] == "FAIL" and steps["remove-keys"] == "ok"
    assert "cleanup-results" in steps
    assert smoke_tenants(server) == []


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--stack", "a", "--endpoint", "http://x"],
        ["--endpoint", "http://x"],
        ["--stack", "a", "--timeout", "0"],
    ],
)
def test_bad_arguments_exit_2(args: list[str]) -> None:
    answer = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert answer.returncode == 2
    assert "usage:" in answer.stderr


@pytest.mark.parametrize(
    "base",
    ["https://ocr.example.com", "https://abc123.execute-api.eu-west-1.amazonaws.com/api"],
)
def test_the_smoke_script_reads_the_operation_id_on_either_endpoint(base: str) -> None:
    # The SDK's poller.details finds no id where the stage precedes /documentintelligence/
    import importlib.util
    from types import SimpleNamespace

    spec = importlib.util.spec_from_file_location("smoke_script", SCRIPT)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    sys.modules["smoke_script"] = script  # its dataclasses look their module up
    spec.loader.exec_module(script)
    location = f"{base}/documentintelligence/documentModels/prebuilt-read/analyzeResults/0b7c?api-version=x"
    response = SimpleNamespace(http_response=SimpleNamespace(headers={"Operation-Location": location}))
    poller = SimpleNamespace(polling_method=lambda: SimpleNamespace(_initial_response=response))
    assert script.operation_id_of(poller) == "0b7c"
