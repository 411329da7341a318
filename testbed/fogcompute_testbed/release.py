"""The chart installed for real: ``helm install`` of charts/fog-compute onto the real node.

Used by ``make up`` and the end-to-end tests once ``host-0`` is Ready with the offline images
imported. The values pin the operator's pod to ``host-0``, never pull its image, and, because
the test bed has no Service proxy, run it in the node's network namespace with
``KUBERNETES_SERVICE_HOST``/``PORT`` naming the API server on loopback and free ports for its
probes. Everything else is the chart's own defaults (ServiceAccount, RBAC, probes, read-only root).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from fogcompute_testbed.nodeconfig import NODE_NAME
from fogcompute_testbed.processes import free_port
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


class _Cluster(Protocol):
    server: str
    state_dir: Path

    def helm(self, *args: str, check: bool = ..., timeout: float = ...) -> Any: ...

    def kubectl(self, *args: str, check: bool = ..., timeout: float = ...) -> Any: ...


@dataclass(frozen=True)
class ChartRelease:
    """An installed release and the ports its operator listens on (on the node)."""

    name: str
    namespace: str
    values_file: Path
    metrics_port: int
    health_port: int


def node_values(*, server: str, metrics_port: int, health_port: int) -> dict[str, Any]:
    """Values that run the chart's operator on the test bed's real node."""
    api = urlsplit(server)
    return {
        "image": {"pullPolicy": "Never"},
        "nodeSelector": {"kubernetes.io/hostname": NODE_NAME},
        "operator": {
            "hostNetwork": True,
            "metricsPort": metrics_port,
            "healthPort": health_port,
            "extraEnv": [
                {"name": "KUBERNETES_SERVICE_HOST", "value": api.hostname or "127.0.0.1"},
                {"name": "KUBERNETES_SERVICE_PORT", "value": str(api.port or 443)},
            ],
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
    metrics, health = free_port(), free_port()
    values = node_values(server=cluster.server, metrics_port=metrics, health_port=health)
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
    return ChartRelease(
        name=release,
        namespace=namespace,
        values_file=path,
        metrics_port=metrics,
        health_port=health,
    )


def run_chart_for_up(cluster: _Cluster) -> str:
    """``make up`` on the real node: the chart's operator pod (CRDs already applied by ``up``)
    and the samples that run on host-0; returns a line saying where the operator is."""
    release = install_chart(cluster, extra_values={"crds": {"enabled": False, "keep": True}})
    cluster.kubectl("apply", "-f", str(repo_root() / "samples" / "real-node"))
    return (
        f"the chart's pod on {NODE_NAME} (helm release {release.name} in {release.namespace}; "
        f"liveness :{release.health_port}/healthz, metrics :{release.metrics_port}/metrics)"
    )
