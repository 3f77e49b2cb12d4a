"""Every file of the hostile-input corpus gets its documented answer: a clear 4xx up
front where it can be known, else a job that ends with a specific code — never a 5xx,
never a job stuck running."""

from __future__ import annotations

import pytest
from docsafe_tools.local.template import REPO_ROOT

from tests.support.documents import text_pdf, words_of
from tests.support.hostile import CASES, Case
from tests.support.stack import Harness, location_of

ANALYZE = "/documentintelligence/documentModels/prebuilt-read:analyze"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_file_gets_its_documented_answer(local_stack: Harness, case: Case) -> None:
    key = local_stack.new_key("acme")
    answer = local_stack.request("POST", ANALYZE, key, body=case.make(), content_type=case.content_type)
    if case.status != 202:
        # API Gateway stores every analyze request (202); a refused one is a failed
        # operation with the refusal's code that never held the document
        assert local_stack.refusal(answer, key)["innererror"]["code"] == case.inner
        assert local_stack.stored_objects() == []
        return
    assert answer.status == 202, answer.body
    location = location_of(answer)
    body = local_stack.wait(location, key)
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


def test_too_many_pages_and_pages_out_of_range_fail_with_their_codes(
    local_stack: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docsafe import runtime

    monkeypatch.setenv("DOCSAFE_MAX_PAGES", "2")
    runtime.reset()
    key = local_stack.new_key("acme")
    three = text_pdf([["one"], ["two"], ["three"]])
    failed = local_stack.wait(local_stack.submit(three, key), key)
    assert failed["error"]["innererror"]["code"] == "TooManyPages"
    out_of_range = local_stack.wait(local_stack.submit(three, key, query="pages=7-9"), key)
    assert out_of_range["error"]["innererror"]["code"] == "InvalidParameter"


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
    local_stack: Harness, path: str, body: bytes
) -> None:
    key = local_stack.new_key("acme")
    answer = local_stack.request("POST", path, key, body=body, content_type="application/json")
    # A build is answered by its function; an analyze request is refused when taken in
    if path.endswith(":build"):
        assert answer.status == 400, answer.body
        error = answer.json()["error"]
    else:
        error = local_stack.refusal(answer, key)
    assert error["code"] == "InvalidRequest"
    assert local_stack.stored_objects() == []
