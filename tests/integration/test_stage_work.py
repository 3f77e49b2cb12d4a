"""Work each stage does once: the writes and reads a job costs, counted."""

from __future__ import annotations

from collections import Counter

import pytest
from docsafe import runtime
from docsafe.jobs import JobStore, Status
from docsafe.storage import SealedStore
from docsafe_tools.local.stack import invoke

from tests.support.documents import encode, multipage_tiff, text_image
from tests.support.stack import Harness


def test_prepare_writes_the_jobs_status_once(local_stack: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    services = runtime.services()
    monkeypatch.setattr(services.stepfunctions, "start_execution", lambda **_: {"executionArn": "held"})
    key = local_stack.new_key("acme")
    operation_id = local_stack.submit(encode(text_image(["Prepared once"]), "PNG"), key).rsplit("/", 1)[1]
    writes: list[tuple[Status, dict]] = []
    real_transition = JobStore.transition

    def counted(self: JobStore, job, to, **changes):  # type: ignore[no-untyped-def]
        writes.append((to, changes))
        return real_transition(self, job, to, **changes)

    monkeypatch.setattr(JobStore, "transition", counted)
    invoke(local_stack.stack, "PrepareFunction", {"tenant": "acme", "operationId": operation_id})
    assert writes == [(Status.RUNNING, {"pageCount": 1})]


def test_a_searchable_pdf_is_made_in_the_pass_that_makes_the_result(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: Counter[str] = Counter()
    real_get = SealedStore.get

    def counted(self: SealedStore, ref, job_key):  # type: ignore[no-untyped-def]
        if "/pages/" in ref.key:
            reads[ref.key] += 1
        return real_get(self, ref, job_key)

    monkeypatch.setattr(SealedStore, "get", counted)
    key = local_stack.new_key("acme")
    tiff = multipage_tiff([text_image(["First page"]), text_image(["Second page"])])
    location = local_stack.submit(tiff, key, query="output=pdf")
    assert local_stack.wait(location, key)["status"] == "succeeded"
    # Each page was read back once, for the result and the PDF together
    assert len(reads) == 2 and set(reads.values()) == {1}
    pdf = local_stack.request("GET", location + "/pdf", key)
    assert pdf.status == 200 and pdf.body.startswith(b"%PDF")
