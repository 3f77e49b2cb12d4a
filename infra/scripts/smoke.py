"""Smoke test of a DocSafe stack, through the official Azure client, leaving nothing behind.

    python infra/scripts/smoke.py --stack NAME [--region R]          (make smoke STACK=NAME)
    python infra/scripts/smoke.py --endpoint URL --keys-table NAME [--aws-endpoint-url URL]

Creates two throwaway keys for two fresh tenants straight in the keys table (the
operator's AWS credentials), reads samples/letter.png and a two-page PDF made here with
prebuilt-read and prebuilt-layout, checks that the second tenant gets 404 for the first
one's result, deletes every result (then 404 for its owner too), removes both keys (even
after a failure) and checks that a removed key is refused. Every step is named and timed;
on failure it prints `smoke failed at step <name>: <reason>` and exits 1 (2 for bad
arguments). Every wait is bounded, so a broken stack cannot hang it. Neither keys nor
document text are ever printed.
"""

from __future__ import annotations

import argparse
import io
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import boto3
from azure.ai.documentintelligence import DocumentIntelligenceClient
from azure.ai.documentintelligence.models import AnalyzeResult
from azure.core.credentials import AzureKeyCredential
from azure.core.rest import HttpRequest
from botocore.config import Config
from docsafe.auth import KeyStore
from docsafe.settings import API_VERSION
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
LETTER = ROOT / "samples" / "letter.png"
LETTER_WORD = "invoice"  # samples/letter.png: "Invoice number: INV-2026-0042"
TABLE = [["Item", "Qty", "Price"], ["Apples", "3", "1.50"], ["Pears", "12", "4.20"], ["Plums", "7", "2.80"]]
TABLE_WORD = "apples"
# Bounded AWS calls: a wrong region or endpoint fails in seconds rather than retrying on.
AWS_CONFIG = Config(connect_timeout=10, read_timeout=30, retries={"mode": "standard", "max_attempts": 3})


class SmokeFailure(Exception):
    def __init__(self, step: str, reason: str):
        super().__init__(f"{step}: {reason}")
        self.step = step
        self.reason = reason


def reason_of(error: BaseException) -> str:
    """One short line: the exception's own message (azure-core's spans several lines)."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


class Steps:
    """Runs named steps, printing each one's outcome and time; the first failure is kept."""

    def __init__(self, out: TextIO):
        self.out = out
        self.failure: SmokeFailure | None = None

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        except Exception as error:
            failure = SmokeFailure(name, reason_of(error))
            self._report("FAIL", name, started, failure.reason)
            self.failure = self.failure or failure
            raise failure from error
        self._report("ok", name, started)

    def _report(self, outcome: str, name: str, started: float, reason: str = "") -> None:
        elapsed = time.monotonic() - started
        print(f"{outcome:<4} {name:<22} {elapsed:6.1f}s{'  ' + reason if reason else ''}", file=self.out)
        self.out.flush()


def check(condition: bool, reason: str) -> None:
    if not condition:
        raise AssertionError(reason)


def words_of(text: str | None) -> set[str]:
    return {word.lower() for word in re.findall(r"[A-Za-z0-9]+", text or "")}


def table_page(size: tuple[int, int] = (1275, 900), font_size: int = 36) -> Image.Image:
    """A page with a ruled 4 × 3 table, drawn with Pillow's own font (no system fonts)."""
    page = Image.new("L", size, 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=font_size)
    draw.text((100, 80), "Smoke Test Order", font=font, fill=0)
    left, top, widths, row_height = 100, 220, [450, 250, 300], 70
    right, bottom = left + sum(widths), top + len(TABLE) * row_height
    for row in range(len(TABLE) + 1):
        draw.line([(left, top + row * row_height), (right, top + row * row_height)], fill=0, width=3)
    x = left
    for width in [*widths, 0]:
        draw.line([(x, top), (x, bottom)], fill=0, width=3)
        x += width
    for row, cells in enumerate(TABLE):
        x = left
        for width, text in zip(widths, cells, strict=True):
            draw.text((x + 20, top + row * row_height + 15), text, font=font, fill=0)
            x += width
    return page


def two_page_pdf(letter: bytes) -> bytes:
    """A scanned PDF: the letter, then the table page (no text layer: OCR must read it).

    At 300 dpi, the resolution the service renders at, each page is read from the very
    pixels drawn here (a 150 dpi scan, upscaled, lost the table cells' text locally).
    """
    first = Image.open(io.BytesIO(letter)).convert("RGB")
    buffer = io.BytesIO()
    first.save(
        buffer, format="PDF", save_all=True, append_images=[table_page().convert("RGB")], resolution=300
    )
    return buffer.getvalue()


def operation_id_of(poller: Any) -> str:
    """The operation id of an analyze poller, from the Operation-Location it was given.

    The SDK's own `poller.details["operation_id"]` finds it only where the path starts with
    /documentintelligence/ (a custom domain); on the execute-api endpoint the stage comes
    first (https://ID.execute-api.REGION.amazonaws.com/api/documentintelligence/…)."""
    location = poller.polling_method()._initial_response.http_response.headers["Operation-Location"]
    return urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Target:
    endpoint: str
    keys_table: str


@dataclass
class Smoke:
    target: Target
    open_keys: Callable[[], KeyStore]  # opened in the first step, so that its failure is reported
    steps: Steps
    timeout: float
    polling_interval: float = 1.0
    keys: KeyStore | None = None
    tenants: list[str] = field(default_factory=list)
    api_keys: list[str] = field(default_factory=list)
    results: list[tuple[str, str]] = field(default_factory=list)  # (model, operation id) not yet deleted

    def client(self, key: str) -> DocumentIntelligenceClient:
        # Few, short retries and socket timeouts: each HTTP call is bounded as well.
        return DocumentIntelligenceClient(
            self.target.endpoint,
            AzureKeyCredential(key),
            retry_total=2,
            retry_backoff_factor=0.5,
            connection_timeout=10,
            read_timeout=60,
        )

    def result_status(self, client: DocumentIntelligenceClient, model: str, operation_id: str) -> int:
        # The client makes a relative URL absolute under its endpoint's /documentintelligence.
        path = f"/documentModels/{model}/analyzeResults/{operation_id}?api-version={API_VERSION}"
        return client.send_request(HttpRequest("GET", path)).status_code

    def create_keys(self) -> None:
        self.keys = self.open_keys()
        for _ in range(2):
            tenant = f"smoke-{secrets.token_hex(6)}"
            key, record = self.keys.create(tenant)
            self.tenants.append(tenant)
            self.api_keys.append(key)
            print(f"     tenant {tenant}: key id {record.key_id}", file=self.steps.out)

    def analyze(self, model: str, document: bytes) -> AnalyzeResult:
        client = self.client(self.api_keys[0])
        poller = client.begin_analyze_document(
            model, io.BytesIO(document), polling_interval=self.polling_interval
        )
        operation_id = operation_id_of(poller)
        self.results.append((model, operation_id))
        poller.wait(timeout=self.timeout)  # the poller's thread is a daemon: left behind, it ends with us
        check(poller.done(), f"operation {operation_id} not done after {self.timeout:.0f}s")
        result = poller.result()
        check(
            result is not None and result.model_id == model,
            f"operation {operation_id} gave no {model} result",
        )
        return result

    def other_key_gets_404(self) -> None:
        model, operation_id = self.results[0]
        owner, other = self.client(self.api_keys[0]), self.client(self.api_keys[1])
        status = self.result_status(other, model, operation_id)
        check(status == 404, f"the other tenant's GET of {operation_id} answered {status}, not 404")
        status = self.result_status(owner, model, operation_id)
        check(status == 200, f"the owner's GET of {operation_id} answered {status}, not 200")

    def delete_results(self) -> None:
        owner = self.client(self.api_keys[0])
        while self.results:
            model, operation_id = self.results[0]
            owner.delete_analyze_result(model_id=model, result_id=operation_id)
            self.results.pop(0)
            status = self.result_status(owner, model, operation_id)
            check(status == 404, f"the owner's GET of deleted {operation_id} answered {status}, not 404")

    def remove_keys(self) -> None:
        # Each key is tried even when another one fails, so as little as possible is left.
        problems: list[str] = []
        assert self.keys is not None  # there are keys to remove only once it is open
        for tenant, key in zip(self.tenants, self.api_keys, strict=True):
            try:
                if not self.keys.delete(key):
                    problems.append(f"{tenant}: no key item to delete")
            except Exception as error:
                problems.append(f"{tenant}: {reason_of(error)}")
        check(not problems, "; ".join(problems))

    def removed_key_is_refused(self) -> None:
        answer = self.client(self.api_keys[0]).send_request(
            HttpRequest("GET", f"/documentModels?api-version={API_VERSION}")
        )
        check(answer.status_code == 401, f"a removed key got {answer.status_code}, not 401")


def check_read(result: AnalyzeResult, pages: int, words: Sequence[str]) -> None:
    found = words_of(result.content)
    check(bool(found), "the result has no text")
    check(len(result.pages or []) == pages, f"{len(result.pages or [])} pages, expected {pages}")
    missing = [word for word in words if word not in found]
    check(not missing, f"expected word(s) not in the text: {', '.join(missing)}")


def check_layout(result: AnalyzeResult, pages: int, words: Sequence[str], table_on: int | None) -> None:
    check_read(result, pages, words)
    check(all(page.lines for page in result.pages), "a page has no lines")
    if table_on is None:
        return
    tables = [
        table
        for table in result.tables or []
        if any(region.page_number == table_on for region in table.bounding_regions or [])
    ]
    check(bool(tables), f"no table found on page {table_on}")
    (table, *_) = tables
    shape = (table.row_count, table.column_count)
    check(shape == (len(TABLE), len(TABLE[0])), f"the table is {shape[0]} × {shape[1]}, expected 4 × 3")
    cells = words_of(" ".join(cell.content or "" for cell in table.cells))
    check(TABLE_WORD in cells, f"the table's cells lack {TABLE_WORD!r}")


def run(smoke: Smoke) -> None:
    """The steps in order; raises SmokeFailure at the first that fails, keys removed regardless."""
    steps = smoke.steps
    with steps.step("make-documents"):
        letter = LETTER.read_bytes()
        pdf = two_page_pdf(letter)
    analyses: list[tuple[str, Callable[[], None]]] = [
        ("read-letter-png", lambda: check_read(smoke.analyze("prebuilt-read", letter), 1, [LETTER_WORD])),
        (
            "read-two-page-pdf",
            lambda: check_read(smoke.analyze("prebuilt-read", pdf), 2, [LETTER_WORD, TABLE_WORD]),
        ),
        (
            "layout-letter-png",
            lambda: check_layout(smoke.analyze("prebuilt-layout", letter), 1, [LETTER_WORD], None),
        ),
        (
            "layout-two-page-pdf",
            lambda: check_layout(smoke.analyze("prebuilt-layout", pdf), 2, [LETTER_WORD, TABLE_WORD], 2),
        ),
    ]
    try:
        with steps.step("create-keys"):
            smoke.create_keys()
        for name, analysis in analyses:
            with steps.step(name):
                analysis()
        with steps.step("other-key-404"):
            smoke.other_key_gets_404()
        with steps.step("delete-results"):
            smoke.delete_results()
    finally:
        if smoke.results:  # a step failed after submitting: delete what is left, best effort
            try:
                with steps.step("cleanup-results"):
                    smoke.delete_results()
            except SmokeFailure:
                pass  # reported; an earlier step's failure is the one that counts
        if smoke.api_keys:
            with steps.step("remove-keys"):
                smoke.remove_keys()
    with steps.step("removed-key-refused"):
        smoke.removed_key_is_refused()


def stack_outputs(session: boto3.session.Session, stack: str, aws_endpoint_url: str | None) -> Target:
    cloudformation = session.client("cloudformation", endpoint_url=aws_endpoint_url, config=AWS_CONFIG)
    (described,) = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}
    missing = [name for name in ("ApiEndpoint", "KeysTableName") if name not in outputs]
    check(not missing, f"stack {stack} has no output {', '.join(missing)}")
    return Target(endpoint=outputs["ApiEndpoint"], keys_table=outputs["KeysTableName"])


def aws_session(region: str | None, aws_endpoint_url: str | None) -> boto3.session.Session:
    session = boto3.session.Session(region_name=region)
    if aws_endpoint_url and session.get_credentials() is None:
        # A local AWS (moto) takes any credentials, and its user may have none configured.
        return boto3.session.Session(
            region_name=region,
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106
        )
    return session


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--stack", help="the deployed stack's name (its outputs give endpoint and keys table)"
    )
    parser.add_argument("--region", help="the stack's region (default: the AWS configuration's)")
    parser.add_argument("--endpoint", help="the API endpoint, instead of --stack (local mode)")
    parser.add_argument("--keys-table", help="the keys table, instead of --stack (local mode)")
    parser.add_argument("--aws-endpoint-url", help="a local AWS (moto), e.g. http://127.0.0.1:4566")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds one analysis may take (300)")
    args = parser.parse_args(argv)
    if args.stack and (args.endpoint or args.keys_table):
        parser.error("give either --stack or --endpoint and --keys-table, not both")
    if not args.stack and not (args.endpoint and args.keys_table):
        parser.error("give --stack NAME, or --endpoint URL and --keys-table NAME")
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    return args


def main(argv: Sequence[str] | None = None, out: TextIO = sys.stdout) -> int:
    args = parse_args(argv)  # exits 2 on bad arguments
    steps = Steps(out)
    started = time.monotonic()
    try:
        session = aws_session(args.region, args.aws_endpoint_url)
        if args.stack:
            with steps.step("stack-outputs"):
                target = stack_outputs(session, args.stack, args.aws_endpoint_url)
        else:
            target = Target(endpoint=args.endpoint, keys_table=args.keys_table)
        print(f"smoke test of {target.endpoint} (keys table {target.keys_table})", file=out)

        def open_keys() -> KeyStore:
            dynamodb = session.resource("dynamodb", endpoint_url=args.aws_endpoint_url, config=AWS_CONFIG)
            return KeyStore(dynamodb.Table(target.keys_table))

        run(Smoke(target=target, open_keys=open_keys, steps=steps, timeout=args.timeout))
    except SmokeFailure:
        pass  # reported below: the first failure is the one that names the broken step
    if steps.failure is not None:
        print(f"smoke failed at step {steps.failure.step}: {steps.failure.reason}", file=out)
        return 1
    print(f"smoke passed in {time.monotonic() - started:.1f}s", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
