"""The deployed stack's stand-in: template.yaml's resources in moto, the real state
machine executing, our handlers invoked in-process, API Gateway emulated."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from docsafe import runtime
from docsafe.settings import API_VERSION
from docsafe_tools.local.server import Gateway, GatewayResponse
from docsafe_tools.local.stack import LocalStack, install_dispatcher, invocations_in_flight, provision
from moto import mock_aws

REGION = "eu-west-1"
# How long a wait may take before it counts as a hang. Waits end when the work does: the
# bound only stops a test that would never end, and is generous, for a loaded 2-core
# machine (CI runs two test workers) can take a minute for what takes seconds alone.
HANG_SECONDS = 600
# Every key the service writes: an area, then the tenant (jobs/acme/…, intake/acme/…).
_TENANT_AREA = re.compile(r"^(jobs|intake|uploads|models)/[a-z0-9][a-z0-9-]{0,62}/.")
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}, "lambda": {"use_docker": False}}


def location_of(answer: GatewayResponse) -> str:
    """The path of an analyze answer's Operation-Location (to poll through the gateway)."""
    return urlsplit(answer.headers["Operation-Location"]).path


@dataclass
class Harness:
    stack: LocalStack
    gateway: Gateway

    def new_key(self, tenant: str) -> str:
        key, _ = runtime.services().api_keys.create(tenant)
        return key

    def new_tenant(self) -> tuple[str, str]:
        """A tenant no other test uses, and a key of it."""
        tenant = f"t-{uuid.uuid4().hex[:16]}"
        return tenant, self.new_key(tenant)

    def request(
        self,
        method: str,
        path: str,
        key: str | None,
        *,
        query: str = f"api-version={API_VERSION}",
        body: bytes = b"",
        content_type: str = "application/octet-stream",
        headers: dict[str, str] | None = None,
    ) -> GatewayResponse:
        path, _, embedded = path.partition("?")  # a location with its own query keeps it
        query = embedded or query
        headers = {"Host": "docsafe.test", "Content-Type": content_type, **(headers or {})}
        if key is not None:
            headers["Ocp-Apim-Subscription-Key"] = key
        return self.gateway.handle(method, path, query=query, headers=headers, body=body)

    def submit(self, document: bytes, key: str, model: str = "prebuilt-read", query: str = "") -> str:
        """Analyze `document`; returns the Operation-Location path."""
        q = f"api-version={API_VERSION}" + (f"&{query}" if query else "")
        answer = self.request(
            "POST", f"/documentintelligence/documentModels/{model}:analyze", key, query=q, body=document
        )
        assert answer.status == 202, answer.body
        return location_of(answer)

    def read(self, document: bytes, key: str, query: str = "") -> str:
        """Read `document` through Vision Read v3.2; returns the Operation-Location path."""
        answer = self.request("POST", "/vision/v3.2/read/analyze", key, query=query, body=document)
        assert answer.status == 202, answer.body
        return location_of(answer)

    def submit_through(self, api: str, document: bytes, key: str) -> str:
        """Submit `document` through one of the Azure APIs ("documentIntelligence",
        "formRecognizer" or "visionRead"), each as its client would; returns the
        Operation-Location path (with its query, where it has one of its own)."""
        if api == "visionRead":
            return self.read(document, key)
        if api == "formRecognizer":
            return self.recognize(document, key)
        return self.submit(document, key)

    def recognize(
        self,
        document: bytes,
        key: str,
        version: str = "2023-07-31",
        model: str = "prebuilt-read",
        query: str = "",
    ) -> str:
        """Analyze `document` through Form Recognizer as its 3.3 client does; returns the
        Operation-Location path with its query (the version it is polled at)."""
        answer = self.request(
            "POST",
            f"/formrecognizer/documentModels/{model}:analyze",
            key,
            query=f"api-version={version}&stringIndexType=unicodeCodePoint" + (f"&{query}" if query else ""),
            body=document,
        )
        assert answer.status == 202, answer.body
        location = urlsplit(answer.headers["Operation-Location"])
        return f"{location.path}?{location.query}"

    def refusal(self, answer: GatewayResponse, key: str) -> dict[str, Any]:
        """The error of an analyze request the intake refused: accepted by API Gateway
        (202), then a failed operation that never held a document."""
        assert answer.status == 202, answer.body
        body = self.wait(location_of(answer), key)
        assert body["status"] == "failed" and "analyzeResult" not in body, body
        return dict(body["error"])

    def wait(self, location: str, key: str, timeout: float = HANG_SECONDS) -> dict[str, Any]:
        """Poll like the Azure client until the operation (an analysis, or a model build)
        finishes; returns the body."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.request("GET", location, key)
            assert answer.status == 200, answer.body
            body = answer.json()
            if body["status"] in ("succeeded", "failed"):
                self.wait_for_executions()
                return body
            time.sleep(0.1)
        raise AssertionError(f"operation did not finish within {timeout}s")

    def deliver_callbacks(self) -> int:
        """Run the Notify function on every callback queued (Lambda's SQS event source
        mapping); returns how many were handed over."""
        from docsafe_tools.local.stack import drain_queues

        handed = 0
        while delivered := drain_queues(self.stack):
            handed += delivered
        return handed

    def wait_for_executions(self, timeout: float = HANG_SECONDS) -> None:
        """Let the state machine's last states (after the status flips) finish."""
        sfn = boto3.client("stepfunctions", region_name=REGION)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            executions = [
                execution
                for arn in self.stack.state_machines.values()
                for execution in sfn.list_executions(stateMachineArn=arn)["executions"]
            ]
            if all(e["status"] != "RUNNING" for e in executions) and not invocations_in_flight():
                return
            time.sleep(0.1)
        raise AssertionError("executions still running")

    def stored_objects(self, tenant: str | None = None) -> list[str]:
        """Every object in the stack's buckets as bucket/key; or only `tenant`'s (every key
        of a tenant's starts with an area, then the tenant: jobs/acme/…, intake/acme/…)."""
        s3 = boto3.client("s3", region_name=REGION)
        found = []
        for bucket in (self.settings.documents_bucket, self.settings.results_bucket):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
                found += [f"{bucket}/{o['Key']}" for o in page.get("Contents", [])]
        return [o for o in found if tenant is None or o.split("/")[2:3] == [tenant]]

    def unowned_objects(self) -> list[str]:
        """Objects outside every tenant's areas: none may ever exist (a test that looks at
        one tenant's objects looks here too, so nothing stored elsewhere goes unseen)."""
        return [o for o in self.stored_objects() if not _TENANT_AREA.match(o.split("/", 1)[1])]

    def job_records(self) -> list[dict[str, Any]]:
        return boto3.client("dynamodb", region_name=REGION).scan(TableName=self.settings.jobs_table)["Items"]

    @property
    def settings(self) -> Any:
        return runtime.services().settings


@pytest.fixture
def aws() -> Iterator[None]:
    """An empty moto account for one test, with fresh DocSafe clients."""
    with mock_aws(config=MOTO_CONFIG):
        runtime.reset()
        yield
    runtime.reset()


@contextmanager
def _running(monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    """template.yaml's stack provisioned in the moto account now in use, its handlers live."""
    stack = provision(REGION)
    for name, value in stack.environment.items():
        monkeypatch.setenv(name, value)
    runtime.reset()
    install_dispatcher(stack)
    harness = Harness(stack, Gateway(stack, scheme="https", events_at_once=True))
    yield harness
    harness.wait_for_executions()


@pytest.fixture
def local_stack(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Harness]:
    """The template's stack in moto, running our handlers: a stack of the test's own."""
    with _running(monkeypatch) as harness:
        yield harness


@pytest.fixture(scope="module")
def shared_stack() -> Iterator[Harness]:
    """One stack for a whole module whose tests need no isolation: each works as a tenant
    of its own (`Harness.new_tenant`) and looks only at that tenant's objects. A module
    uses either this or `local_stack` (each starts a moto account of its own)."""
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws(config=MOTO_CONFIG):
        runtime.reset()
        with _running(monkeypatch) as harness:
            yield harness
    runtime.reset()


def table_from_template(logical_id: str) -> Any:
    """A moto DynamoDB table shaped exactly as template.yaml declares `logical_id`."""
    from docsafe_tools.local.template import load_template

    props = load_template().resources[logical_id]["Properties"]
    return boto3.resource("dynamodb", region_name=REGION).create_table(
        TableName=logical_id,
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode=props["BillingMode"],
    )


@pytest.fixture(params=["tesseract", "ppocr", "cascade", "textract"])
def engine_stack(
    request: pytest.FixtureRequest, local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Harness]:
    """The stack with each OCR engine and the reading policy in turn (Textract answered by
    FakeTextract)."""
    if request.param != "textract":
        monkeypatch.setenv("DOCSAFE_OCR_ENGINE", request.param)
        runtime.reset()
        yield local_stack
        return
    fake = use_fake_textract(monkeypatch)
    yield local_stack
    assert fake.calls, "the Textract engine was never called"


def use_fake_textract(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Switch the stack to the Textract engine, answered by FakeTextract."""
    from docsafe.engines import textract

    from tests.support.fake_textract import FakeTextract

    fake = FakeTextract()
    monkeypatch.setenv("DOCSAFE_OCR_ENGINE", "textract")
    monkeypatch.setattr(textract, "textract_client", lambda: fake)
    runtime.reset()
    return fake
