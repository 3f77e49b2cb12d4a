"""`docsafe analyze` against a running local service, as a user types it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from docsafe.callbacks import CallbackSecrets
from docsafe_tools.cli import app
from typer.testing import CliRunner

from tests.e2e.conftest import Server
from tests.support.documents import encode, scanned_pdf, text_image, text_pdf, words_of

pytestmark = pytest.mark.e2e


def run(server: Server, tenant: str, *args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    answer = runner.invoke(app, ["analyze", "--endpoint", server.url, "--key", server.keys[tenant], *args])
    return answer.exit_code, answer.stdout, answer.stderr


def test_several_files_print_their_text_and_a_bad_one_fails_alone(server: Server, tmp_path: Path) -> None:
    # Given two readable documents and one that is not a document at all
    letter = tmp_path / "letter.png"
    letter.write_bytes(encode(text_image(["Dear customer, thank you"]), "PNG"))
    contract = tmp_path / "contract.pdf"
    contract.write_bytes(text_pdf([["Contract number 8812"]]))
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"this is no document")

    # When they are analyzed in one command
    code, out, err = run(server, "alpha", str(letter), str(broken), str(contract))

    # Then the good ones print their text under their names, the bad one says why, exit 1
    assert code == 1
    assert f"==> {letter} <==" in out and f"==> {contract} <==" in out
    assert {"dear", "customer", "thank", "you"} <= words_of(out)
    assert "Contract number 8812" in out
    assert "broken.pdf" in err and "format is not supported" in err
    assert "broken" not in out


def test_json_output_written_to_a_folder_and_deleted_from_the_service(server: Server, tmp_path: Path) -> None:
    document = tmp_path / "invoice.pdf"
    document.write_bytes(text_pdf([["Invoice 1"], ["Page two"], ["Page three"]]))
    code, _, err = run(
        server,
        "beta",
        str(document),
        "--format",
        "json",
        "--pages",
        "1,3",
        "--delete",
        "--output-dir",
        str(tmp_path / "out"),
    )
    assert code == 0, err
    result = json.loads((tmp_path / "out" / "invoice.pdf.json").read_text())
    assert [page["pageNumber"] for page in result["pages"]] == [1, 3]
    assert "deleted" in err
    # --delete purged it: the tenant has no operation left
    from docsafe_tools.client import ApiClient

    client = ApiClient(server.url, server.keys["beta"])
    _, _, raw = client._request("GET", f"{server.url}/v1/operations")
    assert json.loads(raw)["value"] == []


def test_markdown_needs_the_layout_model_and_a_key_is_required(server: Server, tmp_path: Path) -> None:
    document = tmp_path / "a.png"
    document.write_bytes(encode(text_image(["x"]), "PNG"))
    code, _, err = run(server, "gamma", str(document), "--format", "markdown")
    assert code == 2 and "prebuilt-layout" in err
    code, _, err = run(server, "gamma", str(document), "--model", "no:such")
    assert code == 2 and "custom model" in err
    code, _, err = run(server, "gamma", str(document), "--model", "never-built")
    assert code == 1 and "ModelNotFound" in err
    answer = CliRunner().invoke(
        app, ["analyze", "--endpoint", server.url, str(document)], env={"DOCSAFE_KEY": ""}
    )
    assert answer.exit_code == 2 and "API key" in answer.stderr


def test_a_wrong_key_is_reported_per_file(server: Server, tmp_path: Path) -> None:
    document = tmp_path / "a.png"
    document.write_bytes(encode(text_image(["x"]), "PNG"))
    answer = CliRunner().invoke(app, ["analyze", "--endpoint", server.url, "--key", "wrong", str(document)])
    assert answer.exit_code == 1 and "401" in answer.stderr


def test_the_operator_hands_a_tenant_its_callback_secret(server: Server) -> None:
    kms = server.aws("kms")
    (key_id,) = [
        key["KeyId"]
        for key in kms.list_keys()["Keys"]
        if kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]["KeySpec"] == "HMAC_256"
    ]
    command = [str(Path(sys.executable).parent / "docsafe"), "tenants", "callback-secret"]
    where = ["--key-id", key_id, "--endpoint-url", server.aws_url, "--region", os.environ["AWS_REGION"]]
    secrets = {
        tenant: subprocess.run(
            [*command, tenant, *where], capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()
        for tenant in ("alpha", "beta")
    }
    # Each tenant's own, the one its callbacks are signed with, and the same each time asked
    assert secrets["alpha"] != secrets["beta"] and len(bytes.fromhex(secrets["alpha"])) == 32
    assert CallbackSecrets(lambda: kms, key_id).of("alpha").hex() == secrets["alpha"]


def test_analyze_waits_on_the_stacks_job_events_instead_of_polling(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe_tools.client import ApiClient
    from docsafe_tools.job_events import JobEndWatcher

    polls: list[str] = []
    told: list[str | None] = []
    poll, wait_for = ApiClient.poll, JobEndWatcher.wait_for

    def counted(self, analysis):  # type: ignore[no-untyped-def]
        polls.append(analysis.operation_id)
        return poll(self, analysis)

    def recorded(self, operation_id, timeout):  # type: ignore[no-untyped-def]
        told.append(wait_for(self, operation_id, timeout))
        return told[-1]

    monkeypatch.setattr(ApiClient, "poll", counted)
    monkeypatch.setattr(JobEndWatcher, "wait_for", recorded)
    events = server.aws("events")
    (bus,) = [b["Name"] for b in events.list_event_buses()["EventBuses"] if b["Name"].endswith("-job-events")]
    # A scan of several pages: still being read when its one poll comes
    document = tmp_path / "scan.pdf"
    pages = [text_image([f"Told by its event, page {n}"]) for n in range(1, 7)]
    document.write_bytes(scanned_pdf(pages, resolution=200))
    where = ["--events-bus", bus, "--aws-endpoint-url", server.aws_url, "--region", os.environ["AWS_REGION"]]
    code, out, err = run(server, "alpha", str(document), *where)
    assert code == 0, err
    assert "page 6" in out
    # Its end came as an event: one poll once the rule named it, one for the result (or,
    # on a machine fast enough to finish the scan before that first poll, that one alone)
    assert (told, len(polls)) in ((["succeeded"], 2), ([], 1))
    # and the watcher's rule and queue are gone
    rules = events.list_rules(EventBusName=bus)["Rules"]
    assert not [rule for rule in rules if rule["Name"].startswith("docsafe-wait-")]
    queues = server.aws("sqs").list_queues().get("QueueUrls", [])
    assert not [queue for queue in queues if "docsafe-wait-" in queue]
