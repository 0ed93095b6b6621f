"""The Grafana dashboard and the Prometheus alert rules refer only to metrics the code
exports: every metric name in their expressions is in a running API's /metrics."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from tests.ops.conftest import Pair

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "asysta.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
# Prometheus's own series about each scrape target.
PROMETHEUS_SERIES = {"up"}
_NAME = re.compile(r"\b((?:asysta|process|python)_[a-z0-9_]+|up)\b(?!\s*\()")
_HISTOGRAM_PARTS = ("_bucket", "_sum", "_count")


def dashboard_expressions() -> list[str]:
    dashboard: dict[str, Any] = json.loads(DASHBOARD.read_text())
    assert dashboard["panels"], "the dashboard has panels"
    return [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]


def alert_expressions() -> dict[str, str]:
    rules = yaml.safe_load(ALERTS.read_text())
    return {
        rule["alert"]: str(rule["expr"]) for group in rules["groups"] for rule in group["rules"]
    }


def exported(text: str) -> set[str]:
    """Names a scrape can answer: each TYPE line's name, and a histogram's parts."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            names.add(name)
            if kind == "histogram":
                names.update(name + part for part in _HISTOGRAM_PARTS)
    return names


def referenced(expression: str) -> set[str]:
    # Label values in quotes ("5..", "asysta.*") are not metric names.
    return set(_NAME.findall(re.sub(r'"[^"]*"', '""', expression)))


def test_the_alerts_cover_what_an_operator_must_know() -> None:
    alerts = alert_expressions()
    assert {
        "AsystaServiceDown",
        "AsystaConsumerGroupLagging",
        "AsystaDeadLetters",
        "AsystaOutboxStuck",
    } <= set(alerts)
    rules = {
        r["alert"]: r for g in yaml.safe_load(ALERTS.read_text())["groups"] for r in g["rules"]
    }
    assert rules["AsystaConsumerGroupLagging"]["for"] == "5m"
    assert "> 60" in rules["AsystaOutboxStuck"]["expr"]
    assert "> 0" in rules["AsystaDeadLetters"]["expr"]


async def test_every_metric_referenced_is_exported(pair: Pair) -> None:
    names = exported((await pair.reporting.get("/metrics")).text)
    names |= exported((await pair.directory.get("/metrics")).text)
    expressions = dashboard_expressions() + list(alert_expressions().values())
    used = set().union(*(referenced(e) for e in expressions))
    assert "asysta_consumer_group_lag_messages" in used
    assert used - PROMETHEUS_SERIES - names == set()
