"""Issue 16, point 5: the operator's alert rules (poison messages; throttling that lasts) and the workbook
query the metrics the code emits, by the names shared/telemetry/metrics.py gives them."""

from __future__ import annotations

import json
from typing import Any

from shared.telemetry import metrics
from tests.infra import template
from tests.infra.template import INFRA

ALERTS = "modules/alerts.bicep"
RULE = "Microsoft.Insights/scheduledQueryRules"


def _rules() -> dict[str, dict[str, Any]]:
    scope = template.main().module(ALERTS)
    rules = {}
    for _, res in scope.resources(RULE):
        (criterion,) = res["config"]["properties"]["criteria"]["allOf"]
        periods = {k: scope.resolve(v) for k, v in criterion["failingPeriods"].items()}
        rules[scope.resolve(criterion["query"])] = {**criterion, "failingPeriods": periods}
    return rules


def test_main_deploys_the_alerts_module_on_app_insights() -> None:
    assert ALERTS in template.module_paths().values()


def test_one_rule_fires_on_any_poison_message_per_queue() -> None:
    (poison,) = [c for q, c in _rules().items() if f'"{metrics.POISON_DEPTH}"' in q]
    assert poison["operator"] == "GreaterThan" and poison["threshold"] == 0
    assert [d["name"] for d in poison["dimensions"]] == ["queue"]


def test_one_rule_fires_only_on_throttling_that_lasts_per_service() -> None:
    (throttled,) = [c for q, c in _rules().items() if f'"{metrics.THROTTLED}"' in q]
    periods = throttled["failingPeriods"]
    assert periods["minFailingPeriodsToAlert"] == periods["numberOfEvaluationPeriods"] >= 3, periods
    assert [d["name"] for d in throttled["dimensions"]] == ["service"]


def test_the_workbook_charts_every_operator_metric() -> None:
    workbook = json.loads((INFRA / "workbooks" / "operations.json").read_text())
    queries = [item["content"]["query"] for item in workbook["items"] if item["type"] == 3]
    for name in (metrics.QUEUE_DEPTH, metrics.QUEUE_AGE, metrics.POISON_DEPTH, metrics.SYNC_LATENCY,
                 metrics.THROTTLED, metrics.FAILED_ITEMS):
        assert any(f'"{name}"' in q for q in queries), f"the workbook does not chart {name}"
    assert "loadTextContent('../workbooks/operations.json')" in (INFRA / ALERTS).read_text()
