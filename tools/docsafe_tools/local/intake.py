"""The analyze method's integration response (template.yaml), as API Gateway evaluates it.

Local mode runs no Velocity: this follows the template's branches in order, with the
bodies taken from the template itself, and tests/unit/test_infrastructure.py holds the
template to these branches, so the two cannot drift apart unnoticed.
"""

from __future__ import annotations

from typing import Any

from docsafe.settings import API_VERSION

# The branches of the template, in order: what each one tests.
BRANCHES = (
    "#if(!$part.endsWith(':analyze'))",
    "#elseif($version == '')",
    f"#elseif($version != '{API_VERSION}')",
    "#else",
)


def accepted_answer(accepted: dict[str, Any], event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) for an analyze request S3 stored."""
    template = accepted["responseTemplates"]["application/json"]
    not_found, version_missing, version_unsupported = (
        line.strip() for line in template.splitlines() if line.strip().startswith("{")
    )
    headers = {"Content-Type": "application/json", "Retry-After": "1"}
    part = (event.get("pathParameters") or {}).get("modelId", "")
    version = (event.get("queryStringParameters") or {}).get("api-version") or ""
    if not part.endswith(":analyze"):
        return 404, {"Content-Type": "application/json"}, not_found.encode()
    if version == "":
        return 400, {"Content-Type": "application/json"}, version_missing.encode()
    if version != API_VERSION:
        return 400, {"Content-Type": "application/json"}, version_unsupported.encode()
    context = event["requestContext"]
    base = context["path"][: context["path"].index("/documentintelligence/")]
    model = part[: part.rindex(":analyze")]
    # API Gateway writes https://$context.domainName; local mode is on its own address.
    sent = {name.lower(): value for name, value in event["headers"].items()}
    origin = f"{sent.get('x-forwarded-proto', 'https')}://{sent.get('host', context['domainName'])}"
    headers["Operation-Location"] = (
        f"{origin}{base}/documentintelligence/documentModels/{model}/analyzeResults/"
        f"{context['requestId']}?api-version={API_VERSION}"
    )
    return int(accepted["statusCode"]), headers, b""
