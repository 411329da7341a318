"""The chart's alerts checked by Prometheus's own promtool: the rendered rules parse (templates
included), and ``promtool test rules`` fires each alert on series shaped like the operator's,
with the labels and the rendered annotations expected, and leaves healthy series alone.

promtool comes from hack/ensure-promtool.sh (Debian's prometheus package, unpacked, not
installed), or FOG_PROMTOOL.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from chart_rendering import CHART, MONITORING_API, Helm, find_helm, of_kind

ON = (
    *MONITORING_API,
    "--set", "monitoring.serviceMonitor.enabled=true,monitoring.prometheusRule.enabled=true",
    "--set", "monitoring.podMonitor.enabled=true,edgeAgent.enabled=true",
    "--set", "economics.database.existingSecret=ledger-dsn",
)  # fmt: skip
OP_LABELS = {"job": "rel-fog-compute-metrics", "namespace": "fog", "instance": "10.0.0.5:8000"}


@pytest.fixture(scope="module")
def promtool() -> Path:
    script = CHART.parents[1] / "hack" / "ensure-promtool.sh"
    result = subprocess.run(
        ["bash", str(script)], capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{script} failed:\n{result.stderr}"
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, Any]]]:
    helm: Helm = find_helm(tmp_path_factory.mktemp("helm"))
    (rule,) = of_kind(helm.render(*ON), "PrometheusRule")
    path = tmp_path_factory.mktemp("rules") / "fog-compute.rules.yml"
    path.write_text(yaml.safe_dump(rule["spec"], sort_keys=False))
    alerts = {r["alert"]: r for group in rule["spec"]["groups"] for r in group["rules"]}
    return path, alerts


def run(promtool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(promtool), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_promtool_accepts_the_rendered_rules(
    promtool: Path, rules: tuple[Path, dict[str, dict[str, Any]]]
) -> None:
    path, alerts = rules
    checked = run(promtool, "check", "rules", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alerts)} rules found" in checked.stdout


def expect(alert: dict[str, Any], labels: dict[str, str], **values: str) -> dict[str, Any]:
    """The alert promtool must report: ``labels`` plus the rule's, and its annotations with each
    Prometheus template replaced by the text given for it (every one must be given)."""
    annotations = {}
    for key, template in alert["annotations"].items():
        for placeholder, text in values.items():
            template = template.replace("{{ " + placeholder + " }}", text)
        assert "{{" not in template, f"{alert['alert']}.{key}: give a value for {template!r}"
        annotations[key] = template
    return {"exp_labels": {**labels, **alert["labels"]}, "exp_annotations": annotations}


def series(metric: str, values: str, /, **labels: str) -> dict[str, str]:
    """An input series of the operator's scrape job (``job=None`` for another target)."""
    own = {} if labels.pop("job", "op") is None else {**OP_LABELS, "pod": "op-1"}
    matchers = ", ".join(f'{key}="{value}"' for key, value in {**own, **labels}.items())
    return {"series": f"{metric}{{{matchers}}}", "values": values}


def test_each_alert_fires_on_its_symptom_and_only_then(
    promtool: Path, rules: tuple[Path, dict[str, dict[str, Any]]], tmp_path: Path
) -> None:
    path, alerts = rules
    op_pod = "rel-fog-compute-operator-7d9c5-abcde"
    agent = "rel-fog-compute-edge-agent-x7k2p"
    stuck = {"kind": "FogJob", "object_namespace": "team-a", "object_name": "stuck"}
    edge = {"kind": "EdgeDevice", "object_namespace": "", "condition": "Ready"}
    ksm = {"job": None, "namespace": "fog"}  # kube-state-metrics' and the agents' targets
    violations, condition = "fogcompute_ledger_invariant_violations", "fogcompute_object_condition"
    inputs = [
        series("up", "1 1 0x20"),
        series("kube_pod_status_ready", "0x20", **ksm, pod=op_pod, condition="true"),
        series("controller_runtime_reconcile_errors_total", "0+6x40", controller="fogjobs"),
        series("controller_runtime_reconcile_total", "0+12x40", controller="fogjobs"),
        series("controller_runtime_reconcile_errors_total", "0x40", controller="stakes"),
        series("controller_runtime_reconcile_total", "0+12x40", controller="stakes"),
        series("workqueue_depth", "0+10x40", name="fogjobs"),
        series("workqueue_depth", "150x40", name="stakes"),  # deep but not growing
        series("fogcompute_object_phase", "1x10", **stuck, phase="Queued"),
        series("fogcompute_object_phase", "_x10 1x30", **stuck, phase="Pending"),
        series("fogcompute_object_phase", "1x40", **stuck | {"object_name": "ok"}, phase="Running"),
        series(condition, "1x20", **edge, object_name="edge-1", status="Unknown"),
        series(condition, "1x20", **edge, object_name="edge-2", status="True"),
        series("fogcompute_mixnode_reliability", "0.5x40", object_name="mix-1"),
        series("fogcompute_mixnode_reliability", "0.95x40", object_name="mix-2"),
        series("fogcompute_ledger_up", "0x20"),
        series(violations, "0 0 2x20", invariant="balances_sum_to_zero"),
        series(violations, "0x20", invariant="no_double_reward"),
        series("up", "0x20", **ksm, pod=agent, container="edge-agent"),
        series("up", "0x20", **ksm, pod=f"{agent}-long", container="edge-agent"),
    ]  # fmt: skip
    a = alerts
    scraped = {**OP_LABELS, "pod": "op-1"}
    cases = [
        ("FogComputeOperatorDown", "1m", []),
        ("FogComputeOperatorDown", "6m", []),  # down since 2m: 5m needed
        ("FogComputeOperatorDown", "10m", [
            expect(a["FogComputeOperatorDown"], {"job": OP_LABELS["job"], "namespace": "fog"})
        ]),
        ("FogComputeOperatorNotReady", "12m", [expect(
            a["FogComputeOperatorNotReady"], {"namespace": "fog", "pod": op_pod},
            **{"$labels.pod": op_pod, "$labels.namespace": "fog"},
        )]),
        ("FogComputeReconcileErrors", "12m", []),  # 15m of errors needed
        ("FogComputeReconcileErrors", "30m", [expect(
            a["FogComputeReconcileErrors"], {"namespace": "fog", "controller": "fogjobs"},
            **{"$value | humanizePercentage": "50%", "$labels.controller": "fogjobs",
               "$labels.namespace": "fog"},
        )]),
        ("FogComputeWorkQueueBacklog", "30m", [expect(
            a["FogComputeWorkQueueBacklog"], {**scraped, "name": "fogjobs"},
            **{"$labels.name": "fogjobs", "$value": "300"},
        )]),
        ("FogJobPendingTooLong", "25m", []),
        ("FogJobPendingTooLong", "38m", [expect(
            a["FogJobPendingTooLong"],
            {"namespace": "fog", "object_namespace": "team-a", "object_name": "stuck"},
            **{"$labels.object_namespace": "team-a", "$labels.object_name": "stuck"},
        )]),
        ("EdgeDeviceUnknown", "3m", []),
        ("EdgeDeviceUnknown", "8m", [expect(
            a["EdgeDeviceUnknown"],
            {**scraped, "kind": "EdgeDevice", "object_name": "edge-1", "condition": "Ready",
             "status": "Unknown"},
            **{"$labels.object_name": "edge-1"},
        )]),
        ("MixNodeReliabilityLow", "20m", []),
        ("MixNodeReliabilityLow", "35m", [expect(
            a["MixNodeReliabilityLow"], {**scraped, "object_name": "mix-1"},
            **{"$labels.object_name": "mix-1", "$value | humanizePercentage": "50%"},
        )]),
        ("FogComputeLedgerUnavailable", "8m", [expect(a["FogComputeLedgerUnavailable"], scraped)]),
        ("FogComputeLedgerInvariantBroken", "1m", []),
        ("FogComputeLedgerInvariantBroken", "3m", [expect(
            a["FogComputeLedgerInvariantBroken"],
            {"namespace": "fog", "invariant": "balances_sum_to_zero"},
            **{"$labels.invariant": "balances_sum_to_zero", "$value": "2"},
        )]),
        ("FogComputeEdgeAgentDown", "12m", [expect(
            a["FogComputeEdgeAgentDown"],
            {"namespace": "fog", "pod": agent, "container": "edge-agent"},
            **{"$labels.pod": agent, "$labels.namespace": "fog"},
        )]),
    ]  # fmt: skip
    assert {name for name, _, fired in cases if fired} == set(alerts), "test every alert firing"
    tests = {
        "rule_files": [str(path)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": inputs,
                "alert_rule_test": [
                    {"alertname": name, "eval_time": at, "exp_alerts": fired}
                    for name, at, fired in cases
                ],
            }
        ],
    }
    spec = tmp_path / "fog-compute.test.yml"
    spec.write_text(yaml.safe_dump(tests, sort_keys=False))

    tested = run(promtool, "test", "rules", str(spec))
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout
