"""The `docsafe` command: run the service locally, try it on a document, manage API keys."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer

from docsafe.settings import API_VERSION

app = typer.Typer(help="DocSafe: private OCR and document analysis.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys (stored only as hashes).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")

DEFAULT_SAMPLE = Path(__file__).resolve().parents[3] / "samples" / "letter.png"


@app.command()
def serve(
    port: Annotated[int, typer.Option(envvar="PORT", help="HTTP port of the API.")] = 8080,
    aws_port: Annotated[int, typer.Option(envvar="AWS_PORT", help="Port of the local AWS (moto).")] = 4566,
) -> None:
    """Run the whole service on this machine until Ctrl-C."""
    from docsafe.local.server import LocalService, parse_local_keys

    keys = parse_local_keys(os.environ.get("DOCSAFE_LOCAL_KEYS"))
    service = LocalService(port=port, aws_port=aws_port, keys=keys).start()
    typer.echo(f"DocSafe is listening on {service.url}")
    typer.echo(f"Local AWS (moto) on {service.aws_url}: aws --endpoint-url {service.aws_url} s3 ls")
    if not os.environ.get("DOCSAFE_LOCAL_KEYS"):
        typer.echo(f"API key for tenant 'local': {keys['local']}")
    else:
        typer.echo(f"API keys loaded for tenants: {', '.join(sorted(keys))}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        typer.echo("stopping")
        service.stop()


@app.command()
def demo(
    document: Annotated[Path, typer.Argument(help="Document to analyze.")] = DEFAULT_SAMPLE,
) -> None:
    """Start the service, analyze DOCUMENT through the API, print its text, delete it, stop."""
    from docsafe.local.server import running

    data = document.read_bytes()
    # The demo prints the document's text; the service's own (content-free) logs would
    # bury it, so only warnings and errors show.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    with running(keys={"demo": "demo-" + os.urandom(16).hex()}) as service:
        key = service.keys["demo"]
        typer.echo(f"DocSafe running on {service.url}; analyzing {document.name}", err=True)
        client = ApiClient(service.url, key)
        result = client.analyze(data)
        typer.echo(result["content"])
        client.delete(result["_operation_location"])
        typer.echo("(result and input deleted)", err=True)


class ApiClient:
    """A minimal client of the wire contract (the Azure SDK works too; see README)."""

    def __init__(self, endpoint: str, key: str, timeout: float = 300.0, poll_seconds: float | None = None):
        self.endpoint = endpoint.rstrip("/")
        self.key = key
        self.timeout = timeout
        self.poll_seconds = poll_seconds  # None: as the service's Retry-After says

    def _request(self, method: str, url: str, body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
        request = urllib.request.Request(url, data=body, method=method)
        request.add_header("Ocp-Apim-Subscription-Key", self.key)
        if body is not None:
            request.add_header("Content-Type", "application/octet-stream")
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:
                return answer.status, dict(answer.headers.items()), answer.read()
        except urllib.error.HTTPError as error:
            raise typer.Exit(_report(error)) from None

    def analyze(self, data: bytes, model: str = "prebuilt-read") -> dict[str, Any]:
        url = f"{self.endpoint}/documentintelligence/documentModels/{model}:analyze?api-version={API_VERSION}"
        _, headers, _ = self._request("POST", url, data)
        location = headers["Operation-Location"]
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            _, headers, raw = self._request("GET", location)
            body = json.loads(raw)
            if body["status"] == "succeeded":
                return {**body["analyzeResult"], "_operation_location": location}
            if body["status"] == "failed":
                typer.echo(f"analysis failed: {body.get('error', {}).get('message')}", err=True)
                raise typer.Exit(1)
            time.sleep(self.poll_seconds or float(headers.get("Retry-After", "1")))
        typer.echo("analysis did not finish in time", err=True)
        raise typer.Exit(1)

    def delete(self, location: str) -> None:
        self._request("DELETE", location)


def _report(error: urllib.error.HTTPError) -> int:
    try:
        message = json.loads(error.read())["error"]["message"]
    except (ValueError, KeyError, TypeError):
        message = error.reason
    typer.echo(f"DocSafe answered {error.code}: {message}", err=True)
    return 1


def _key_store(table: str | None, region: str | None, endpoint_url: str | None) -> Any:
    from docsafe import runtime
    from docsafe.settings import get_settings

    if table:
        os.environ["DOCSAFE_KEYS_TABLE"] = table
    if region:
        os.environ["AWS_REGION"] = region
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    runtime.reset()
    get_settings()
    return runtime.services().api_keys


TableOption = Annotated[str | None, typer.Option(help="Keys table (the stack output KeysTableName).")]
RegionOption = Annotated[str | None, typer.Option(help="The stack's region.")]
EndpointOption = Annotated[
    str | None, typer.Option("--endpoint-url", help="A local AWS, e.g. http://127.0.0.1:4566.")
]


@keys_app.command("create")
def keys_create(
    tenant: str, table: TableOption = None, region: RegionOption = None, endpoint_url: EndpointOption = None
) -> None:
    """Create a key for TENANT; it is shown once and stored only as a hash."""
    try:
        key, record = _key_store(table, region, endpoint_url).create(tenant)
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"key id {record.key_id} for tenant {record.tenant} (shown once, keep it safe):")
    typer.echo(key)


@keys_app.command("list")
def keys_list(
    table: TableOption = None, region: RegionOption = None, endpoint_url: EndpointOption = None
) -> None:
    """List key ids, tenants and whether each is revoked (never the keys)."""
    for record in _key_store(table, region, endpoint_url).list():
        state = "revoked" if record.revoked else "active"
        created = time.strftime("%Y-%m-%d %H:%M", time.gmtime(record.created_at))
        typer.echo(f"{record.key_id}  {record.tenant:<24} {state:<8} {created}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: str, table: TableOption = None, region: RegionOption = None, endpoint_url: EndpointOption = None
) -> None:
    """Revoke the key with KEY_ID: it stops working on the next request."""
    if not _key_store(table, region, endpoint_url).revoke(key_id):
        typer.echo(f"no key with id {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
