"""The `docsafe` command: run the service locally, try it on a document, manage API keys."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from docsafe.contract.models import MODEL_ID

from docsafe_tools.local.template import REPO_ROOT

app = typer.Typer(help="DocSafe: private OCR and document analysis.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys (stored only as hashes).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
tenants_app = typer.Typer(help="What the operator allows each tenant.", no_args_is_help=True)
app.add_typer(tenants_app, name="tenants")

DEFAULT_SAMPLE = REPO_ROOT / "samples" / "letter.png"


@app.command()
def serve(
    port: Annotated[int, typer.Option(envvar="PORT", help="HTTP port of the API.")] = 8080,
    aws_port: Annotated[int, typer.Option(envvar="AWS_PORT", help="Port of the local AWS (moto).")] = 4566,
) -> None:
    """Run the whole service on this machine until Ctrl-C."""
    from docsafe_tools.local.server import LocalService, parse_local_keys

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
    from docsafe_tools.client import ApiClient, ApiError
    from docsafe_tools.local.server import running

    data = document.read_bytes()
    # The demo prints the document's text; the service's own (content-free) logs would
    # bury it, so only warnings and errors show.
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    with running(keys={"demo": "demo-" + os.urandom(16).hex()}) as service:
        typer.echo(f"DocSafe running on {service.url}; analyzing {document.name}", err=True)
        client = ApiClient(service.url, service.keys["demo"])
        try:
            analysis = client.analyze(data)
        except ApiError as error:
            typer.echo(f"analysis failed: {error}", err=True)
            raise typer.Exit(1) from None
        typer.echo(analysis.succeeded_result()["content"])
        client.delete(analysis)
        typer.echo("(result and input deleted)", err=True)


class OutputFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command()
def analyze(
    files: Annotated[list[Path], typer.Argument(help="Documents to analyze (PDF, TIFF, PNG, JPEG, BMP).")],
    model: Annotated[
        str, typer.Option(help="prebuilt-read, prebuilt-layout or the id of one of your custom models.")
    ] = "prebuilt-read",
    pages: Annotated[str | None, typer.Option(help="Pages to read, e.g. 1-3,5.")] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="text, markdown (prebuilt-layout) or the whole json.")
    ] = OutputFormat.text,
    endpoint: Annotated[
        str,
        typer.Option(envvar="DOCSAFE_ENDPOINT", help="DocSafe, or any Document Intelligence v4.0 service."),
    ] = "http://127.0.0.1:8080",
    key: Annotated[str, typer.Option(envvar="DOCSAFE_KEY", help="The API key.")] = "",
    delete: Annotated[
        bool, typer.Option("--delete", help="Purge each result and input once downloaded.")
    ] = False,
    output_dir: Annotated[
        Path | None, typer.Option(help="Write FILE.txt / .md / .json here instead of to standard output.")
    ] = None,
    events_bus: Annotated[
        str | None,
        typer.Option(
            help="Wait on the stack's job events (its output JobEventsBusName) instead of polling: "
            "needs the stack's AWS credentials."
        ),
    ] = None,
    region: RegionOption = None,
    aws_endpoint_url: Annotated[
        str | None, typer.Option(help="A local AWS for --events-bus, e.g. http://127.0.0.1:4566.")
    ] = None,
) -> None:
    """Analyze FILES with a progress bar each; exit 1 if any of them failed."""
    from docsafe_tools.analyze_command import run_analyses

    if not MODEL_ID.match(model):
        typer.echo("--model must be prebuilt-read, prebuilt-layout or a custom model's id", err=True)
        raise typer.Exit(2)
    if output_format is OutputFormat.markdown and model != "prebuilt-layout":
        typer.echo("--format markdown needs --model prebuilt-layout", err=True)
        raise typer.Exit(2)
    if not key:
        typer.echo("an API key is needed: --key or DOCSAFE_KEY", err=True)
        raise typer.Exit(2)
    options = {"pages": pages} if pages else {}
    if output_format is OutputFormat.markdown:
        options["outputContentFormat"] = "markdown"
    if events_bus is None:
        failed = run_analyses(
            files, endpoint, key, model, options, output_format.value, delete=delete, output_dir=output_dir
        )
        raise typer.Exit(1 if failed else 0)
    from docsafe_tools.job_events import JobEndWatcher

    with JobEndWatcher(events_bus, region, aws_endpoint_url) as watcher:
        failed = run_analyses(
            files,
            endpoint,
            key,
            model,
            options,
            output_format.value,
            delete=delete,
            output_dir=output_dir,
            watcher=watcher,
        )
    raise typer.Exit(1 if failed else 0)


def _services(table_setting: str, table: str | None, region: str | None, endpoint_url: str | None) -> Any:
    from docsafe import runtime
    from docsafe.settings import get_settings

    if table:
        os.environ[table_setting] = table
    if region:
        os.environ["AWS_REGION"] = region
    if endpoint_url:
        os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    runtime.reset()
    get_settings()
    return runtime.services()


def _key_store(table: str | None, region: str | None, endpoint_url: str | None) -> Any:
    return _services("DOCSAFE_KEYS_TABLE", table, region, endpoint_url).api_keys


def _tenant_policies(table: str | None, region: str | None, endpoint_url: str | None) -> Any:
    return _services("DOCSAFE_TENANTS_TABLE", table, region, endpoint_url).tenants


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


TenantsTableOption = Annotated[
    str | None, typer.Option(help="Tenants table (the stack output TenantsTableName).")
]


def _training_source(uri: str) -> Any:
    from docsafe.tenants import TrainingSource

    try:
        return TrainingSource.parse(uri)
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None


@tenants_app.command("allow-training")
def tenants_allow_training(
    tenant: str,
    source: Annotated[str, typer.Argument(help="s3://BUCKET/FOLDER/ the tenant may train models from.")],
    table: TenantsTableOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
) -> None:
    """Let TENANT build custom models from SOURCE (the bucket must also be in the stack's
    TrainingBuckets parameter, which lets the build function read it)."""
    try:
        _tenant_policies(table, region, endpoint_url).allow_training(tenant, _training_source(source))
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{tenant} may train from {_training_source(source)}")


@tenants_app.command("deny-training")
def tenants_deny_training(
    tenant: str,
    source: str,
    table: TenantsTableOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
) -> None:
    """Withdraw SOURCE from TENANT (builds not yet reading it stop)."""
    _tenant_policies(table, region, endpoint_url).revoke_training(tenant, _training_source(source))
    typer.echo(f"{tenant} may no longer train from {_training_source(source)}")


@tenants_app.command("show")
def tenants_show(
    tenant: str,
    table: TenantsTableOption = None,
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
) -> None:
    """The training sources TENANT may use."""
    for source in _tenant_policies(table, region, endpoint_url).training_sources(tenant):
        typer.echo(str(source))


@tenants_app.command("callback-secret")
def tenants_callback_secret(
    tenant: str,
    key_id: Annotated[str, typer.Option(help="The stack output CallbackKeyId (an HMAC key of KMS).")],
    region: RegionOption = None,
    endpoint_url: EndpointOption = None,
) -> None:
    """The secret TENANT's callbacks are signed with (hex): hand it to the tenant, whose
    receiver checks each POST's x-docsafe-signature with it (docsafe.callbacks.verify).
    Derived by KMS from the key each time: nothing secret is stored."""
    from docsafe import aws
    from docsafe.callbacks import CallbackSecrets

    _services("DOCSAFE_CALLBACK_KEY_ID", key_id, region, endpoint_url)
    typer.echo(CallbackSecrets(lambda: aws.client("kms"), key_id).of(tenant).hex())


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
