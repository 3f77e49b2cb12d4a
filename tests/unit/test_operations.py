"""What operators get from template.yaml: alarms on every function, both workflows and the
purge's own figures, notifying AlarmTopicArn only when it is set, and a dashboard."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from docsafe.housekeeping import JOBS_RECOVERED, METRIC_NAMES, METRICS_NAMESPACE, PURGE_BACKLOG
from docsafe_tools.local.template import load_template

TEMPLATE = load_template()
ALARMS = TEMPLATE.of_type("AWS::CloudWatch::Alarm")
TOPIC = "arn:aws:sns:eu-west-1:123456789012:docsafe-operations"
_DROP = object()  # what Ref AWS::NoValue resolves to: the property is left out


def resolve(value: Any, parameters: dict[str, str]) -> Any:
    """The template's conditions and Fn::If evaluated for `parameters` (other intrinsic
    functions are kept as they are)."""
    if isinstance(value, list):
        return [v for v in (resolve(item, parameters) for item in value) if v is not _DROP]
    if not isinstance(value, dict):
        return value
    if value == {"Ref": "AWS::NoValue"}:
        return _DROP
    if set(value) == {"Ref"} and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    if set(value) == {"Fn::If"}:
        condition, when_true, when_false = value["Fn::If"]
        chosen = when_true if holds(condition, parameters) else when_false
        return resolve(chosen, parameters)
    resolved = {key: resolve(item, parameters) for key, item in value.items()}
    return {key: item for key, item in resolved.items() if item is not _DROP}


def holds(condition: str | dict[str, Any], parameters: dict[str, str]) -> bool:
    if isinstance(condition, str):
        return holds(TEMPLATE.raw["Conditions"][condition], parameters)
    ((function, argument),) = condition.items()
    if function == "Fn::Not":
        return not holds(argument[0], parameters)
    if function == "Fn::Equals":
        left, right = (resolve(item, parameters) for item in argument)
        return bool(left == right)
    raise AssertionError(f"condition function {function} not evaluated here")


def metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    """The metrics an alarm reads: its own, or those of its metric math."""
    props = alarm["Properties"]
    if "MetricName" in props:
        return [{key: props[key] for key in ("Namespace", "MetricName", "Dimensions")}]
    return [query["MetricStat"]["Metric"] for query in props["Metrics"] if "MetricStat" in query]


def watching(namespace: str, metric: str, dimension: str, value: Any) -> list[str]:
    """The alarms that read `metric` of the resource `value` names."""
    return [
        name
        for name, alarm in ALARMS.items()
        for stat in metric_stats(alarm)
        if stat["Namespace"] == namespace
        and stat["MetricName"] == metric
        and {"Name": dimension, "Value": value} in stat["Dimensions"]
    ]


@pytest.mark.parametrize("function", list(TEMPLATE.functions()))
def test_every_function_alarms_on_its_errors_and_throttles(function: str) -> None:
    errors = watching("AWS/Lambda", "Errors", "FunctionName", {"Ref": function})
    throttles = watching("AWS/Lambda", "Throttles", "FunctionName", {"Ref": function})
    assert errors and errors == throttles, function
    # One alarm a function: its notification names the function.
    (alarm,) = errors
    assert all(
        s["Dimensions"] == [{"Name": "FunctionName", "Value": {"Ref": function}}]
        for s in metric_stats(ALARMS[alarm])
    )


@pytest.mark.parametrize("machine", list(TEMPLATE.state_machines()))
def test_both_workflows_alarm_on_failed_timed_out_and_aborted_executions(machine: str) -> None:
    found = {
        metric: watching("AWS/States", metric, "StateMachineArn", {"Ref": machine})
        for metric in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted")
    }
    assert all(found.values()), found
    (alarm,) = {name for names in found.values() for name in names}
    expression = next(
        q["Expression"] for q in ALARMS[alarm]["Properties"]["Metrics"] if q["Id"] == "unsuccessful"
    )
    assert set(re.findall(r"FILL\((\w+), 0\)", expression)) == {"failed", "timedout", "aborted"}


def test_the_purge_alarms_on_its_failures_its_backlog_and_the_watchdogs_recoveries() -> None:
    assert watching("AWS/Lambda", "Errors", "FunctionName", {"Ref": "PurgeFunction"}) == [
        "PurgeFailuresAlarm"
    ]
    dimensions = [
        {"Name": "service", "Value": "docsafe"},
        {"Name": "stack", "Value": {"Ref": "AWS::StackName"}},
    ]
    own = {
        name: a["Properties"]
        for name, a in ALARMS.items()
        if a["Properties"].get("Namespace") == METRICS_NAMESPACE
    }
    # Every alarm on the purge's figures names one the purge publishes, with its dimensions
    assert {props["MetricName"] for props in own.values()} <= set(METRIC_NAMES)
    assert all(props["Dimensions"] == dimensions for props in own.values())
    backlog = own["PurgeBacklogAlarm"]
    assert backlog["MetricName"] == PURGE_BACKLOG and backlog["Threshold"] == 0
    assert backlog["ComparisonOperator"] == "GreaterThanThreshold"
    assert backlog["EvaluationPeriods"] == backlog["DatapointsToAlarm"] == 2
    # A purge that stopped reporting (not running, or killed at its timeout) alarms too
    assert backlog["TreatMissingData"] == "breaching"
    recoveries = own["WatchdogRecoveriesAlarm"]
    assert recoveries["MetricName"] == JOBS_RECOVERED and recoveries["Threshold"] == 0
    assert recoveries["ComparisonOperator"] == "GreaterThanThreshold"


def test_the_purge_can_batch_its_record_checks_and_names_its_stack() -> None:
    props = TEMPLATE.resources["PurgeFunction"]["Properties"]
    assert props["Environment"]["Variables"]["DOCSAFE_STACK_NAME"] == {"Ref": "AWS::StackName"}
    statements = props["Policies"][0]["Statement"]
    assert any(
        "dynamodb:BatchGetItem" in s["Action"] and s["Resource"] == {"Fn::GetAtt": ["JobsTable", "Arn"]}
        for s in statements
    )


def test_the_alarm_topic_is_an_optional_last_parameter() -> None:
    parameters = TEMPLATE.raw["Parameters"]
    assert list(parameters)[-1] == "AlarmTopicArn"
    topic = parameters["AlarmTopicArn"]
    assert topic["Default"] == ""
    pattern = re.compile(topic["AllowedPattern"])
    assert pattern.fullmatch("") and pattern.fullmatch(TOPIC) and pattern.fullmatch(TOPIC + ".fifo")
    assert not pattern.fullmatch("arn:aws:sqs:eu-west-1:123456789012:queue")
    assert not pattern.fullmatch("ops@example.com")


@pytest.mark.parametrize("name", list(ALARMS))
def test_each_alarm_notifies_the_topic_when_it_is_set_and_nobody_otherwise(name: str) -> None:
    with_topic = resolve(ALARMS[name]["Properties"], {"AlarmTopicArn": TOPIC})
    assert with_topic["AlarmActions"] == [TOPIC] and with_topic["OKActions"] == [TOPIC]
    without = resolve(ALARMS[name]["Properties"], {"AlarmTopicArn": ""})
    assert "AlarmActions" not in without and "OKActions" not in without


def test_the_dashboard_shows_every_alarm_function_workflow_and_purge_figure() -> None:
    (dashboard,) = TEMPLATE.of_type("AWS::CloudWatch::Dashboard").values()
    source = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    references = set(re.findall(r"\$\{([\w:.]+)\}", source))
    body = json.loads(re.sub(r"\$\{([\w:.]+)\}", r"<\1>", source))
    listed = {alarm for w in body["widgets"] if w["type"] == "alarm" for alarm in w["properties"]["alarms"]}
    assert listed == {f"<{name}.Arn>" for name in ALARMS}
    for name in [*TEMPLATE.functions(), *TEMPLATE.state_machines()]:
        assert name in references, name
    rows = [row for w in body["widgets"] if w["type"] == "metric" for row in w["properties"]["metrics"]]
    assert {row[1] for row in rows if row[0] == METRICS_NAMESPACE} == set(METRIC_NAMES)
    # Every other name the body refers to is one of the template's resources or a pseudo parameter
    assert all(ref.split(".")[0] in TEMPLATE.resources or ref.startswith("AWS::") for ref in references)
