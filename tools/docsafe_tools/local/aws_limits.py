"""What AWS enforces and moto does not, enforced in local mode with AWS's own answers.

- S3 checks a presigned POST's policy: its expiry, every exact-match field and the
  content-length range (moto stores whatever is posted).
- Step Functions refuses a state's input or output over 256 KB (moto passes it on).

Lambda's 6 MB payloads and API Gateway's 10 MB and 30 s are enforced by the local API
front end (docsafe_tools.local.server).
"""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from typing import Any

from docsafe.limits import STATE_PAYLOAD_BYTES

DATA_LIMIT_ERROR = "States.DataLimitExceeded"


def _s3_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], str]:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return status, {"Content-Type": "application/xml"}, body


def post_policy_refusal(
    form: dict[str, str], size: int, now: float
) -> tuple[int, dict[str, str], str] | None:
    """S3's answer to a POST whose form breaks its policy, or None if the policy holds."""
    encoded = form.get("policy") or form.get("Policy")
    if not encoded:
        return _s3_error(403, "AccessDenied", "Bucket POST must contain a field named 'policy'.")
    policy = json.loads(base64.b64decode(encoded))
    expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00")).timestamp()
    if expires <= now:
        return _s3_error(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
    lowered = {name.lower(): value for name, value in form.items()}
    named = {"bucket"}
    for condition in policy.get("conditions", []):
        if isinstance(condition, dict):
            named |= {name.lower() for name in condition}
        elif condition[0] in ("eq", "starts-with"):
            named.add(condition[1].lstrip("$").lower())
    # Every field must be named by the policy, but for these (S3's own rule).
    unnamed = set(lowered) - named - {"x-amz-signature", "file", "policy"}
    if any(not name.startswith("x-ignore-") for name in unnamed):
        return _s3_error(
            403,
            "AccessDenied",
            "Invalid according to Policy: Extra input fields: " + ", ".join(sorted(unnamed)),
        )
    for condition in policy.get("conditions", []):
        if isinstance(condition, dict):
            ((name, wanted),) = condition.items()
            condition = ["eq", f"${name}", wanted]
        operator, name, *rest = condition
        if operator == "content-length-range":
            low, high = int(name), int(rest[0])
            if size > high:
                return _s3_error(
                    400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
                )
            if size < low:
                return _s3_error(
                    400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed size"
                )
            continue
        field = name.lstrip("$").lower()
        if field == "bucket":
            continue  # the URL names the bucket
        value = lowered.get(field, "")
        if (operator == "eq" and value != rest[0]) or (
            operator == "starts-with" and not value.startswith(rest[0])
        ):
            return _s3_error(
                403,
                "AccessDenied",
                f'Invalid according to Policy: Policy Condition failed: ["{operator}", "{name}"]',
            )
    return None


def enforce_post_policies() -> None:
    """Make moto's S3 refuse a POST upload that S3 would refuse."""
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response_post
    if getattr(original, "_docsafe_enforced", False):
        return

    def checked(self: Any, request: Any, bucket_name: str) -> Any:
        if "key" in self.querystring and not self.querystring.get("delete"):
            # The posted form's own fields (moto's querystring also holds its routing).
            form = {name: str(value) for name, value in self.form_data.items() if name != "file"}
            body = self.body if isinstance(self.body, bytes | bytearray) else str(self.body).encode()
            refusal = post_policy_refusal(form, len(body), time.time())
            if refusal is not None:
                return refusal
        return original(self, request, bucket_name)

    checked._docsafe_enforced = True  # type: ignore[attr-defined]
    S3Response._bucket_response_post = checked  # type: ignore[method-assign]


def state_payload_refusal(payload: bytes) -> dict[str, str] | None:
    """The error Step Functions raises for a task result over 256 KB, or None."""
    if len(payload) <= STATE_PAYLOAD_BYTES:
        return None
    return {
        "errorType": DATA_LIMIT_ERROR,
        "errorMessage": f"The state's output is {len(payload)} bytes, over Step Functions' 262144.",
    }
