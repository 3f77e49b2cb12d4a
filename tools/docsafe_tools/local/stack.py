"""Builds the stack that template.yaml declares on a local AWS (moto), and runs its Lambda
functions in-process when Step Functions or the HTTP front end invokes them.

What moto cannot do stays out (measured in shared/design/local-aws.md): bucket policies
with conditions are evaluated wrongly by moto, so they are checked on the template, not
attached here.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import boto3

from docsafe_tools.local.events import ACCOUNT_ID
from docsafe_tools.local.logs import run_as_invocation
from docsafe_tools.local.template import TEMPLATE_PATH, FunctionSpec, Template, load_template

STACK_NAME = "docsafe-local"

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass(frozen=True)
class LocalStack:
    region: str
    environment: dict[str, str]
    functions: dict[str, FunctionSpec]
    state_machine_arn: str  # the analysis workflow
    authorizer: str
    state_machines: dict[str, str]  # every workflow's ARN, by logical id
    # The API's methods API Gateway sends to S3, with the template's values resolved.
    s3_integrations: tuple[StoredRequests, ...] = ()
    # (bucket, key prefix, function): what EventBridge starts when an object is created
    object_created: tuple[tuple[str, str, str], ...] = ()
    # (queue URL, function): what Lambda's SQS event source mapping runs
    queue_consumers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class StoredRequests:
    """An S3 integration resolved: its method and resource, and where it puts the body."""

    method: str
    path: str
    bucket: str
    key: str  # with the integration's {path parameters}
    request_parameters: dict[str, str]  # integration.request.… → its source
    accepted: dict[str, Any]  # the integration response for S3's 2xx
    refused: dict[str, Any]  # and for its 400
    failed: dict[str, Any]  # and for any other answer


class _Resolver:
    """Evaluates the intrinsic functions the template uses, with local names."""

    def __init__(self, template: Template, region: str, parameters: dict[str, str]):
        self.template = template
        self.parameters = {**template.parameter_defaults(), **parameters}
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": "aws",
            "AWS::StackName": STACK_NAME,
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.refs: dict[str, str] = {}
        self.attributes: dict[tuple[str, str], str] = {}

    def __call__(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((function, argument),) = value.items()
            if function == "Ref":
                return self.ref(argument)
            if function == "Fn::GetAtt":
                return self.attributes[(argument[0], argument[1])]
            if function == "Fn::Sub":
                text, variables = (argument, {}) if isinstance(argument, str) else argument
                variables = {key: str(self(val)) for key, val in variables.items()}
                return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub(m.group(1), variables), text)
            if function == "Fn::FindInMap":
                name, key, attribute = (str(self(part)) for part in argument)
                return self.template.raw["Mappings"][name][key][attribute]
        if isinstance(value, dict):
            return {key: self(val) for key, val in value.items()}
        if isinstance(value, list):
            return [self(item) for item in value]
        return value

    def ref(self, name: str) -> str:
        for table in (self.pseudo, self.parameters, self.refs):
            if name in table:
                return table[name]
        raise KeyError(f"template refers to {name}, which local mode did not create")

    def _sub(self, expression: str, variables: dict[str, str]) -> str:
        if expression in variables:
            return variables[expression]
        if "." in expression:
            resource, attribute = expression.split(".", 1)
            return self.attributes[(resource, attribute)]
        return self.ref(expression)


def provision(
    region: str,
    endpoint_url: str | None = None,
    parameters: dict[str, str] | None = None,
    template: Template | None = None,
) -> LocalStack:
    """Create the template's keys, buckets, tables and state machine; return the settings."""
    template = template or load_template()
    resolve = _Resolver(template, region, parameters or {})
    session = boto3.session.Session()

    def client(service: str) -> Any:
        return session.client(service, region_name=region, endpoint_url=endpoint_url)

    kms, s3, dynamodb, sfn = client("kms"), client("s3"), client("dynamodb"), client("stepfunctions")

    for name, resource in template.of_type("AWS::KMS::Key").items():
        props = resource["Properties"]
        key = kms.create_key(
            Description=props.get("Description", name),
            KeySpec=props.get("KeySpec", "SYMMETRIC_DEFAULT"),
            KeyUsage=props.get("KeyUsage", "ENCRYPT_DECRYPT"),
        )["KeyMetadata"]
        if props.get("EnableKeyRotation"):
            kms.enable_key_rotation(KeyId=key["KeyId"])
        resolve.refs[name] = key["KeyId"]
        resolve.attributes[(name, "Arn")] = key["Arn"]

    for name, resource in template.of_type("AWS::S3::Bucket").items():
        bucket = f"{STACK_NAME}-{name.lower()}"
        props = resolve(resource["Properties"])
        if region == "us-east-1":
            s3.create_bucket(Bucket=bucket)
        else:
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
        encryption = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={"Rules": [_encryption_rule(rule) for rule in encryption]},
        )
        s3.put_public_access_block(
            Bucket=bucket, PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"]
        )
        rules = [_lifecycle_rule(rule) for rule in props["LifecycleConfiguration"]["Rules"]]
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": rules})
        resolve.refs[name] = bucket
        resolve.attributes[(name, "Arn")] = f"arn:aws:s3:::{bucket}"

    for name, resource in template.of_type("AWS::DynamoDB::Table").items():
        table = f"{STACK_NAME}-{name.lower()}"
        props = resolve(resource["Properties"])
        dynamodb.create_table(
            TableName=table,
            KeySchema=props["KeySchema"],
            AttributeDefinitions=props["AttributeDefinitions"],
            BillingMode=props["BillingMode"],
        )
        if "TimeToLiveSpecification" in props:
            dynamodb.update_time_to_live(
                TableName=table, TimeToLiveSpecification=props["TimeToLiveSpecification"]
            )
        resolve.refs[name] = table
        resolve.attributes[(name, "Arn")] = f"arn:aws:dynamodb:{region}:{ACCOUNT_ID}:table/{table}"

    sqs = client("sqs")
    queue_urls: dict[str, str] = {}
    for name, resource in template.of_type("AWS::SQS::Queue").items():
        props = resolve(resource["Properties"])
        attributes = {
            attribute: str(props[attribute])
            for attribute in ("KmsMasterKeyId", "MessageRetentionPeriod", "VisibilityTimeout")
            if attribute in props
        }
        url = sqs.create_queue(QueueName=f"{STACK_NAME}-{name.lower()}", Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        resolve.refs[name] = url
        resolve.attributes[(name, "Arn")] = arn
        queue_urls[arn] = url

    events = client("events")
    for name, resource in template.of_type("AWS::Events::EventBus").items():
        bus = resolve(resource["Properties"])["Name"]
        arn = events.create_event_bus(Name=bus)["EventBusArn"]
        resolve.refs[name] = bus
        resolve.attributes[(name, "Arn")] = arn

    functions = template.functions()
    for name in functions:
        resolve.refs[name] = name
        resolve.attributes[(name, "Arn")] = f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{name}"

    machines: dict[str, str] = {}
    for machine_name, machine in template.state_machines().items():
        props = machine["Properties"]
        substitutions = {
            key: str(resolve(val)) for key, val in props.get("DefinitionSubstitutions", {}).items()
        }
        definition = (TEMPLATE_PATH.parent / props["DefinitionUri"]).read_text(encoding="utf-8")
        definition = re.sub(r"\$\{(\w+)\}", lambda m, subs=substitutions: subs[m.group(1)], definition)
        validate_definition(definition)
        machines[machine_name] = sfn.create_state_machine(
            name=f"{STACK_NAME}-{machine_name}",
            definition=definition,
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{STACK_NAME}-statemachine",
            type=props.get("Type", "STANDARD"),
        )["stateMachineArn"]
        resolve.refs[machine_name] = machines[machine_name]
        resolve.attributes[(machine_name, "Name")] = f"{STACK_NAME}-{machine_name}"

    environment = {key: str(resolve(val)) for key, val in template.global_environment().items()}
    for spec in functions.values():
        environment.update({key: str(resolve(val)) for key, val in spec.environment.items()})
    environment["AWS_REGION"] = region
    if endpoint_url:
        environment["AWS_ENDPOINT_URL"] = endpoint_url
    stored = []
    for integration in template.s3_integrations():
        bucket, key = str(resolve(integration.uri)).split(":s3:path/", 1)[1].split("/", 1)
        parameters = {
            target: str(resolve(source)) for target, source in integration.request_parameters.items()
        }
        stored.append(
            StoredRequests(
                integration.method,
                integration.path,
                bucket,
                key,
                parameters,
                integration.accepted,
                integration.refused,
                integration.failed,
            )
        )
    object_created = tuple(
        (str(resolve(bucket)), prefix, spec.name)
        for spec in functions.values()
        for bucket, prefix in spec.object_created
    )
    queue_consumers = tuple(
        (queue_urls[str(resolve(queue))], spec.name) for spec in functions.values() for queue in spec.queues
    )
    return LocalStack(
        s3_integrations=tuple(stored),
        object_created=object_created,
        queue_consumers=queue_consumers,
        region=region,
        environment=environment,
        functions=functions,
        state_machine_arn=machines["AnalysisStateMachine"],
        authorizer=template.default_authorizer(),
        state_machines=machines,
    )


def _encryption_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's encryption rule spelled the way the S3 API wants it."""
    return {
        "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
        "BucketKeyEnabled": rule.get("BucketKeyEnabled", False),
    }


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's lifecycle rule spelled the way the S3 API wants it."""
    converted = {"ID": rule["Id"], "Status": rule["Status"], "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "AbortIncompleteMultipartUpload" in rule:
        converted["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return converted


def validate_definition(definition: str) -> None:
    """Fail early on an ASL that moto would only reject at run time (missing `Next`)."""
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    AmazonStateLanguageParser.parse(definition)
    document = json.loads(definition)

    def check(states: dict[str, Any], start: str) -> None:
        if start not in states:
            raise ValueError(f"StartAt {start} names no state")
        for name, state in states.items():
            targets = [state.get("Next"), state.get("Default")]
            targets += [c.get("Next") for c in state.get("Catch", [])]
            targets += [c.get("Next") for c in state.get("Choices", [])]
            for target in filter(None, targets):
                if target not in states:
                    raise ValueError(f"state {name} goes to {target}, which does not exist")
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor:
                check(processor["States"], processor["StartAt"])

    check(document["States"], document["StartAt"])


# ---------------------------------------------------------------- running the functions


@dataclass
class LambdaContext:
    """The parts of Lambda's context object our handlers (and powertools) read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


_modules: dict[str, ModuleType] = {}
_modules_lock = threading.Lock()


def load_handler(spec: FunctionSpec) -> Handler:
    """Import a function's handler from its folder, as Lambda would (module per folder)."""
    module_file, function_name = spec.handler.rsplit(".", 1)
    with _modules_lock:
        module = _modules.get(spec.name)
        if module is None:
            module_name = f"docsafe_functions.{spec.code_dir.name}.{module_file}"
            path = spec.code_dir / f"{module_file}.py"
            loader = importlib.util.spec_from_file_location(module_name, path)
            assert loader and loader.loader
            module = importlib.util.module_from_spec(loader)
            sys.modules[module_name] = module
            loader.loader.exec_module(module)
            _modules[spec.name] = module
    return getattr(module, function_name)


def drain_queues(stack: LocalStack, wait_seconds: int = 0) -> int:
    """What Lambda's SQS event source mappings do: each visible message of a consumed
    queue handed to its function, one a batch (as the template's BatchSize), deleted
    unless the function reports it failed; returns how many were handed over."""
    from docsafe import aws

    sqs = aws.client("sqs")
    handed = 0
    for queue_url, function in stack.queue_consumers:
        answer = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=1,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["ApproximateReceiveCount"],
        )
        for message in answer.get("Messages", []):
            handed += 1
            record = {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "eventSource": "aws:sqs",
            }
            response = invoke(stack, function, {"Records": [record]})
            failed = {item["itemIdentifier"] for item in (response or {}).get("batchItemFailures", [])}
            if message["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return handed


def invoke(stack: LocalStack, function: str, event: dict[str, Any]) -> Any:
    """Run one function in-process the way Lambda would run it."""
    spec = stack.functions[function]
    context = LambdaContext(
        function_name=function,
        invoked_function_arn=f"arn:aws:lambda:{stack.region}:{ACCOUNT_ID}:function:{function}",
        aws_request_id=str(uuid.uuid4()),
    )
    handler = load_handler(spec)
    with _modules_lock:
        cold_start = function not in _warm
        _warm.add(function)
    return run_as_invocation(handler, event, context, cold_start)


_warm: set[str] = set()


_in_flight = 0
_in_flight_lock = threading.Lock()


def invocations_in_flight() -> int:
    """Lambda invocations the state machines started that have not returned yet.

    A Map state whose one iteration failed ends its execution while the other
    iterations still run (moto does not cancel them); whoever resets the local AWS
    (a test's teardown) waits for these too."""
    return _in_flight


def install_dispatcher(stack: LocalStack) -> None:
    """Make moto's Lambda run our handlers when Step Functions invokes a function, and
    moto refuse what AWS refuses (docsafe_tools.local.aws_limits)."""
    from moto.awslambda_simple.models import LambdaSimpleBackend

    from docsafe_tools.local.aws_limits import enforce_post_policies, state_payload_refusal

    enforce_post_policies()

    def dispatch(
        backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        global _in_flight
        name = function_name.split(":function:")[-1].split(":")[0]
        event = json.loads(body) if body else {}
        with _in_flight_lock:
            _in_flight += 1
        try:
            result = invoke(stack, name, event)
        except Exception as exc:
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
        finally:
            with _in_flight_lock:
                _in_flight -= 1
        payload = json.dumps(result).encode()
        if refusal := state_payload_refusal(payload):
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(refusal).encode()
        return payload

    LambdaSimpleBackend.invoke = dispatch  # type: ignore[method-assign,assignment]
