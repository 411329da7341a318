"""Helpers of the chart's render tests: ``helm template`` with the project's helm binary (no
cluster needed), and the metric names the code really exports, taken from its collectors.

Integration tier only because helm comes from the test bed's toolchain (hack/build-tools.sh).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import prometheus_client
import promql_parser
import yaml
from fogcompute_edge_agent.observing.metrics import AgentMetrics
from fogcompute_operator.controlling import Informers, InformerSpec
from fogcompute_operator.controlling.gauging import ObjectStateCollector
from fogcompute_operator.fogjobs.metering import FogJobMetrics
from fogcompute_operator.kube import CIRCUITS, EDGEDEVICES, FOGJOBS, MIXNODES, PROPOSALS, STAKES
from fogcompute_operator.ledger import metering as ledger_metering
from fogcompute_operator.observing import ControllerMetrics
from fogcompute_operator.scheduling.metering import SchedulingMetrics
from fogcompute_operator.treasury.gateway import LEDGER_UP
from fogcompute_testbed.toolchain import locate_binaries
from prometheus_client import CollectorRegistry
from prometheus_client.registry import Collector

CHART = Path(__file__).resolve().parents[3] / "charts" / "fog-compute"
MONITORING_API = ("--api-versions", "monitoring.coreos.com/v1")
# Series the chart reads that other software exports: Prometheus's own scrape health and
# kube-state-metrics' pod readiness (kube-prometheus-stack runs both).
EXTERNAL_METRICS = frozenset({"up", "kube_pod_status_ready"})
_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("_sum", "_count"),
    "gauge": ("",),
    "info": ("_info",),
}


@dataclass(frozen=True)
class Helm:
    binary: Path
    home: Path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "HELM_CACHE_HOME": str(self.home / "cache"),
            "HELM_CONFIG_HOME": str(self.home / "config"),
            "HELM_DATA_HOME": str(self.home / "data"),
        }
        result = subprocess.run(
            [str(self.binary), *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stderr}")
        return result

    def render(self, *args: str) -> list[dict[str, Any]]:
        out = self.run("template", "rel", str(CHART), "--namespace", "fog", *args).stdout
        return [doc for doc in yaml.safe_load_all(out) if doc]


def find_helm(home: Path) -> Helm:
    return Helm(binary=locate_binaries() / "helm", home=home)


def of_kind(docs: Iterable[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc["kind"] == kind]


def _sample_names(collectors: Iterable[Collector]) -> set[str]:
    names: set[str] = set()
    for collector in collectors:
        for family in collector.collect():
            names.update(family.name + suffix for suffix in _SUFFIXES[family.type])
    return names


def _one_of_each_kind() -> Informers:
    informers = Informers()
    for resource in (FOGJOBS, EDGEDEVICES, MIXNODES, CIRCUITS, STAKES, PROPOSALS):
        informers.register(InformerSpec(resource=resource))
    return informers


def exported_metrics() -> frozenset[str]:
    """Every sample name the operator and the edge agent serve, from their real collectors."""
    registry = CollectorRegistry()
    ControllerMetrics.create(registry)
    SchedulingMetrics.create(registry)
    FogJobMetrics.create(registry)
    registry.register(ObjectStateCollector(informers=_one_of_each_kind()))
    ledger = [getattr(ledger_metering, name) for name in ledger_metering.__all__]
    return frozenset(
        _sample_names([registry, AgentMetrics().registry, LEDGER_UP, *ledger])
        | _sample_names([prometheus_client.REGISTRY])  # process_*, python_* collectors
    )


def metric_names(expr: str) -> set[str]:
    """The metric names an expression selects; raises ValueError when it does not parse."""
    found: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            name = node.name or next(
                (m.value for m in node.matchers.matchers if m.name == "__name__"), None
            )
            if name is None:
                raise ValueError(f"{expr!r} selects series without a metric name")
            found.add(name)

    promql_parser.walk(promql_parser.parse(expr), visit)
    return found
