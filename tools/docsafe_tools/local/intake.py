"""The analyze methods' integration responses (template.yaml), as API Gateway evaluates them.

Local mode runs no Velocity: this follows the template's branches in order, with the
bodies taken from the template itself, and tests/unit/test_infrastructure.py holds the
template to these branches, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

import json
from typing import Any

from docsafe.contract.document_apis import DocumentApi, document_api
from docsafe.contract.vision_read import gateway_refusal, read_error


def branches(through: DocumentApi) -> tuple[str, ...]:
    """The branches of a document API's analyze answer in the template, in order: what
    each one tests."""
    unsupported = " && ".join(f"$version != '{version}'" for version in through.versions)
    if through.batches:
        return (
            "#if(!$part.endsWith(':analyze') && !$part.endsWith(':analyzeBatch'))",
            "#elseif(!$version || $version == '')",
            f"#elseif({unsupported})",
            "#elseif($part.endsWith(':analyzeBatch'))",
            "#else",
        )
    return (
        "#if(!$part.endsWith(':analyze'))",
        "#elseif(!$version || $version == '')",
        f"#elseif({unsupported})",
        "#else",
    )


# Vision Read v3.2's analyze: malformed options refused (docsafe.contract.vision_read's
# gateway_refusal, in the template's branch order), else accepted.
READ_ANALYZE_PATH = "/vision/v3.2/read/analyze"


def accepted_answer(
    path: str, accepted: dict[str, Any], event: dict[str, Any]
) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) for a request S3 stored through the method at `path`."""
    if path == READ_ANALYZE_PATH:
        return _read_accepted(accepted, event)
    through = document_api(path)
    if through is None:
        raise ValueError(f"local mode has no answer for {path}")
    return _analyze_accepted(through, accepted, event)


def _origin(event: dict[str, Any]) -> str:
    # API Gateway writes https://$context.domainName; local mode is on its own address.
    sent = {name.lower(): value for name, value in event["headers"].items()}
    host = sent.get("host", event["requestContext"]["domainName"])
    return f"{sent.get('x-forwarded-proto', 'https')}://{host}"


def _read_accepted(accepted: dict[str, Any], event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    refusal = gateway_refusal(event.get("queryStringParameters") or {})
    if refusal is not None:
        return 400, {"Content-Type": "application/json"}, json.dumps(read_error(refusal)).encode()
    context = event["requestContext"]
    base = context["path"][: context["path"].index("/vision/v3.2/")]
    location = f"{_origin(event)}{base}/vision/v3.2/read/analyzeResults/{context['requestId']}"
    headers = {"Content-Type": "application/json", "Operation-Location": location, "Retry-After": "1"}
    return int(accepted["statusCode"]), headers, b""


def _analyze_accepted(
    through: DocumentApi, accepted: dict[str, Any], event: dict[str, Any]
) -> tuple[int, dict[str, str], bytes]:
    """Document Intelligence's or Form Recognizer's: the branches above."""
    template = accepted["responseTemplates"]["application/json"]
    not_found, version_missing, version_unsupported = (
        line.strip() for line in template.splitlines() if line.strip().startswith("{")
    )
    headers = {"Content-Type": "application/json", "Retry-After": "1"}
    part = (event.get("pathParameters") or {}).get("modelId", "")
    version = (event.get("queryStringParameters") or {}).get("api-version") or ""
    batch = through.batches and part.endswith(":analyzeBatch")
    if not part.endswith(":analyze") and not batch:
        return 404, {"Content-Type": "application/json"}, not_found.encode()
    if version == "":
        return 400, {"Content-Type": "application/json"}, version_missing.encode()
    if version not in through.versions:
        return 400, {"Content-Type": "application/json"}, version_unsupported.encode()
    context = event["requestContext"]
    base = context["path"][: context["path"].index(f"{through.prefix}/")]
    action, results = (":analyzeBatch", "analyzeBatchResults") if batch else (":analyze", "analyzeResults")
    model = part[: part.rindex(action)]
    headers["Operation-Location"] = (
        f"{_origin(event)}{base}{through.prefix}/documentModels/{model}/{results}/"
        f"{context['requestId']}?api-version={version}"
    )
    return int(accepted["statusCode"]), headers, b""
