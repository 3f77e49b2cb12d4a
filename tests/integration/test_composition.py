"""Each function builds only what its routes use: the composition root makes a store or
an AWS client on first use, so a status read pays for no Step Functions client and the
authorizer for nothing but the keys table."""

from __future__ import annotations

import uuid

from docsafe import runtime
from docsafe.settings import API_VERSION

from tests.support.stack import Harness

NEVER_IN_API_READS = {"stepfunctions", "pipeline", "model_builder", "training_bucket"}


def test_a_refused_key_builds_no_service_at_all(local_stack: Harness) -> None:
    runtime.reset()
    answer = local_stack.request("GET", "/documentintelligence/documentModels", "not-a-key")
    assert answer.status == 401
    assert runtime.services.cache_info().currsize == 0


def test_reading_an_operation_builds_no_workflow_client_and_no_ocr_use_case(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    runtime.reset()
    location = f"/documentintelligence/documentModels/prebuilt-read/analyzeResults/{uuid.uuid4()}"
    assert local_stack.request("GET", location, key).status == 404
    built = runtime.services().built()
    assert {"jobs", "intake", "rate_limiter"} <= built
    assert not built & NEVER_IN_API_READS


def test_deleting_an_analysis_builds_no_ocr_use_case(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    location = local_stack.submit(b"not an image", key)
    runtime.reset()
    assert local_stack.request("DELETE", location, key).status == 204
    built = runtime.services().built()
    assert not built & {"pipeline", "model_builder", "training_bucket"}


def test_creating_an_upload_builds_the_uploads_store_and_no_job_machinery(local_stack: Harness) -> None:
    key = local_stack.new_key("acme")
    runtime.reset()
    answer = local_stack.request("POST", "/v1/uploads", key, query=f"api-version={API_VERSION}")
    assert answer.status == 201, answer.body
    built = runtime.services().built()
    assert "uploads" in built
    assert not built & (NEVER_IN_API_READS | {"operations", "custom_models", "data_keys"})
