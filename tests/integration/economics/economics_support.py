"""Manifests and waits shared by the economics integration tests."""

from __future__ import annotations

import json
import uuid
from typing import Any

from operator_cluster import Cluster


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def stake(
    name: str, *, account: str, amount: int, kind: str, target: str, **spec: Any
) -> dict[str, Any]:
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "Stake",
        "metadata": {"name": name},
        "spec": {
            "account": account,
            "target": {"kind": kind, "name": target},
            "amount": str(amount),
            **spec,
        },
    }


CREATED: list[tuple[str, str]] = []
"""Cluster-scoped objects a test made (kind, name); the ``cluster`` fixture deletes them, so
no MixNode or EdgeDevice of these tests lingers into later modules."""


def apply_cluster_scoped(cluster: Cluster, manifest: dict[str, Any]) -> None:
    cluster.kubectl("apply", "-f", "-", input=json.dumps(manifest))
    CREATED.append((manifest["kind"].lower(), manifest["metadata"]["name"]))


def get_cluster_scoped(cluster: Cluster, kind: str, name: str) -> dict[str, Any]:
    result = cluster.kubectl("get", kind, name, "-o", "json", check=False)
    return json.loads(result.stdout) if result.returncode == 0 else {}


def ghost_device(cluster: Cluster) -> str:
    """An EdgeDevice whose agent never reports: the operator turns it Ready=Unknown."""
    name = unique("ghost")
    apply_cluster_scoped(
        cluster,
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "EdgeDevice",
            "metadata": {"name": name},
            "spec": {"nodeName": name},
        },
    )
    return name


def mixnode(cluster: Cluster, *, reliability: float) -> str:
    name = unique("mix")
    apply_cluster_scoped(
        cluster,
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "MixNode",
            "metadata": {"name": name},
            "spec": {"nodeName": name},
        },
    )
    set_reliability(cluster, name, reliability)
    return name


def set_reliability(cluster: Cluster, name: str, reliability: float) -> None:
    patch = json.dumps({"status": {"reliability": reliability}})
    cluster.kubectl("patch", "mixnode", name, "--subresource=status", "--type=merge", "-p", patch)


def status_of(cluster: Cluster, name: str) -> dict[str, Any]:
    return (cluster.get("stake", name) or {}).get("status") or {}


def wait_stake(
    cluster: Cluster, name: str, what: str, test: Any, timeout: float = 60
) -> dict[str, Any]:
    def probe() -> tuple[dict[str, Any] | None, Any]:
        status = status_of(cluster, name)
        return (status if status and test(status) else None), status

    return cluster.wait_for(f"Stake {name}: {what}", probe, timeout)


def condition(status: dict[str, Any], type_: str) -> dict[str, Any]:
    for found in status.get("conditions") or ():
        if found["type"] == type_:
            return dict(found)
    return {}


def stake_events(cluster: Cluster, name: str) -> list[str]:
    selector = f"involvedObject.name={name},involvedObject.kind=Stake"
    result = cluster.kubectl(
        "get", "events", "-n", cluster.namespace, "--field-selector", selector, "-o", "json"
    )
    return [e["reason"] for e in json.loads(result.stdout)["items"]]
