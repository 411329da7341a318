"""The local control plane is a real one: RBAC refuses, garbage collection runs, kwok drives pods.

These tests prove the ground every other integration test stands on. They use the session's
control plane, except the restart test, which starts its own in a separate state directory.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from fogcompute_testbed.controlplane import ControlPlane, NodeSpec
from fogcompute_testbed.processes import wait_for


def _get(plane: ControlPlane, *args: str) -> dict[str, Any] | None:
    result = plane.kubectl("get", *args, "-o", "json", check=False)
    if result.returncode != 0:
        return None
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_user_without_rbac_rights_is_refused(control_plane: ControlPlane, namespace: str) -> None:
    tenant = control_plane.kubeconfig_for("tenant-without-rights", groups=["tenants"])
    refused = control_plane.kubectl("get", "pods", "-n", namespace, kubeconfig=tenant, check=False)
    assert refused.returncode != 0
    assert "forbidden" in refused.stderr.lower()
    assert 'User "tenant-without-rights"' in refused.stderr

    control_plane.kubectl(
        "create", "rolebinding", "tenant-view", "--clusterrole=view",
        "--user=tenant-without-rights", "-n", namespace,
    )  # fmt: skip
    allowed = control_plane.kubectl("get", "pods", "-n", namespace, kubeconfig=tenant, check=False)
    assert allowed.returncode == 0, allowed.stderr
    secrets = control_plane.kubectl(
        "get", "secrets", "-n", namespace, kubeconfig=tenant, check=False
    )
    assert secrets.returncode != 0
    assert "forbidden" in secrets.stderr.lower()


def test_deleting_an_owner_garbage_collects_what_it_owns(
    control_plane: ControlPlane, namespace: str
) -> None:
    control_plane.kubectl("create", "configmap", "owner", "-n", namespace)
    owner = _get(control_plane, "configmap", "owner", "-n", namespace)
    assert owner is not None
    owned = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {
            "name": "owned",
            "namespace": namespace,
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "name": "owner",
                    "uid": owner["metadata"]["uid"],
                }
            ],
        },
    }
    control_plane.kubectl("create", "-f", "-", input=json.dumps(owned))
    control_plane.kubectl("delete", "configmap", "owner", "-n", namespace, "--wait=false")
    wait_for(
        lambda: (
            True if _get(control_plane, "configmap", "owned", "-n", namespace) is None else None
        ),
        what="kube-controller-manager's garbage collector to delete configmap/owned",
        timeout=60,
    )


def _pod(name: str, namespace: str, node: str, outcome: str | None) -> dict[str, Any]:
    annotations = {"fogcompute.io/kwok-outcome": outcome} if outcome else {}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "annotations": annotations},
        "spec": {
            "nodeName": node,
            "restartPolicy": "Never",
            "containers": [{"name": "main", "image": "busybox"}],
        },
    }


def _phase(plane: ControlPlane, name: str, namespace: str) -> str:
    pod = _get(plane, "pod", name, "-n", namespace)
    return "" if pod is None else str(pod.get("status", {}).get("phase", ""))


@pytest.mark.parametrize(
    ("outcome", "final"),
    [(None, "Running"), ("Succeeded", "Succeeded"), ("Failed", "Failed")],
    ids=["running", "succeeded", "failed"],
)
def test_kwok_drives_pods_to_the_requested_outcome(
    control_plane: ControlPlane, namespace: str, outcome: str | None, final: str
) -> None:
    control_plane.kubectl(
        "create", "-f", "-", input=json.dumps(_pod("p", namespace, "fog-0", outcome))
    )
    wait_for(
        lambda: True if _phase(control_plane, "p", namespace) == final else None,
        what=f"pod p to reach {final}",
        timeout=30,
        describe=lambda: f"phase {_phase(control_plane, 'p', namespace)!r}",
    )
    if final == "Failed":
        pod = _get(control_plane, "pod", "p", "-n", namespace)
        assert pod is not None
        state = pod["status"]["containerStatuses"][0]["state"]["terminated"]
        assert state["exitCode"] == 1


def test_kube_scheduler_places_unbound_pods_on_kwok_nodes(
    control_plane: ControlPlane, namespace: str
) -> None:
    pod = _pod("sched", namespace, "", None)
    del pod["spec"]["nodeName"]
    control_plane.kubectl("create", "-f", "-", input=json.dumps(pod))
    wait_for(
        lambda: True if _phase(control_plane, "sched", namespace) == "Running" else None,
        what="kube-scheduler to bind pod sched and kwok to run it",
        timeout=30,
    )


def test_a_run_killed_with_sigkill_does_not_break_the_next(tmp_path: Path) -> None:
    state = tmp_path / "plane"
    nodes = [NodeSpec(name="solo")]
    first = ControlPlane.start(state_dir=state, nodes=nodes)
    pids = [p.popen.pid for p in first.processes]
    for pid in pids:
        os.killpg(pid, signal.SIGKILL)
    for proc in first.processes:
        proc.popen.wait(10)
    # The state directory keeps the stale pid files and etcd data of the killed run.
    assert list((state / "pids").glob("*.pid"))
    second = ControlPlane.start(state_dir=state, nodes=nodes)
    try:
        assert second.kubectl("get", "node", "solo").returncode == 0
    finally:
        second.stop()
    assert not list((state / "pids").glob("*.pid"))
