"""The chart's monitoring objects, rendered with the project's helm: ServiceMonitor, PodMonitor,
PrometheusRule; every alert parses as PromQL and reads only metrics the code exports."""

from __future__ import annotations

import re
from typing import Any

import pytest
from chart_rendering import (
    CHART,
    EXTERNAL_METRICS,
    MONITORING_API,
    Helm,
    exported_metrics,
    find_helm,
    metric_names,
    of_kind,
)

SM = ("--set", "monitoring.serviceMonitor.enabled=true")
RULES = (*SM, "--set", "monitoring.prometheusRule.enabled=true")
AGENT = ("--set", "edgeAgent.enabled=true,monitoring.podMonitor.enabled=true")
LEDGER = ("--set", "economics.database.existingSecret=ledger-dsn")
MONITORING_KINDS = ("ServiceMonitor", "PodMonitor", "PrometheusRule")


@pytest.fixture(scope="module")
def helm(tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return find_helm(tmp_path_factory.mktemp("helm"))


def rules(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    (rule,) = of_kind(docs, "PrometheusRule")
    return {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}


def test_monitoring_is_off_by_default(helm: Helm) -> None:
    docs = helm.render(*MONITORING_API)
    assert [d["kind"] for d in docs if d["kind"] in MONITORING_KINDS] == []


@pytest.mark.parametrize(
    ("values", "field"),
    [
        (SM, "monitoring.serviceMonitor.enabled"),
        (("--set", "monitoring.podMonitor.enabled=true,edgeAgent.enabled=true"), "podMonitor"),
        (RULES, "monitoring.serviceMonitor.enabled"),
    ],
    ids=["service-monitor", "pod-monitor", "rules"],
)
def test_without_the_prometheus_operator_api_rendering_fails_with_the_fix(
    helm: Helm, values: tuple[str, ...], field: str
) -> None:
    failed = helm.run("template", "rel", str(CHART), *values, check=False)
    assert failed.returncode != 0
    assert field in failed.stderr
    assert "--api-versions monitoring.coreos.com/v1" in failed.stderr
    assert "monitoring.whenCRDsMissing=skip" in failed.stderr
    skipped = helm.render(*values, "--set", "monitoring.whenCRDsMissing=skip")
    assert [d for d in skipped if d["kind"] in MONITORING_KINDS] == []


def test_the_service_monitor_scrapes_only_the_operators_metrics_port(helm: Helm) -> None:
    docs = helm.render(
        *MONITORING_API, *SM, *LEDGER, "--set", "economics.database.bundled.enabled=true"
    )
    (monitor,) = of_kind(docs, "ServiceMonitor")
    selector = monitor["spec"]["selector"]["matchLabels"]
    chosen = [
        s for s in of_kind(docs, "Service") if selector.items() <= s["metadata"]["labels"].items()
    ]
    (endpoint,) = monitor["spec"]["endpoints"]

    assert [s["metadata"]["name"] for s in chosen] == ["rel-fog-compute-metrics"]
    assert endpoint["port"] in {p["name"] for p in chosen[0]["spec"]["ports"]}
    assert endpoint["path"] == "/metrics"
    assert monitor["spec"]["namespaceSelector"] == {"matchNames": ["fog"]}


def test_the_service_monitor_needs_the_service(helm: Helm) -> None:
    failed = helm.run(
        "template",
        "rel",
        str(CHART),
        *MONITORING_API,
        *SM,
        "--set",
        "service.enabled=false",
        check=False,
    )
    assert failed.returncode != 0
    assert "service.enabled=true" in failed.stderr


def test_the_pod_monitor_scrapes_the_agents_metrics_port(helm: Helm) -> None:
    docs = helm.render(*MONITORING_API, *AGENT)
    (monitor,) = of_kind(docs, "PodMonitor")
    (daemonset,) = of_kind(docs, "DaemonSet")
    pod = daemonset["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    (endpoint,) = monitor["spec"]["podMetricsEndpoints"]

    assert monitor["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert endpoint["port"] in {p["name"] for p in container["ports"]}
    assert (
        of_kind(
            helm.render(
                *MONITORING_API,
                "--set",
                "monitoring.podMonitor.enabled=true,edgeAgent.enabled=false",
            ),
            "PodMonitor",
        )
        == []
    )


def test_extra_labels_reach_the_monitoring_objects(helm: Helm) -> None:
    docs = helm.render(
        *MONITORING_API,
        *RULES,
        *AGENT,
        "--set",
        "monitoring.serviceMonitor.labels.release=kps",
        "--set",
        "monitoring.podMonitor.labels.release=kps",
        "--set",
        "monitoring.prometheusRule.labels.release=kps",
    )
    for kind in MONITORING_KINDS:
        (doc,) = of_kind(docs, kind)
        assert doc["metadata"]["labels"]["release"] == "kps", kind


def test_rules_need_the_service_monitor(helm: Helm) -> None:
    failed = helm.run(
        "template",
        "rel",
        str(CHART),
        *MONITORING_API,
        "--set",
        "monitoring.prometheusRule.enabled=true",
        check=False,
    )
    assert failed.returncode != 0
    assert "monitoring.serviceMonitor.enabled=true" in failed.stderr


def test_every_alert_parses_and_reads_only_exported_metrics(helm: Helm) -> None:
    alerts = rules(helm.render(*MONITORING_API, *RULES, *AGENT, *LEDGER))
    exported = exported_metrics()
    expected = {
        "FogComputeOperatorDown", "FogComputeOperatorNotReady", "FogComputeReconcileErrors",
        "FogComputeWorkQueueBacklog", "FogJobPendingTooLong", "EdgeDeviceUnknown",
        "MixNodeReliabilityLow", "FogComputeLedgerUnavailable",
        "FogComputeLedgerInvariantBroken", "FogComputeEdgeAgentDown",
    }  # fmt: skip

    assert set(alerts) == expected
    for name, alert in alerts.items():
        unknown = metric_names(alert["expr"]) - exported - EXTERNAL_METRICS
        assert not unknown, f"{name} reads {unknown}, which nothing exports"
        assert alert["labels"]["severity"] in {"critical", "warning"}, name
        assert len(alert["annotations"]["description"]) > 150, f"{name}: say what to do"
        assert alert["annotations"]["summary"], name
        assert re.fullmatch(r"[0-9]+[smh]", alert.get("for", "0s")), name


def test_the_operators_alerts_select_the_service_monitors_job(helm: Helm) -> None:
    docs = helm.render(*MONITORING_API, *RULES)
    (monitor,) = of_kind(docs, "ServiceMonitor")
    (service,) = [s for s in of_kind(docs, "Service") if s["metadata"]["name"].endswith("-metrics")]
    job = service["metadata"]["name"]  # prometheus-operator's default job label

    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    for name, alert in rules(docs).items():
        if name != "FogComputeOperatorNotReady":
            assert f'job="{job}"' in alert["expr"], name
            assert 'namespace="fog"' in alert["expr"], name


def test_ledger_and_agent_alerts_only_where_they_can_mean_something(helm: Helm) -> None:
    alerts = rules(helm.render(*MONITORING_API, *RULES))

    # fogcompute_ledger_up is 0 without a database: that alert would fire forever.
    assert "FogComputeLedgerUnavailable" not in alerts
    assert "FogComputeEdgeAgentDown" not in alerts
    assert "FogComputeLedgerUnavailable" in rules(
        helm.render(*MONITORING_API, *RULES, "--set", "economics.database.bundled.enabled=true")
    )


def test_thresholds_and_runbooks_come_from_values(helm: Helm) -> None:
    alerts = rules(
        helm.render(
            *MONITORING_API, *RULES,
            "--set", "monitoring.prometheusRule.fogJobPendingMinutes=45",
            "--set-json", "monitoring.prometheusRule.mixNodeMinReliability=0.5",
            "--set", "monitoring.prometheusRule.runbookBaseURL=https://runbooks.example/fog",
        )
    )  # fmt: skip

    assert alerts["FogJobPendingTooLong"]["for"] == "45m"
    assert alerts["MixNodeReliabilityLow"]["expr"].rstrip().endswith("< 0.5")
    assert alerts["EdgeDeviceUnknown"]["annotations"]["runbook_url"] == (
        "https://runbooks.example/fog#edgedeviceunknown"
    )
    assert (
        "runbook_url"
        not in rules(helm.render(*MONITORING_API, *RULES))["EdgeDeviceUnknown"]["annotations"]
    )


@pytest.mark.parametrize(
    "bad",
    [
        "monitoring.prometheusRule.mixNodeMinReliability=2",
        "monitoring.serviceMonitor.interval=soon",
        "monitoring.whenCRDsMissing=ignore",
        "monitoring.prometheusRule.runbookBaseURL=ftp://x",
    ],
)
def test_the_schema_refuses_bad_monitoring_values(helm: Helm, bad: str) -> None:
    failed = helm.run("template", "rel", str(CHART), "--set", bad, check=False)
    assert failed.returncode != 0
    assert bad.split("=")[0].rsplit(".", 1)[-1] in failed.stderr


def test_the_metric_names_come_from_the_code() -> None:
    exported = exported_metrics()

    # Guards the guard: a typo'd name must not pass, and suffixes follow the collector types.
    assert "controller_runtime_reconcile_total" in exported
    assert "controller_runtime_reconcile_time_seconds_bucket" in exported
    assert "fogcompute_object_phase" in exported
    assert "fog_edge_reports_total" in exported
    assert "fog_edge_reports" not in exported
    assert metric_names('sum(rate(a_total{x="1"}[5m])) / on() b') == {"a_total", "b"}
    with pytest.raises(ValueError, match="unclosed"):
        metric_names("sum(rate(a_total[5m])")
