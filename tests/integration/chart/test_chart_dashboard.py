"""The chart's Grafana dashboard: a sidecar-labelled ConfigMap carrying files/dashboards/ as is,
whose every query parses as PromQL and reads only metrics the code exports."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from chart_rendering import (
    CHART,
    EXTERNAL_METRICS,
    Helm,
    exported_metrics,
    find_helm,
    metric_names,
    of_kind,
)

DASHBOARD = CHART / "files" / "dashboards" / "fog-compute.json"
ON = ("--set", "monitoring.grafanaDashboard.enabled=true")
# Grafana's range variables, which only Grafana expands; any duration stands in for the parser.
_GRAFANA_RANGE = re.compile(r"\$__(rate_interval|interval|range)\b")
_LABEL_VALUES = re.compile(r"^label_values\((?P<selector>.+),\s*(?P<label>[a-zA-Z_]\w*)\)$")


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return find_helm(tmp_path_factory.mktemp("helm"))


@pytest.fixture(scope="module")
def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", ())


def queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) for every panel target and every query variable."""
    for panel in panels(dashboard):
        for target in panel.get("targets", ()):
            yield f"panel {panel['title']!r} {target['refId']}", target["expr"]
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            match = _LABEL_VALUES.match(variable["query"]["query"])
            assert match, f"variable {variable['name']}: only label_values(selector, label) is used"
            yield f"variable {variable['name']}", match["selector"]


def test_the_dashboard_is_off_by_default(helm: Helm) -> None:
    assert [
        d for d in of_kind(helm.render(), "ConfigMap") if "dashboard" in d["metadata"]["name"]
    ] == []


def test_the_configmap_carries_the_sidecar_label_and_the_file_as_is(helm: Helm) -> None:
    docs = helm.render(*ON, "--set", "monitoring.grafanaDashboard.folder=Platform")
    (config,) = [
        d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-dashboard")
    ]

    assert config["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert config["metadata"]["annotations"] == {"grafana_folder": "Platform"}
    assert config["metadata"]["namespace"] == "fog"
    assert json.loads(config["data"]["fog-compute.json"]) == json.loads(DASHBOARD.read_text())


def test_the_dashboard_can_live_in_grafanas_namespace(helm: Helm) -> None:
    docs = helm.render(*ON, "--set", "monitoring.grafanaDashboard.namespace=monitoring")
    (config,) = [
        d for d in of_kind(docs, "ConfigMap") if d["metadata"]["name"].endswith("-dashboard")
    ]
    assert config["metadata"]["namespace"] == "monitoring"
    assert "annotations" not in config["metadata"]


def test_every_query_parses_and_reads_only_exported_metrics(dashboard: dict[str, Any]) -> None:
    exported = exported_metrics()
    seen: set[str] = set()
    for where, expr in queries(dashboard):
        names = metric_names(_GRAFANA_RANGE.sub("5m", expr))
        assert names, f"{where} selects no metric"
        unknown = names - exported - EXTERNAL_METRICS
        assert not unknown, f"{where} reads {unknown}, which nothing exports"
        seen |= names

    # The dashboard covers each area the alerts do.
    for family in (
        "controller_runtime_reconcile_total", "workqueue_depth", "fogcompute_fogjobs",
        "fogcompute_object_condition", "fogcompute_mixnode_reliability",
        "fogcompute_ledger_invariant_violations", "fog_edge_harvestable",
    ):  # fmt: skip
        assert family in seen, family


def test_the_layout_is_sound(dashboard: dict[str, Any]) -> None:
    ids = [panel["id"] for panel in panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    cells: set[tuple[int, int]] = set()
    for panel in panels(dashboard):
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
        mine = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not mine & cells, f"{panel['title']} overlaps another panel"
        cells |= mine
        if panel["type"] != "row":
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel[
                "title"
            ]
            assert panel.get("description"), f"{panel['title']}: say what it shows"
    assert dashboard["uid"] == "fog-compute"
    names = [v["name"] for v in dashboard["templating"]["list"]]
    assert names == ["datasource", "namespace", "job"]


def test_the_guard_catches_an_unknown_metric() -> None:
    broken = {
        "panels": [
            {
                "id": 1,
                "title": "t",
                "targets": [{"refId": "A", "expr": "rate(fog_nope_total[$__rate_interval])"}],
            }
        ],
        "templating": {"list": []},
    }
    ((_, expr),) = queries(broken)
    assert metric_names(_GRAFANA_RANGE.sub("5m", expr)) - exported_metrics() == {"fog_nope_total"}
