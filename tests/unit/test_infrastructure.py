"""What template.yaml and the state machine promise, checked on the files themselves
(moto does not enforce bucket policies or key rotation: see local-aws.md)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docsafe.contract.errors import DocSafeError, NotFound, TooManyRequests, Unauthorized
from docsafe_tools.local.stack import validate_definition
from docsafe_tools.local.template import REPO_ROOT, load_template

TEMPLATE = load_template()
API_FUNCTIONS = ["AuthorizerFunction", "SubmitFunction", "StatusFunction", "ResultFunction", "DeleteFunction"]
# Functions that read no document: they load no image, PDF or OCR library and carry no OCR layer.
LIGHT_FUNCTIONS = [*API_FUNCTIONS, "IntakeFunction", "MarkFailedFunction", "PurgeFunction"]


def test_the_data_key_is_customer_managed_with_rotation() -> None:
    keys = TEMPLATE.of_type("AWS::KMS::Key")
    (encrypting,) = [k for k in keys.values() if k["Properties"].get("KeyUsage") == "ENCRYPT_DECRYPT"]
    assert encrypting["Properties"]["EnableKeyRotation"] is True
    # The other signs callbacks alone: KMS rotates no HMAC key (a new one would change every
    # tenant's callback secret at once)
    (signing,) = [k for k in keys.values() if k is not encrypting]
    assert signing["Properties"]["KeySpec"] == "HMAC_256"
    assert signing["Properties"]["KeyUsage"] == "GENERATE_VERIFY_MAC"


def test_the_callback_queue_is_encrypted_with_the_data_key_and_keeps_nothing_a_day() -> None:
    (queue,) = TEMPLATE.of_type("AWS::SQS::Queue").values()
    props = queue["Properties"]
    assert props["KmsMasterKeyId"] == {"Ref": "DataKey"}
    assert props["MessageRetentionPeriod"] <= 24 * 3600
    # Lambda refuses an SQS source whose visibility is shorter than the function's timeout
    notify = TEMPLATE.resources["NotifyFunction"]["Properties"]
    assert props["VisibilityTimeout"] >= notify["Timeout"]


@pytest.mark.parametrize("bucket", list(TEMPLATE.of_type("AWS::S3::Bucket")))
def test_buckets_are_kms_encrypted_private_expiring_and_tls_only(bucket: str) -> None:
    props = TEMPLATE.resources[bucket]["Properties"]
    (rule,) = props["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": ["DataKey", "Arn"]},
    }
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert any(
        r["ExpirationInDays"] == 1 and r["Status"] == "Enabled"
        for r in props["LifecycleConfiguration"]["Rules"]
    )
    (policy,) = [
        p["Properties"]["PolicyDocument"]
        for p in TEMPLATE.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    conditions = [s.get("Condition", {}) for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert {"Bool": {"aws:SecureTransport": "false"}} in conditions
    # Any put that names another encryption is refused; parts of a multipart upload name
    # none (they inherit the upload's), so the condition must allow the header's absence.
    assert {"StringNotEqualsIfExists": {"s3:x-amz-server-side-encryption": "aws:kms"}} in conditions
    # Only the stack's own key: a put naming another is refused, and so is "aws:kms"
    # without a key id (S3 would use the AWS-managed aws/s3 key, not the bucket default).
    assert {
        "StringNotEqualsIfExists": {
            "s3:x-amz-server-side-encryption-aws-kms-key-id": {"Fn::GetAtt": ["DataKey", "Arn"]}
        }
    } in conditions
    assert {
        "StringEquals": {"s3:x-amz-server-side-encryption": "aws:kms"},
        "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "true"},
    } in conditions


CRYPTO_ACTIONS = {"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:ReEncryptFrom"}


def _grants(statement: dict, action: str) -> bool:
    listed = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
    return any(re.fullmatch(pattern.replace("*", ".*"), action) for pattern in listed)


def test_the_key_policy_lets_no_one_use_the_key_outside_the_stacks_storage_and_tenant_bound_data_keys() -> (
    None
):
    key = TEMPLATE.resources["DataKey"]
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    for statement in statements:
        assert statement["Effect"] == "Allow"
        used = {action for action in CRYPTO_ACTIONS if _grants(statement, action)}
        if not used:
            continue
        condition = statement.get("Condition", {})
        via_service = condition.get("StringEquals", {}).get("kms:ViaService")
        bound = condition.get("Null", {})
        # Either only through S3/DynamoDB/SQS (the callback queue) in this region, or a
        # data key with a tenant and an operation in its encryption context.
        assert via_service or bound == {
            "kms:EncryptionContext:tenant": "false",
            "kms:EncryptionContext:operation": "false",
        }, statement["Sid"]
        if via_service:
            assert {json.dumps(v) for v in via_service} == {
                json.dumps({"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}),
                json.dumps({"Fn::Sub": "dynamodb.${AWS::Region}.amazonaws.com"}),
                json.dumps({"Fn::Sub": "sqs.${AWS::Region}.amazonaws.com"}),
            }
        else:
            assert used <= {"kms:GenerateDataKey", "kms:Decrypt"}


def test_functions_that_delete_a_job_can_also_abort_its_unfinished_uploads() -> None:
    # Large inputs and results are written as multipart uploads; a purge lists and aborts
    # the unfinished ones too, so every function that purges needs both permissions.
    for name, function in TEMPLATE.of_type("AWS::Serverless::Function").items():
        actions: set[str] = set()
        for policy in function["Properties"].get("Policies", []):
            for statement in policy.get("Statement", []):
                statement = statement.get("Fn::If", [None, statement])[1]  # a conditional one
                listed = statement["Action"]
                actions |= set(listed if isinstance(listed, list) else [listed])
        # (a function may list only to be told 404 for a missing key: it purges nothing)
        if "s3:ListBucket" in actions and "s3:DeleteObject" in actions:
            assert "s3:ListBucketMultipartUploads" in actions, name
        if "s3:DeleteObject" in actions:
            assert "s3:AbortMultipartUpload" in actions, name


def test_job_records_expire_and_keep_no_backups() -> None:
    props = TEMPLATE.resources["JobsTable"]["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert "PointInTimeRecoverySpecification" not in props
    assert props["SSESpecification"]["SSEType"] == "KMS"


def test_retention_can_never_exceed_24_hours() -> None:
    assert TEMPLATE.raw["Parameters"]["RetentionHours"]["MaxValue"] == 24
    assert max(int(v["Seconds"]) for v in TEMPLATE.raw["Mappings"]["RetentionSeconds"].values()) == 86400


def test_api_is_a_regional_rest_api_whose_key_authorizer_runs_on_every_request() -> None:
    api = TEMPLATE.api()
    assert api["EndpointConfiguration"] == {"Type": "REGIONAL"}
    assert TEMPLATE.default_authorizer() == "AuthorizerFunction"
    (authorizer,) = api["Auth"]["Authorizers"].values()
    # No identity source and no caching: a revoked key stops working at once
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    assert authorizer["Identity"] == {"ReauthorizeEvery": 0}
    # Bodies are passed as the bytes sent, whatever their type
    assert api["BinaryMediaTypes"] == ["*~1*"]


def test_api_gateway_logs_and_traces_no_request_data() -> None:
    (settings,) = TEMPLATE.api()["MethodSettings"]
    assert settings["DataTraceEnabled"] is False and settings["LoggingLevel"] == "OFF"
    assert "AccessLogSetting" not in TEMPLATE.api()


def test_with_a_custom_domain_the_execute_api_endpoint_is_off() -> None:
    assert TEMPLATE.api()["DisableExecuteApiEndpoint"] == {"Fn::If": ["HasCustomDomain", True, False]}


GATEWAY_BODIES = {
    "ACCESS_DENIED": (401, Unauthorized()),
    "UNAUTHORIZED": (401, Unauthorized()),
    "MISSING_AUTHENTICATION_TOKEN": (404, NotFound("Resource not found.", inner_code="NotFound")),
    "THROTTLED": (429, TooManyRequests(1)),
    "DEFAULT_5XX": (None, DocSafeError("An unexpected error occurred.")),
}


@pytest.mark.parametrize("kind", list(GATEWAY_BODIES))
def test_api_gateways_own_answers_are_the_functions_answers_for_the_same_error(kind: str) -> None:
    status, error = GATEWAY_BODIES[kind]
    answer = TEMPLATE.gateway_responses()[kind]
    assert answer.status == status
    assert json.loads(answer.body) == error.to_body()
    assert answer.headers == error.headers()


def test_a_body_over_api_gateways_10_mb_is_told_the_ways_that_work() -> None:
    answer = TEMPLATE.gateway_responses()["REQUEST_TOO_LARGE"]
    error = json.loads(answer.body)["error"]
    assert answer.status == 413 and error["code"] == "InvalidRequest"
    assert "POST /v1/uploads" in error["message"] and "urlSource" in error["message"]


def test_functions_that_read_no_document_are_zip_functions_on_the_core_layer_alone() -> None:
    functions = TEMPLATE.of_type("AWS::Serverless::Function")
    for name in LIGHT_FUNCTIONS:
        props = functions[name]["Properties"]
        assert props.get("PackageType", "Zip") == "Zip", name
        assert props["Layers"] == [{"Ref": "CoreLayer"}] and props["Runtime"] == "python3.12", name


def test_the_functions_that_read_documents_are_one_container_image() -> None:
    functions = TEMPLATE.of_type("AWS::Serverless::Function")
    reading = {
        name for name, function in functions.items() if function["Properties"].get("PackageType") == "Image"
    }
    assert reading == {"PrepareFunction", "ReadPageFunction", "AssembleFunction", "BuildModelFunction"}
    for name in reading:
        assert functions[name]["Metadata"] == {
            "Dockerfile": "layers/ocr/Dockerfile",
            "DockerContext": ".",
            "DockerTag": "reader",
        }, name
    assert "Runtime" not in TEMPLATE.raw["Globals"]["Function"]  # SAM refuses it on images
    assert "Layers" not in TEMPLATE.raw["Globals"]["Function"]


def test_functions_that_read_no_document_never_import_the_engine_or_image_libraries() -> None:
    # Given a fresh interpreter, when every handler that reads no document is imported
    loader = (
        "import sys\n"
        "from docsafe_tools.local.template import load_template\n"
        "from docsafe_tools.local.stack import load_handler\n"
        "specs = load_template().functions()\n"
        f"for name in {LIGHT_FUNCTIONS!r}: load_handler(specs[name])\n"
        "heavy = ('PIL', 'tesserocr', 'pypdfium2', 'docsafe.documents')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", loader], capture_output=True, text=True, check=True)
    # Then none of the heavy modules was loaded
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("machine", "working_states"),
    [("AnalysisStateMachine", ("Prepare", "ReadPages", "Assemble")), ("BuildStateMachine", ("Build",))],
)
def test_state_machine_definitions_are_valid_and_fully_substituted(
    machine: str, working_states: tuple[str, ...]
) -> None:
    props = TEMPLATE.state_machines()[machine]["Properties"]
    raw = (REPO_ROOT / props["DefinitionUri"]).read_text()
    placeholders = set(re.findall(r"\$\{(\w+)\}", raw))
    assert placeholders == set(props["DefinitionSubstitutions"])
    definition = re.sub(
        r"\$\{(\w+)\}",
        lambda m: (
            "10"
            if m.group(1) == "PageConcurrency"
            else f"arn:aws:lambda:eu-west-1:123456789012:function:{m.group(1)}"
        ),
        raw,
    )
    validate_definition(definition)
    states = json.loads(definition)["States"]
    # Every working state ends in MarkFailed on an error it does not retry.
    for name in working_states:
        assert any(
            c["Next"] == "MarkFailed" and c["ErrorEquals"] == ["States.ALL"] for c in states[name]["Catch"]
        )


def test_every_function_folder_has_a_thin_handler() -> None:
    for spec in TEMPLATE.functions().values():
        source = (spec.code_dir / "app.py").read_text()
        assert "def lambda_handler" in source, spec.name
        assert len(source.splitlines()) <= 80, f"{spec.name} handler is not thin"
        assert "boto3" not in source and "os.environ" not in source, spec.name


def test_a_custom_domain_uses_tls_1_2_or_newer_and_serves_the_api_at_its_root() -> None:
    domain = TEMPLATE.resources["ApiDomain"]
    assert domain["Condition"] == "HasCustomDomain"
    assert domain["Properties"]["SecurityPolicy"] == "TLS_1_2"
    mapping = TEMPLATE.resources["ApiDomainMapping"]["Properties"]
    assert "BasePath" not in mapping and mapping["RestApiId"] == {"Ref": "Api"}


def test_traces_never_capture_responses_or_errors() -> None:
    env = TEMPLATE.global_environment()
    assert env["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"
    assert env["POWERTOOLS_TRACER_CAPTURE_ERROR"] == "false"
    for spec in TEMPLATE.functions().values():
        source = (spec.code_dir / "app.py").read_text()
        if "capture_lambda_handler" in source:
            assert "capture_lambda_handler(capture_response=False)" in source, spec.name
        assert "log_event=True" not in source, spec.name


def test_purge_runs_on_a_schedule_that_matches_its_setting() -> None:
    purge = TEMPLATE.functions()["PurgeFunction"]
    assert purge.schedules == ("rate(5 minutes)",)
    assert TEMPLATE.global_environment()["DOCSAFE_PURGE_INTERVAL_SECONDS"] == "300"


def test_audit_records_follow_their_own_retention() -> None:
    props = TEMPLATE.resources["AuditTable"]["Properties"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expiresAt", "Enabled": True}
    assert TEMPLATE.global_environment()["DOCSAFE_AUDIT_RETENTION_DAYS"] == {"Ref": "AuditRetentionDays"}


def test_aws_clients_are_made_in_one_place() -> None:
    # Only docsafe/aws.py builds clients for the service (local mode builds moto's).
    package = REPO_ROOT / "layers" / "core" / "docsafe"
    offenders = [
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if re.search(r"boto3\.(client|resource|session)|Session\(", path.read_text())
        and path.name != "aws.py"
        and "local" not in path.parts
    ]
    assert offenders == []


def test_model_builds_read_only_the_operators_training_buckets_of_the_stacks_own_account() -> None:
    statements = TEMPLATE.resources["BuildModelFunction"]["Properties"]["Policies"][0]["Statement"]
    # No statement of the build function reaches every bucket
    assert all(s.get("Resource") != "*" for s in statements if "Fn::If" not in s)
    training = [s["Fn::If"][1] for s in statements if "Fn::If" in s]
    assert {json.dumps(s["Action"]) for s in training} == {
        json.dumps(["s3:ListBucket", "s3:GetBucketLocation"]),
        json.dumps("s3:GetObject"),
    }
    for statement in training:
        assert "TrainingBuckets" in json.dumps(statement["Resource"])
        assert statement["Condition"] == {"StringEquals": {"s3:ResourceAccount": {"Ref": "AWS::AccountId"}}}
    # Without training buckets, there is no statement at all
    assert all(
        s["Fn::If"][0] == "HasTrainingBuckets" and s["Fn::If"][2] == {"Ref": "AWS::NoValue"}
        for s in [s for s in statements if "Fn::If" in s]
    )


def test_stack_outputs_give_the_endpoint_and_the_first_admin_step() -> None:
    outputs = TEMPLATE.raw["Outputs"]
    endpoint = json.dumps(outputs["ApiEndpoint"]["Value"])
    assert "https://" in endpoint and "${DomainName}" in endpoint
    first_step = outputs["FirstStep"]["Value"]["Fn::Sub"]
    assert first_step.startswith("docsafe keys create TENANT --table ${KeysTable} --region ${AWS::Region}")


def test_every_api_function_can_count_requests_against_its_tenants_allowance() -> None:
    for name in ("SubmitFunction", "StatusFunction", "ResultFunction", "DeleteFunction"):
        statements = TEMPLATE.resources[name]["Properties"]["Policies"][0]["Statement"]
        assert any(
            s.get("Action") == "dynamodb:UpdateItem"
            and s.get("Resource") == {"Fn::GetAtt": ["LimitsTable", "Arn"]}
            for s in statements
        ), name


def test_the_api_itself_is_throttled_before_any_function_runs() -> None:
    (settings,) = TEMPLATE.api()["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiRequestsPerSecond"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiBurst"}


def test_page_readers_can_be_given_a_concurrency_reservation_off_by_default() -> None:
    assert TEMPLATE.raw["Parameters"]["ReadingConcurrencyLimit"]["Default"] == 0
    reserved = TEMPLATE.resources["ReadPageFunction"]["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == {
        "Fn::If": ["LimitsReading", {"Ref": "ReadingConcurrencyLimit"}, {"Ref": "AWS::NoValue"}]
    }


def test_functions_that_write_receipts_may_write_them_in_batches() -> None:
    # Receipts go through one batched write (docsafe.retention.purge_jobs), a delete's too
    for name in ("DeleteFunction", "PurgeFunction"):
        statements = TEMPLATE.resources[name]["Properties"]["Policies"][0]["Statement"]
        audit = [s for s in statements if s.get("Resource") == {"Fn::GetAtt": ["AuditTable", "Arn"]}]
        actions = {
            a for s in audit for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
        }
        assert "dynamodb:BatchWriteItem" in actions, name


ANALYZE_PATH = "/documentintelligence/documentModels/{modelId}"
FORM_RECOGNIZER_ANALYZE_PATH = "/formrecognizer/documentModels/{modelId}"
READ_ANALYZE_PATH = "/vision/v3.2/read/analyze"


def _analyze_integration(path: str = ANALYZE_PATH) -> dict:
    by_path = {integration.path: integration for integration in TEMPLATE.s3_integrations()}
    # Each API's analyze, and no other method, goes to S3
    assert set(by_path) == {ANALYZE_PATH, FORM_RECOGNIZER_ANALYZE_PATH, READ_ANALYZE_PATH}
    assert {integration.method for integration in by_path.values()} == {"POST"}
    return by_path[path].spec


@pytest.mark.parametrize(
    ("contract", "path"),
    [
        ("documentIntelligence", ANALYZE_PATH),
        ("formRecognizer", FORM_RECOGNIZER_ANALYZE_PATH),
        ("visionRead", READ_ANALYZE_PATH),
    ],
)
def test_an_analyze_body_goes_from_api_gateway_into_intake_under_the_callers_tenant(
    contract: str, path: str
) -> None:
    from docsafe.intake import CONTRACT_METADATA, INTAKE_PREFIX, MODEL_METADATA, QUERY_METADATA
    from docsafe.specs import Contract

    read = Contract(contract) is Contract.VISION_READ
    spec = _analyze_integration(path)
    assert spec["uri"]["Fn::Sub"].endswith(f"/${{DocumentsBucket}}/{INTAKE_PREFIX}{{tenant}}/{{request}}")
    assert spec["credentials"] == {"Fn::GetAtt": ["IntakeRole", "Arn"]}
    parameters = spec["requestParameters"]
    # Neither part of the key is the client's to choose
    assert parameters["integration.request.path.tenant"] == "context.authorizer.tenant"
    assert parameters["integration.request.path.request"] == "context.requestId"
    # The API it came through is the integration's to say, never the client's
    marked = parameters.get(f"integration.request.header.x-amz-meta-{CONTRACT_METADATA}")
    assert marked == (None if Contract(contract) is Contract.DOCUMENT_INTELLIGENCE else f"'{contract}'")
    # Every option the intake function reads travels as the object's metadata
    if not read:
        assert (
            parameters[f"integration.request.header.x-amz-meta-{MODEL_METADATA}"]
            == "method.request.path.modelId"
        )
    options = QUERY_METADATA[Contract(contract)]
    for option, metadata in options.items():
        assert parameters[f"integration.request.header.x-amz-meta-{metadata}"] == (
            f"method.request.querystring.{option}"
        )
    mapped_from_query = {k for k, v in parameters.items() if str(v).startswith("method.request.querystring.")}
    assert len(mapped_from_query) == len(options)
    assert parameters["integration.request.header.x-amz-server-side-encryption-aws-kms-key-id"] == {
        "Fn::Sub": "'${DataKey.Arn}'"
    }


@pytest.mark.parametrize("path", [ANALYZE_PATH, FORM_RECOGNIZER_ANALYZE_PATH])
def test_the_analyze_answer_branches_are_the_ones_local_mode_follows(path: str) -> None:
    from docsafe.contract.document_apis import document_api
    from docsafe_tools.local.intake import branches

    through = document_api(path)
    assert through is not None
    accepted = _analyze_integration(path)["responses"]["2\\d{2}"]
    template = accepted["responseTemplates"]["application/json"]
    found = [
        line.strip() for line in template.splitlines() if line.strip().startswith(("#if", "#elseif", "#else"))
    ]
    assert tuple(found) == branches(through)
    # Its parameters come from the path and the query string alone, as the intake's metadata do
    lines = [line.strip() for line in template.splitlines()]
    assert "#set($part = $input.params().path.get('modelId'))" in lines
    assert "#set($version = $input.params().querystring.get('api-version'))" in lines
    assert accepted["statusCode"] == "202"
    # The answer names the API's own paths and a version it takes
    assert f"indexOf('{through.prefix}/')" in template
    assert f"{through.prefix}/documentModels/$model/analyzeResults/" in template


def test_the_read_analyze_answer_refuses_what_local_mode_and_the_intake_refuse() -> None:
    from docsafe.contract.vision_read import (
        GATEWAY_PAGES,
        MODEL_VERSIONS,
        READING_ORDERS,
        gateway_refusal,
        read_error,
    )
    from docsafe_tools.local.intake import READ_ANALYZE_PATH as LOCAL_READ_PATH

    assert LOCAL_READ_PATH == READ_ANALYZE_PATH
    accepted = _analyze_integration(READ_ANALYZE_PATH)["responses"]["2\\d{2}"]
    assert accepted["statusCode"] == "202"
    lines = [line.strip() for line in accepted["responseTemplates"]["application/json"].splitlines()]
    branches = [line for line in lines if line.startswith(("#if", "#elseif", "#else"))]
    # Its options come from the query string alone, as the intake's metadata do
    sets = [line for line in lines if line.startswith("#set($") and "$input.params" in line]
    assert sets and all("$input.params().querystring.get('" in line for line in sets)
    # The template tests what gateway_refusal tests, in its order ...
    assert branches == [
        f"#if($pages && $pages != '' && !$pages.matches('{GATEWAY_PAGES}'))",
        "#elseif($order && $order != '' && "
        + " && ".join(f"$order != '{order}'" for order in READING_ORDERS)
        + ")",
        "#elseif("
        + " || ".join(
            f"({name} && {name} != '' && "
            + " && ".join(f"{name} != '{version}'" for version in MODEL_VERSIONS)
            + ")"
            for name in ("$model", "$specModel")
        )
        + ")",
        "#else",
    ]
    # ... and answers what it answers
    refusals = [
        gateway_refusal(query) for query in ({"pages": "1;2"}, {"readingOrder": "x"}, {"modelVersion": "v"})
    ]
    bodies = [json.loads(line) for line in lines if line.startswith("{")]
    assert bodies == [read_error(refusal) for refusal in refusals if refusal is not None]
    assert len(bodies) == 3


def test_api_gateways_role_can_only_put_analyze_requests() -> None:
    role = TEMPLATE.resources["IntakeRole"]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    (policy,) = role["Policies"]
    actions = {s["Action"]: s["Resource"] for s in policy["PolicyDocument"]["Statement"]}
    assert actions == {
        "s3:PutObject": {"Fn::Sub": "${DocumentsBucket.Arn}/intake/*"},
        "kms:GenerateDataKey": {"Fn::GetAtt": ["DataKey", "Arn"]},
    }


def test_only_the_viewer_page_and_the_openapi_document_are_served_without_a_key() -> None:
    public = {
        (route.method, route.path)
        for spec in TEMPLATE.functions().values()
        for route in spec.routes
        if not route.authorized
    }
    assert public == {("GET", "/viewer"), ("GET", "/openapi.json")}
    # and the functions ask a tenant of every other route
    from docsafe.api import PUBLIC_PATHS

    assert {path for _, path in public} == PUBLIC_PATHS
    for analyze in TEMPLATE.s3_integrations():
        path = TEMPLATE.api()["DefinitionBody"]["paths"][analyze.path]
        assert path["post"]["security"] == [{"KeyAuthorizer": []}], analyze.path


@pytest.mark.parametrize("path", [ANALYZE_PATH, FORM_RECOGNIZER_ANALYZE_PATH, READ_ANALYZE_PATH])
def test_a_stored_analyze_request_is_never_written_over_and_only_its_answer_says_retry(path: str) -> None:
    spec = _analyze_integration(path)
    assert spec["requestParameters"]["integration.request.header.If-None-Match"] == "'*'"
    responses = spec["responses"]
    # Retry-After only where the request was accepted (the Azure clients retry any error with one)
    assert all("responseParameters" not in answer for answer in responses.values())
    accepted = responses["2\\d{2}"]["responseTemplates"]["application/json"]
    # (the last line the accepted branch sets; Document Intelligence's then ends its branches)
    assert (
        accepted.rstrip()
        .removesuffix("#end")
        .rstrip()
        .endswith('#set($context.responseOverride.header.Retry-After = "1")')
    )
    # S3's 400 is the request's fault; anything else of S3's (403: key or policy) is a 5xx
    assert set(responses) == {"2\\d{2}", "400", "default"}
    assert responses["default"]["statusCode"] == "500"
    assert all(answer["contentHandling"] == "CONVERT_TO_TEXT" for answer in responses.values())


def test_the_authorizer_builds_the_keys_table_and_nothing_else() -> None:
    # Given a fresh interpreter, when the authorizer answers a request
    script = (
        "import boto3, json\n"
        "from moto import mock_aws\n"
        "made = []\n"
        "real = boto3.session.Session.client\n"
        "def client(self, name, *a, **k):\n"
        "    made.append(name)\n"
        "    return real(self, name, *a, **k)\n"
        "boto3.session.Session.client = client\n"
        "from docsafe_tools.local.template import load_template\n"
        "from docsafe_tools.local.stack import load_handler\n"
        "handler = load_handler(load_template().functions()['AuthorizerFunction'])\n"
        "with mock_aws():\n"
        "    boto3.client('dynamodb', 'eu-west-1').create_table(TableName='keys',\n"
        "        KeySchema=[{'AttributeName': 'keyHash', 'KeyType': 'HASH'}],\n"
        "        AttributeDefinitions=[{'AttributeName': 'keyHash', 'AttributeType': 'S'}],\n"
        "        BillingMode='PAY_PER_REQUEST')\n"
        "    made.clear()\n"
        "    arn = 'arn:aws:execute-api:eu-west-1:1:a/api/GET/v1/operations'\n"
        "    event = {'headers': {}, 'methodArn': arn}\n"
        "    class Context:\n"
        "        function_name = 'AuthorizerFunction'; memory_limit_in_mb = 256; aws_request_id = 'r'\n"
        "        invoked_function_arn = 'arn:aws:lambda:eu-west-1:1:function:AuthorizerFunction'\n"
        "    handler(event, Context())\n"
        "print(json.dumps(sorted(set(made))))\n"
    )
    env = {**__import__("os").environ, "DOCSAFE_KEYS_TABLE": "keys"}
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, env=env)
    # Then it made no client but DynamoDB's (the keys table)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["dynamodb"]


def test_the_shipped_package_holds_no_developer_tooling() -> None:
    import tomllib

    import docsafe

    package = Path(docsafe.__file__).parent
    assert package == REPO_ROOT / "layers" / "core" / "docsafe"
    # What the layer ships uses only its requirements: no developer library anywhere in it
    developer_libraries = re.compile(r"^\s*(import|from) (yaml|typer|rich|moto)\b", re.MULTILINE)
    for module in package.rglob("*.py"):
        assert not developer_libraries.search(module.read_text()), module
    # and the import contract keeps the domain from the developer package
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (forbidden,) = [c for c in config["contracts"] if c["type"] == "forbidden"]
    assert forbidden["source_modules"] == ["docsafe"] and forbidden["forbidden_modules"] == ["docsafe_tools"]


def test_the_page_readers_run_as_many_onnxruntime_threads_as_lambda_gives_vcpus() -> None:
    # Lambda gives one vCPU per 1,769 MB; more threads than vCPUs only contend
    functions = TEMPLATE.of_type("AWS::Serverless::Function")
    for name in ("ReadPageFunction", "BuildModelFunction"):
        props = functions[name]["Properties"]
        threads = int(props["Environment"]["Variables"]["DOCSAFE_OCR_THREADS"])
        assert threads == max(1, props["MemorySize"] // 1769), name


def test_every_route_of_the_template_is_in_the_openapi_document() -> None:
    from docsafe.contract.openapi import load_openapi

    def shape(path: str) -> str:
        # {modelId}:analyze is the template's {modelId}; parameter names may differ
        return re.sub(r"\{[^}]+\}", "{}", path.replace(":analyze", "").replace(":build", ""))

    routes = {
        (route.method, shape(route.path))
        for spec in TEMPLATE.functions().values()
        for route in spec.routes
        if "+}" not in route.path  # a catch-all stands for routes documented one by one
    } | {(integration.method, shape(integration.path)) for integration in TEMPLATE.s3_integrations()}
    documented = {
        (method.upper(), shape(path))
        for path, methods in load_openapi()["paths"].items()
        for method in methods
    }
    # The viewer is a page for people, not an API operation
    assert routes - documented == {("GET", "/viewer")}


# The functions whose routes look for a request still waiting in the intake folder
# (docsafe.intake.Intake.pending, from Operations.snapshot and Operations.delete).
LOOKS_IN_INTAKE = ("StatusFunction", "ResultFunction", "DeleteFunction", "SubmitFunction", "BatchesFunction")


@pytest.mark.parametrize("name", LOOKS_IN_INTAKE)
def test_a_function_that_looks_for_a_waiting_request_is_told_404_for_none(name: str) -> None:
    # S3 answers a HEAD of a missing key 404 only to a caller that may list the bucket,
    # 403 to anyone else: without it, every unknown id would be a 5xx on AWS (moto
    # enforces no IAM, so only this sees it)
    statements = TEMPLATE.resources[name]["Properties"]["Policies"][0]["Statement"]

    def allowed(action: str, resource: object) -> bool:
        for statement in statements:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = (
                statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            )
            if action in actions and resource in resources:
                return True
        return False

    assert allowed("s3:GetObject", {"Fn::Sub": "${DocumentsBucket.Arn}/intake/*"}), name
    assert allowed("s3:ListBucket", {"Fn::GetAtt": ["DocumentsBucket", "Arn"]}), name


def test_the_figure_route_is_told_404_for_a_figure_a_result_lacks() -> None:
    # A GET of a missing key answers NoSuchKey only to a caller that may list the bucket,
    # AccessDenied to anyone else: without it an unknown figure id would be a 5xx on AWS
    # (moto enforces no IAM, so only this sees it).
    statements = TEMPLATE.resources["ResultFunction"]["Properties"]["Policies"][0]["Statement"]
    assert any(
        statement["Action"] == "s3:ListBucket"
        and statement["Resource"] == {"Fn::GetAtt": ["ResultsBucket", "Arn"]}
        for statement in statements
    )


def test_every_function_that_ends_a_job_may_put_its_event() -> None:
    # (moto enforces no IAM: without this, a job's end would be logged as unpublished on AWS)
    for name, resource in TEMPLATE.resources.items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        statements = resource["Properties"].get("Policies", [{}])[0].get("Statement", [])

        def allows(action: str, resource_name: str, statements: list[dict] = statements) -> bool:
            for statement in statements:
                actions = (
                    statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                )
                resources = statement.get("Resource", [])
                resources = resources if isinstance(resources, list) else [resources]
                if action in actions and any(resource_name in json.dumps(r) for r in resources):
                    return True
            return False

        ends_jobs = allows("dynamodb:UpdateItem", "JobsTable") or allows("dynamodb:DeleteItem", "JobsTable")
        if ends_jobs:
            assert allows("events:PutEvents", "JobEventsBus"), name
