"""Every file of the hostile-input corpus gets its documented answer: a clear 4xx up
front where it can be known, else a job that ends with a specific code — never a 5xx,
never a job stuck running. One stack serves the module: each case is a tenant of its own."""

from __future__ import annotations

import pytest
from docsafe_tools.local.template import REPO_ROOT

from tests.support.documents import words_of
from tests.support.hostile import CASES, Case
from tests.support.stack import Harness, location_of

ANALYZE = "/documentintelligence/documentModels/prebuilt-read:analyze"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_file_gets_its_documented_answer(shared_stack: Harness, case: Case) -> None:
    tenant, key = shared_stack.new_tenant()
    answer = shared_stack.request("POST", ANALYZE, key, body=case.make(), content_type=case.content_type)
    if case.status != 202:
        # API Gateway stores every analyze request (202); a refused one is a failed
        # operation with the refusal's code that never held the document
        assert shared_stack.refusal(answer, key)["innererror"]["code"] == case.inner
        assert shared_stack.stored_objects(tenant) == shared_stack.unowned_objects() == []
        return
    assert answer.status == 202, answer.body
    location = location_of(answer)
    body = shared_stack.wait(location, key)
    assert body["status"] == case.outcome, body.get("error")
    if case.outcome == "failed":
        assert body["error"]["innererror"]["code"] == case.inner
    elif case.text is not None:
        content = body["analyzeResult"]["content"]
        assert words_of(case.text) <= words_of(content) if case.text else content == ""


def test_every_corpus_case_is_documented() -> None:
    limits = (REPO_ROOT / "docs" / "limits.md").read_text()
    for case in CASES:
        assert f"| {case.name} |" in limits, case.name


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (ANALYZE, b"[" * 3000),
        (ANALYZE, b'{"base64Source": ' + b"[" * 3000),
        (ANALYZE, b'{"uploadSource": ' + b"[" * 3000),
        ("/documentintelligence/documentModels:build", b"[" * 3000),
    ],
)
def test_json_nested_past_the_parsers_depth_is_a_400_not_a_crash(
    shared_stack: Harness, path: str, body: bytes
) -> None:
    tenant, key = shared_stack.new_tenant()
    answer = shared_stack.request("POST", path, key, body=body, content_type="application/json")
    # A build is answered by its function; an analyze request is refused when taken in
    if path.endswith(":build"):
        assert answer.status == 400, answer.body
        error = answer.json()["error"]
    else:
        error = shared_stack.refusal(answer, key)
    assert error["code"] == "InvalidRequest"
    assert shared_stack.stored_objects(tenant) == shared_stack.unowned_objects() == []
