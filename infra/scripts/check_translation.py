"""What SAM makes of template.yaml, checked before AWS sees it (run by `make lint` with the
SAM CLI's own Python, which has samtranslator):

    .venv-sam/bin/python infra/scripts/check_translation.py

The API is SAM-generated CloudFormation (an inline OpenAPI body merged with the functions'
events), so a mistake there shows only at deploy time; this translates the template as
`sam deploy` would and checks the REST API it becomes:
- every route of every function is in the API's definition, behind the key authorizer
  unless the event says `Authorizer: NONE`, next to each API's analyze method, an S3 integration;
- the authorizer is a REQUEST authorizer with no identity source and no caching;
- the gateway responses are there, binary bodies pass as they are, one stage only;
- with a custom domain, the domain maps to the stage at its root.
Exits non-zero naming what is wrong. It reads the files only: no AWS account is needed.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
GATEWAY_RESPONSES = {"ACCESS_DENIED", "REQUEST_TOO_LARGE", "MISSING_AUTHENTICATION_TOKEN", "DEFAULT_5XX"}


class _NoManagedPolicies:
    def load(self) -> dict[str, str]:
        return {}


def translated(parameters: dict[str, str]) -> dict[str, Any]:
    # The translator logs its feature toggles and metrics as warnings: not ours to see.
    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    # Local paths are uploaded by `sam deploy`; the translator wants S3 locations.
    text = re.sub(r"(CodeUri|ContentUri|DefinitionUri): \S+", r"\1: s3://bucket/key", text)
    # `sam build` gives each image function the URI of the image it built.
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/docsafe:reader"
    text = text.replace("      PackageType: Image\n", f"      PackageType: Image\n      ImageUri: {image}\n")
    return dict(transform(yaml_parse(text), parameters, _NoManagedPolicies()))


def problems(template: dict[str, Any], source: dict[str, Any], custom_domain: bool) -> list[str]:
    found: list[str] = []
    resources = template["Resources"]
    (api,) = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::RestApi"]
    body = api["Properties"]["Body"]
    methods = {(m.upper(), path): spec for path, ms in body["paths"].items() for m, spec in ms.items()}
    for name, function in source["Resources"].items():
        if function["Type"] != "AWS::Serverless::Function":
            continue
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            route = (props["Method"].upper(), props["Path"])
            spec = methods.get(route)
            if spec is None:
                found.append(f"{name}: {route} is not in the API")
                continue
            public = props.get("Auth", {}).get("Authorizer") == "NONE"
            # SAM marks a method without authorization with a security requirement "NONE".
            behind = spec.get("security") == [{"KeyAuthorizer": []}]
            if public == behind or (public and spec.get("security") not in (None, [], [{"NONE": []}])):
                found.append(f"{name}: {route} should {'not ' if public else ''}be behind the authorizer")
            if spec["x-amazon-apigateway-integration"]["type"] != "aws_proxy":
                found.append(f"{name}: {route} is not a Lambda proxy integration")
    # Each API's analyze method: API Gateway's S3 integration, behind the authorizer.
    for path in (
        "/documentintelligence/documentModels/{modelId}",
        "/formrecognizer/documentModels/{modelId}",
        "/vision/v3.2/read/analyze",
    ):
        analyze = methods.get(("POST", path))
        if analyze is None or ":s3:path/" not in str(analyze["x-amazon-apigateway-integration"]["uri"]):
            found.append(f"the analyze method {path} is not the S3 integration")
        elif analyze.get("security") != [{"KeyAuthorizer": []}]:
            found.append(f"the analyze method {path} is not behind the authorizer")
    (scheme,) = body["components"]["securitySchemes"].values()
    authorizer = scheme["x-amazon-apigateway-authorizer"]
    if authorizer["type"] != "request" or authorizer.get("authorizerResultTtlInSeconds") != 0:
        found.append(f"the authorizer caches or is not a REQUEST authorizer: {authorizer}")
    if "identitySource" in authorizer:
        found.append("the authorizer has an identity source (requests without it never reach it)")
    if body.get("x-amazon-apigateway-binary-media-types") != ["*/*"]:
        found.append("bodies are not passed as they are (binary media types)")
    responses = set(body.get("x-amazon-apigateway-gateway-responses", {}))
    if (
        missing := {"ACCESS_DENIED", "REQUEST_TOO_LARGE", "MISSING_AUTHENTICATION_TOKEN", "DEFAULT_5XX"}
        - responses
    ):
        found.append(f"gateway responses missing: {sorted(missing)}")
    stages = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::Stage"]
    if len(stages) != 1:
        found.append(f"{len(stages)} stages instead of one")
    mappings = [r for r in resources.values() if r["Type"] == "AWS::ApiGateway::BasePathMapping"]
    if custom_domain and not any("BasePath" not in m["Properties"] for m in mappings):
        found.append("the custom domain does not serve the API at its root")
    return found


def main() -> int:
    source = yaml_parse((ROOT / "template.yaml").read_text(encoding="utf-8"))
    failures = []
    for custom_domain, parameters in ((False, {}), (True, {"DomainName": "ocr.example.com"})):
        failures += problems(translated(parameters), source, custom_domain)
    for failure in failures:
        print(f"template.yaml as SAM translates it: {failure}", file=sys.stderr)
    if not failures:
        print("template.yaml as SAM translates it: the REST API, its routes and authorizer are as meant")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
