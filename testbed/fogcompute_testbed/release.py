"""The chart installed for real: ``helm install`` of charts/fog-compute onto the real node.

Used by ``make up`` and the end-to-end tests once ``host-0`` is Ready with the offline images
imported. The values pin the operator's pod to ``host-0``, run the edge-agent DaemonSet there
(host-0 is an edge node) and never pull an image; everything else is the chart's defaults (pod
network, ServiceAccount, RBAC, probes, read-only root). Pods reach the API server through the
``kubernetes`` Service, which ``node`` routes to loopback. Then host-0's EdgeDevice policy is
applied (``samples/real-node/edgedevice-host-0.yaml``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from fogcompute_testbed.bundledledger import bundled_ledger_values, sample_stake_line
from fogcompute_testbed.nodeconfig import NODE_LABELS, NODE_NAME
from fogcompute_testbed.toolchain import repo_root

__all__ = [
    "DEFAULT_NAMESPACE",
    "DEFAULT_RELEASE",
    "ChartRelease",
    "install_chart",
    "node_values",
    "run_chart_for_up",
]

DEFAULT_RELEASE = "fog-compute"
DEFAULT_NAMESPACE = "fog-system"
# host-0's EdgeDevice policy (a shared build machine); applied once the chart's CRDs exist.
HOST_EDGE_DEVICE = repo_root() / "samples" / "real-node" / "edgedevice-host-0.yaml"


class _Cluster(Protocol):
    state_dir: Path

    def helm(self, *args: str, check: bool = ..., timeout: float = ...) -> Any: ...

    def kubectl(
        self,
        *args: str,
        input: str | None = ...,  # noqa: A002 - mirrors subprocess.run
        check: bool = ...,
        timeout: float = ...,
    ) -> Any: ...


@dataclass(frozen=True)
class ChartRelease:
    """An installed release."""

    name: str
    namespace: str
    values_file: Path


def node_values() -> dict[str, Any]:
    """Values that run the chart's operator and edge agent on the test bed's real node: the
    chart's defaults (pod network, probes, read-only root) plus the node and images that are never
    pulled. The agent's DaemonSet selects nodes labelled as host-0 is, edge nodes that are real:
    the kwok edge nodes run nothing (``make up`` gives them agent processes of their own)."""
    return {
        "image": {"pullPolicy": "Never"},
        "nodeSelector": {"kubernetes.io/hostname": NODE_NAME},
        "edgeAgent": {
            "enabled": True,
            "image": {"pullPolicy": "Never"},
            "nodeSelector": dict(NODE_LABELS),
        },
    }


def install_chart(
    cluster: _Cluster,
    *,
    release: str = DEFAULT_RELEASE,
    namespace: str = DEFAULT_NAMESPACE,
    extra_values: dict[str, Any] | None = None,
    timeout_s: int = 240,
) -> ChartRelease:
    """``helm upgrade --install --wait`` the chart onto the real node; returns once it is Ready."""
    values = node_values()
    for key, value in (extra_values or {}).items():
        values[key] = value
    path = cluster.state_dir / f"values-{release}.json"
    path.write_text(json.dumps(values, indent=2))
    cluster.helm(
        "upgrade",
        "--install",
        release,
        str(repo_root() / "charts" / "fog-compute"),
        "--namespace",
        namespace,
        "--create-namespace",
        "--values",
        str(path),
        "--wait",
        f"--timeout={timeout_s}s",
        timeout=timeout_s + 60,
    )
    # The agent may already have created the device with the default policy: apply over it.
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(HOST_EDGE_DEVICE))
    return ChartRelease(name=release, namespace=namespace, values_file=path)


def run_chart_for_up(cluster: _Cluster) -> str:
    """``make up`` on the real node: the chart's operator pod (CRDs already applied by ``up``)
    with the chart's bundled PostgreSQL as its ledger (``bundledledger``), and the samples that
    run on host-0; returns a line saying where the operator is."""
    values: dict[str, Any] = {"crds": {"enabled": False, "keep": True}}
    values.update(bundled_ledger_values(cluster))
    release = install_chart(cluster, extra_values=values)
    cluster.kubectl("apply", "-f", str(repo_root() / "samples" / "real-node"))
    where = f"helm release {release.name} in {release.namespace}"
    ledger = f"statefulset/{release.name}-ledger-postgres"
    return (
        f"the chart's pod on {NODE_NAME}, with its edge-agent DaemonSet there ({where}); "
        f"ledger: the chart's bundled PostgreSQL ({ledger}), {sample_stake_line(cluster)}"
    )
