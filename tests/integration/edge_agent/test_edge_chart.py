"""The chart's edge agent: lint, render (restricted DaemonSet, least-privilege RBAC), schema, and
the DaemonSet scheduled on exactly the edge nodes of the real control plane."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.processes import TestbedError, wait_for

CHART = Path(__file__).resolve().parents[3] / "charts" / "fog-compute"
ON = ("--set", "edgeAgent.enabled=true")


def render(plane: ControlPlane, *args: str, namespace: str = "fog") -> list[dict[str, Any]]:
    out = plane.helm("template", "rel", str(CHART), "--namespace", namespace, *args).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


def one(docs: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (doc,) = [d for d in docs if d["kind"] == kind]
    return doc


def agent_docs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        d
        for d in docs
        if d["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "edge-agent"
    ]


def test_lint_passes_with_the_agent_on(control_plane: ControlPlane) -> None:
    out = control_plane.helm("lint", str(CHART), "--strict", *ON).stdout
    assert "0 chart(s) failed" in out


def test_the_agent_is_on_by_default_on_edge_nodes_only(control_plane: ControlPlane) -> None:
    docs = agent_docs(render(control_plane))
    kinds = sorted(d["kind"] for d in docs)
    assert kinds == [
        "ClusterRole",
        "ClusterRoleBinding",
        "DaemonSet",
        "ServiceAccount",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
    ]
    pod = one(docs, "DaemonSet")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"fogcompute.io/edge": "true"}
    assert agent_docs(render(control_plane, "--set", "edgeAgent.enabled=false")) == []


def test_daemonset_is_restricted_and_reads_the_host_read_only(control_plane: ControlPlane) -> None:
    docs = render(control_plane, *ON)
    ds = one(docs, "DaemonSet")
    pod = ds["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["nodeSelector"] == {"fogcompute.io/edge": "true"}
    assert pod["tolerations"] == [{"operator": "Exists"}]
    assert pod["serviceAccountName"] == "rel-fog-compute-edge-agent"
    assert not pod.get("hostPID")
    assert not pod.get("hostNetwork")
    assert pod["securityContext"]["runAsNonRoot"] is True
    security = container["securityContext"]
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert "privileged" not in security
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    for path in ("/host/proc", "/host/sys", "/host/dev/input", "/host/dev/pts"):
        assert mounts[path]["readOnly"] is True
    assert not mounts["/var/lib/fog-edge-agent"].get("readOnly")
    host_paths = {v["hostPath"]["path"] for v in pod["volumes"] if "hostPath" in v}
    assert host_paths == {"/proc", "/sys", "/dev/input", "/dev/pts"}
    assert "--host-root=/host" in container["args"]
    env = {e["name"]: e for e in container["env"]}
    assert env["NODE_NAME"]["valueFrom"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    # The hosted mixnode binds and publishes the pod's address, on the port it declares.
    assert env["FOG_EDGE_MIXNODE_HOST"]["valueFrom"] == {"fieldRef": {"fieldPath": "status.podIP"}}
    assert env["FOG_EDGE_MIXNODE_PORT"]["value"] == "9001"
    ports = {p["name"]: p for p in container["ports"]}
    assert (ports["mixnet"]["containerPort"], ports["mixnet"]["protocol"]) == (9001, "UDP")
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "metrics"}
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]["memory"]
    assert container["image"] == "ghcr.io/fog-compute/edge-agent:0.1.0"


def test_ble_mounts_only_the_dbus_socket(control_plane: ControlPlane) -> None:
    docs = render(control_plane, *ON, "--set", "edgeAgent.ble.backend=bleak")
    pod = one(docs, "DaemonSet")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    dbus = [v for v in pod["volumes"] if v["name"] == "dbus"]
    assert dbus == [
        {"name": "dbus", "hostPath": {"path": "/run/dbus/system_bus_socket", "type": "Socket"}}
    ]
    assert {
        "name": "dbus",
        "mountPath": "/run/dbus/system_bus_socket",
        "readOnly": True,
    } in container["volumeMounts"]
    assert "--ble-backend=bleak" in container["args"]


def test_logind_mounts_the_dbus_socket_and_passes_the_flag(control_plane: ControlPlane) -> None:
    plain = one(render(control_plane, *ON), "DaemonSet")["spec"]["template"]["spec"]
    assert not [v for v in plain["volumes"] if v["name"] == "dbus"]
    docs = render(control_plane, *ON, "--set", "edgeAgent.logind=true")
    pod = one(docs, "DaemonSet")["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert "--logind" in container["args"]
    assert [v["name"] for v in pod["volumes"] if v["name"] == "dbus"] == ["dbus"]


def test_rbac_is_least_privilege(control_plane: ControlPlane) -> None:
    docs = agent_docs(render(control_plane, *ON))
    role = one(docs, "ClusterRole")
    rules = {(tuple(r["apiGroups"]), tuple(r["resources"])): set(r["verbs"]) for r in role["rules"]}
    assert rules == {
        (("fogcompute.io",), ("edgedevices",)): {"get", "create"},
        (("fogcompute.io",), ("edgedevices/status",)): {"get", "patch"},
        (("",), ("pods",)): {"list"},
        (("",), ("pods/eviction",)): {"create"},
        # The hosted mixnode (mixnet issue): its MixNode's status and the signed directory.
        (("fogcompute.io",), ("mixnodes",)): {"list"},
        (("fogcompute.io",), ("mixnodes/status",)): {"patch"},
        (("",), ("configmaps",)): {"get"},
    }
    (configmaps,) = [r for r in role["rules"] if r["resources"] == ["configmaps"]]
    assert configmaps["resourceNames"] == ["fog-mixnet-directory"]
    assert not any("*" in r["verbs"] or "*" in r["resources"] for r in role["rules"])
    policy = one(docs, "ValidatingAdmissionPolicy")
    condition = policy["spec"]["matchConditions"][0]["expression"]
    assert "system:serviceaccount:fog:rel-fog-compute-edge-agent" in condition
    binding = one(docs, "ValidatingAdmissionPolicyBinding")
    assert binding["spec"]["policyName"] == policy["metadata"]["name"]
    assert binding["spec"]["validationActions"] == ["Deny"]


@pytest.mark.parametrize(
    ("setting", "field"),
    [
        ("edgeAgent.ble.backend=radio", "backend"),
        ("edgeAgent.metricsPort=0", "metricsPort"),
        ("edgeAgent.probeIntervals=1", "probeIntervals"),
        # Removing the only label would put the default-on DaemonSet on every node.
        ("edgeAgent.nodeSelector.fogcompute\\.io/edge=null", "nodeSelector"),
    ],
)
def test_schema_refuses_bad_values(control_plane: ControlPlane, setting: str, field: str) -> None:
    with pytest.raises(TestbedError, match=field):
        render(control_plane, *ON, "--set", setting)


def test_daemonset_runs_on_every_edge_node_and_only_there(
    control_plane: ControlPlane, namespace: str
) -> None:
    plane = control_plane
    docs = render(
        plane,
        *ON,
        "--set",
        "edgeAgent.admissionPolicy.enabled=false",
        "--show-only",
        "templates/edge-agent-rbac.yaml",
        "--show-only",
        "templates/edge-agent-daemonset.yaml",
        namespace=namespace,
    )
    plane.kubectl(
        "apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": docs})
    )
    nodes = json.loads(
        plane.kubectl("get", "nodes", "-l", "fogcompute.io/edge=true", "-o", "json").stdout
    )
    edge = {n["metadata"]["name"] for n in nodes["items"]}

    def placed() -> set[str] | None:
        pods = json.loads(plane.kubectl("get", "pods", "-n", namespace, "-o", "json").stdout)[
            "items"
        ]
        where = {p["spec"].get("nodeName") for p in pods}
        return where if where == edge and len(pods) == len(edge) else None

    try:
        wait_for(placed, what=f"one agent pod on each of {sorted(edge)}", timeout=90)
    finally:
        cluster_scoped = [d for d in docs if d["kind"] in ("ClusterRole", "ClusterRoleBinding")]
        plane.kubectl(
            "delete",
            "-f",
            "-",
            "--wait=false",
            check=False,
            input=json.dumps({"apiVersion": "v1", "kind": "List", "items": cluster_scoped}),
        )
