"""Local mode answers the limits AWS enforces and moto does not, with AWS's own answers."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta

from docsafe.api import within_lambda_payload
from docsafe.limits import LAMBDA_PAYLOAD_BYTES, STATE_PAYLOAD_BYTES
from docsafe_tools.local.aws_limits import post_policy_refusal, state_payload_refusal


def form(conditions: list, expires_in: float = 60, **fields: str) -> dict[str, str]:
    expiration = (datetime.now(UTC) + timedelta(seconds=expires_in)).strftime("%Y-%m-%dT%H:%M:%SZ")
    policy = base64.b64encode(json.dumps({"expiration": expiration, "conditions": conditions}).encode())
    return {"policy": policy.decode(), **fields}


def test_s3_refuses_a_post_past_its_size_range_an_expired_policy_and_another_key() -> None:
    conditions = [{"bucket": "b"}, {"key": "uploads/acme/1"}, ["content-length-range", 1, 100]]
    good = form(conditions, key="uploads/acme/1")
    assert post_policy_refusal(good, 100, time.time()) is None
    too_large = post_policy_refusal(good, 101, time.time())
    assert too_large is not None and too_large[0] == 400 and "EntityTooLarge" in too_large[2]
    empty = post_policy_refusal(good, 0, time.time())
    assert empty is not None and "EntityTooSmall" in empty[2]
    moved = post_policy_refusal(form(conditions, key="uploads/beta/1"), 10, time.time())
    assert moved is not None and moved[0] == 403
    expired = post_policy_refusal(form(conditions, expires_in=-5, key="uploads/acme/1"), 10, time.time())
    assert expired is not None and "expired" in expired[2]
    assert post_policy_refusal({"key": "uploads/acme/1"}, 10, time.time()) is not None  # no policy
    # A field the policy does not name is refused, as S3 does (but for its own few)
    extra = post_policy_refusal({**good, "x-amz-server-side-encryption": "AES256"}, 10, time.time())
    assert extra is not None and extra[0] == 403 and "Extra input fields" in extra[2]
    assert post_policy_refusal({**good, "x-amz-signature": "s", "x-ignore-me": "1"}, 10, time.time()) is None


def test_step_functions_refuses_a_state_over_256_kb() -> None:
    assert state_payload_refusal(b"x" * STATE_PAYLOAD_BYTES) is None
    refusal = state_payload_refusal(b"x" * (STATE_PAYLOAD_BYTES + 1))
    assert refusal is not None and refusal["errorType"] == "States.DataLimitExceeded"


def test_a_response_too_large_for_lambda_becomes_an_error_in_the_apis_shape() -> None:
    small = {"statusCode": 200, "headers": {}, "body": "{}", "isBase64Encoded": False}
    large = {**small, "body": "x" * LAMBDA_PAYLOAD_BYTES}
    assert within_lambda_payload(lambda event, context: small)({}, None) == small
    answer = within_lambda_payload(lambda event, context: large)({}, None)
    assert answer["statusCode"] == 413
    error = json.loads(answer["body"])["error"]
    assert error["innererror"]["code"] == "ResponseTooLarge" and "gzip" in error["message"]
