"""Reads template.yaml so that local mode and the tests build exactly what it declares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[3]  # tools/docsafe_tools/local/template.py
TEMPLATE_PATH = REPO_ROOT / "template.yaml"


class _CfnLoader(yaml.SafeLoader):
    """A YAML loader that reads CloudFormation's short tags (!Ref, !GetAtt, !Sub, …)."""


def _tag(tag: str) -> None:
    name = "Ref" if tag == "Ref" else f"Fn::{tag}"

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    _CfnLoader.add_constructor(f"!{tag}", construct)


for _name in ("Ref", "GetAtt", "Sub", "FindInMap", "Join", "If", "Equals", "Not", "Select", "Split"):
    _tag(_name)


@dataclass(frozen=True)
class ApiRoute:
    method: str
    path: str  # API Gateway syntax: /v1/operations/{id}, /documentintelligence/{proxy+}
    authorized: bool = True  # behind the default authorizer (else Auth: Authorizer: NONE)

    def pattern(self) -> re.Pattern[str]:
        return resource_pattern(self.path)


def resource_pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\+\}", r"(?P<\1>.+)", path)
    regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex)
    return re.compile(f"^{regex}$")


@dataclass(frozen=True)
class GatewayAnswer:
    """One of the API's gateway responses: what API Gateway answers by itself."""

    status: int | None  # None: the status of the error it stands for (DEFAULT_4XX/5XX)
    headers: dict[str, str]
    body: str  # a mapping template


@dataclass(frozen=True)
class S3Integration:
    """A method API Gateway answers by putting the request body into S3."""

    method: str
    path: str
    uri: Any  # arn:…:s3:path/{bucket}/{key with {parameters}}, as the template has it
    spec: dict[str, Any]  # the x-amazon-apigateway-integration

    @property
    def request_parameters(self) -> dict[str, Any]:
        return dict(self.spec.get("requestParameters", {}))

    @property
    def accepted(self) -> dict[str, Any]:
        """The integration response for S3's 2xx."""
        return dict(self.spec["responses"]["2\\d{2}"])

    @property
    def failed(self) -> dict[str, Any]:
        """The integration response for any other answer of S3's."""
        return dict(self.spec["responses"]["default"])

    @property
    def refused(self) -> dict[str, Any]:
        """The integration response for S3's 400."""
        return dict(self.spec["responses"]["400"])


@dataclass(frozen=True)
class FunctionSpec:
    logical_id: str
    code_dir: Path
    handler: str
    environment: dict[str, Any] = field(default_factory=dict)
    routes: tuple[ApiRoute, ...] = ()
    schedules: tuple[str, ...] = ()  # EventBridge schedule expressions
    # EventBridge rules on S3's Object Created: (the bucket, as the template names it, key prefix)
    object_created: tuple[tuple[Any, str], ...] = ()
    queues: tuple[Any, ...] = ()  # SQS event sources: each queue's ARN, as the template names it

    @property
    def name(self) -> str:
        return self.logical_id


@dataclass(frozen=True)
class Template:
    raw: dict[str, Any]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.raw["Resources"]

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {name: res for name, res in self.resources.items() if res["Type"] == kind}

    def parameter_defaults(self) -> dict[str, str]:
        return {name: str(p.get("Default", "")) for name, p in self.raw.get("Parameters", {}).items()}

    def global_environment(self) -> dict[str, Any]:
        return self.raw.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})

    def functions(self) -> dict[str, FunctionSpec]:
        specs: dict[str, FunctionSpec] = {}
        for name, resource in self.of_type("AWS::Serverless::Function").items():
            props = resource["Properties"]
            routes = tuple(
                ApiRoute(
                    event["Properties"]["Method"].upper(),
                    event["Properties"]["Path"],
                    event["Properties"].get("Auth", {}).get("Authorizer") != "NONE",
                )
                for event in props.get("Events", {}).values()
                if event["Type"] == "Api"
            )
            schedules = tuple(
                event["Properties"]["Schedule"]
                for event in props.get("Events", {}).values()
                if event["Type"] in ("Schedule", "ScheduleV2")
            )
            object_created = tuple(
                (pattern["detail"]["bucket"]["name"][0], pattern["detail"]["object"]["key"][0]["prefix"])
                for event in props.get("Events", {}).values()
                if event["Type"] == "EventBridgeRule"
                and (pattern := event["Properties"]["Pattern"]).get("source") == ["aws.s3"]
                and pattern.get("detail-type") == ["Object Created"]
            )
            queues = tuple(
                event["Properties"]["Queue"]
                for event in props.get("Events", {}).values()
                if event["Type"] == "SQS"
            )
            code_dir, handler = _code_of(props)
            specs[name] = FunctionSpec(
                logical_id=name,
                code_dir=code_dir,
                handler=handler,
                environment=props.get("Environment", {}).get("Variables", {}),
                routes=routes,
                schedules=schedules,
                object_created=object_created,
                queues=queues,
            )
        return specs

    def api(self) -> dict[str, Any]:
        (api,) = self.of_type("AWS::Serverless::Api").values()
        return dict(api["Properties"])

    def default_authorizer(self) -> str:
        """The logical id of the function behind the API's default authorizer."""
        auth = self.api()["Auth"]
        authorizer = auth["Authorizers"][auth["DefaultAuthorizer"]]
        return str(authorizer["FunctionArn"]["Fn::GetAtt"][0])

    def s3_integrations(self) -> list[S3Integration]:
        """The API's methods that API Gateway itself sends to S3 (its DefinitionBody)."""
        found = []
        for path, methods in self.api().get("DefinitionBody", {}).get("paths", {}).items():
            for method, spec in methods.items():
                integration = spec.get("x-amazon-apigateway-integration", {})
                uri = integration.get("uri", {})
                if integration.get("type") == "aws" and ":s3:path/" in str(uri):
                    found.append(S3Integration(method.upper(), path, uri, integration))
        return found

    def gateway_responses(self) -> dict[str, GatewayAnswer]:
        """The API's gateway responses by type (ACCESS_DENIED, DEFAULT_4XX, …)."""
        answers = {}
        for kind, spec in self.api().get("GatewayResponses", {}).items():
            headers = {
                name: str(value).strip("'")
                for name, value in spec.get("ResponseParameters", {}).get("Headers", {}).items()
            }
            status = spec.get("StatusCode")
            answers[kind] = GatewayAnswer(
                int(status) if status else None, headers, spec["ResponseTemplates"]["application/json"]
            )
        return answers

    def state_machines(self) -> dict[str, dict[str, Any]]:
        """The workflows, by logical id: the analysis and the custom-model build."""
        return self.of_type("AWS::Serverless::StateMachine")


@cache
def load_template(path: Path = TEMPLATE_PATH) -> Template:
    with open(path, encoding="utf-8") as handle:
        return Template(yaml.load(handle, Loader=_CfnLoader))  # noqa: S506 - our SafeLoader subclass


def _code_of(props: dict[str, Any]) -> tuple[Path, str]:
    """A function's code folder and handler: a zip function's CodeUri and Handler; an image
    function's from its ImageConfig command, `<folder under functions/>.<module>.<function>`
    (the Dockerfile copies each function's folder under its own name)."""
    if props.get("PackageType") != "Image":
        return REPO_ROOT / props["CodeUri"], props["Handler"]
    (command,) = props["ImageConfig"]["Command"]
    folder, handler = command.split(".", 1)
    return REPO_ROOT / "functions" / folder, handler
