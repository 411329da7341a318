"""End to end on the real node: the chart's operator pod runs FogJobs whose containers really run.

The operator is the chart's Deployment on ``host-0`` (offline image, ServiceAccount, RBAC,
probes, read-only root); ``host-0`` is an edge node, so the chart's edge-agent DaemonSet runs
there and reports its EdgeDevice from this machine. FogJobs select ``host-0`` (allowing harvested
devices) so their busybox pods run under containerd and runc. Scenarios: the agent's pod Ready
and host-0 harvestable; success with ``kubectl logs`` showing the output; exit 1 retried per
``backoffLimit`` and failed with the exit code in the status (``attempts[].exitCode``,
``lastExitCode``, the wide printer column); the operator SIGKILLed mid-job and restarted by
the kubelet with the job finishing on one pod; the agent evicting harvest work when host-0's
readings break its policy; ``helm uninstall`` keeping the CRDs.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from typing import Any

from e2e_support import get_json, wait_until
from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.imagespecs import BUSYBOX
from fogcompute_testbed.nodeconfig import NODE_NAME
from fogcompute_testbed.release import ChartRelease

LABEL_FOGJOB = "fogcompute.io/fogjob"
BUSYBOX_IMAGE = BUSYBOX.refs[0]  # Debian's busybox-static, imported offline


def _fogjob(name: str, script: str, *, backoff_limit: int = 0) -> dict[str, Any]:
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "FogJob",
        "metadata": {"name": name},
        "spec": {
            "tier": "gold",
            "container": {"image": BUSYBOX_IMAGE, "command": ["sh", "-c"], "args": [script]},
            "resources": {"cpu": "50m", "memory": "32Mi"},
            "replicas": 1,
            "minAvailable": 1,
            "backoffLimit": backoff_limit,
            # host-0 is an edge node: a harvested device, used while its agent says harvestable.
            "allowHarvested": True,
            "nodeSelector": {"kubernetes.io/hostname": NODE_NAME},
            "deadline": "2099-01-01T00:00:00Z",
        },
    }


def _wait_phase(plane: ControlPlane, namespace: str, name: str, phase: str) -> None:
    deadline = time.monotonic() + 240
    status: dict[str, Any] = {}
    while time.monotonic() < deadline:
        status = get_json(plane, "fogjob", name, "-n", namespace).get("status") or {}
        if status.get("phase") == phase:
            return
        time.sleep(1)
    raise AssertionError(f"FogJob {name} never reached {phase}; status: {json.dumps(status)}")


def _job_pods(plane: ControlPlane, namespace: str, name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = get_json(
        plane, "pods", "-n", namespace, "-l", f"{LABEL_FOGJOB}={name}"
    )["items"]
    return items


def _release_pod(plane: ControlPlane, release: ChartRelease, component: str) -> dict[str, Any]:
    selector = f"app.kubernetes.io/instance={release.name},app.kubernetes.io/component={component}"
    pods = get_json(plane, "pods", "-n", release.namespace, "-l", selector)["items"]
    assert len(pods) == 1, [p["metadata"]["name"] for p in pods]
    pod: dict[str, Any] = pods[0]
    return pod


def _operator_pod(plane: ControlPlane, release: ChartRelease) -> dict[str, Any]:
    return _release_pod(plane, release, "operator")


def test_the_chart_runs_the_operator_as_a_pod_on_host_0(
    control_plane: ControlPlane, release: ChartRelease
) -> None:
    pod = _operator_pod(control_plane, release)
    assert pod["spec"]["nodeName"] == NODE_NAME
    assert pod["status"]["phase"] == "Running"
    # On the pod network: it reaches the API server through the kubernetes Service.
    assert not pod["spec"].get("hostNetwork")
    assert pod["status"]["podIP"].startswith("10.244.")
    (container,) = pod["status"]["containerStatuses"]
    assert container["ready"] is True
    assert container["image"] == "ghcr.io/fog-compute/operator:0.1.0"
    assert container["containerID"].startswith("containerd://")
    security = pod["spec"]["containers"][0]["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["runAsUser"] == 65532
    # The process really runs as 65532 on a read-only root: exec goes through the kubelet.
    ident = control_plane.kubectl(
        "exec",
        "-n",
        release.namespace,
        pod["metadata"]["name"],
        "--",
        "python",
        "-c",
        "import os, pathlib; print(os.getuid());"
        " p = pathlib.Path('/usr/probe');"
        " print('writable' if os.access('/usr', os.W_OK) else 'read-only')",
    ).stdout.split()
    assert ident == ["65532", "read-only"]


def test_host_0_is_an_edge_node_whose_agent_pod_reports_this_machine(
    control_plane: ControlPlane, release: ChartRelease
) -> None:
    node = get_json(control_plane, "node", NODE_NAME)
    assert node["metadata"]["labels"]["fogcompute.io/edge"] == "true"

    def ready_agent() -> dict[str, Any] | None:
        pod = _release_pod(control_plane, release, "edge-agent")
        statuses = pod["status"].get("containerStatuses") or [{}]
        return pod if statuses[0].get("ready") is True else None

    # helm --wait does not wait for it: a DaemonSet of one with maxUnavailable 1 counts as ready.
    pod = wait_until("the edge agent's pod on host-0 to be Ready", ready_agent, timeout=120)
    assert pod["spec"]["nodeName"] == NODE_NAME
    assert pod["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet"
    assert pod["status"]["phase"] == "Running"
    (container,) = pod["status"]["containerStatuses"]
    assert container["restartCount"] == 0
    assert container["image"] == "ghcr.io/fog-compute/edge-agent:0.1.0"
    assert container["containerID"].startswith("containerd://")
    security = pod["spec"]["containers"][0]["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["runAsUser"] == 65532
    mounts = {m["mountPath"]: m for m in pod["spec"]["containers"][0]["volumeMounts"]}
    assert mounts["/host/proc"]["readOnly"] is True
    assert mounts["/host/sys"]["readOnly"] is True

    def harvestable_report() -> dict[str, Any] | None:
        device = get_json(control_plane, "edgedevice", NODE_NAME)
        status: dict[str, Any] = device.get("status") or {}
        return status if status.get("harvestable") is True else None

    # The agent's readings of this machine, under host-0's policy (samples/real-node).
    status = wait_until(
        "host-0's EdgeDevice to report harvestable", harvestable_report, timeout=120
    )
    assert status["lastReportTime"]
    assert int(status["capacity"]["cpu"]) == os.cpu_count()
    assert status["power"]["source"] in ("AC", "Unknown")
    cpu = status["idle"]["foreignCpuPercent"]
    assert 0 <= cpu <= 100
    device = get_json(control_plane, "edgedevice", NODE_NAME)
    assert device["spec"]["policy"]["maxForeignCpuPercent"] == 100
    conditions = {c["type"]: c["status"] for c in status.get("conditions") or ()}
    assert conditions.get("Ready") == "True", status


def test_a_fogjob_runs_busybox_for_real_and_succeeds(
    control_plane: ControlPlane, release: ChartRelease, namespace: str
) -> None:
    marker = f"hello-{uuid.uuid4().hex[:8]}"
    job = _fogjob("hello", f"echo {marker} from $(hostname) && sleep 1")
    control_plane.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(job))
    _wait_phase(control_plane, namespace, "hello", "Succeeded")
    (pod,) = _job_pods(control_plane, namespace, "hello")
    assert pod["spec"]["nodeName"] == NODE_NAME
    # Placed on host-0 as on a harvested edge device.
    status = get_json(control_plane, "fogjob", "hello", "-n", namespace)["status"]
    (assignment,) = status["placement"]["assignments"]
    assert (assignment["node"], assignment["harvested"]) == (NODE_NAME, True)
    assert pod["metadata"]["labels"]["fogcompute.io/harvest"] == "true"  # the agent may evict it
    assert status["lastExitCode"] == 0
    assert pod["status"]["phase"] == "Succeeded"
    assert pod["status"]["podIP"].startswith("10.244.")
    (container,) = pod["status"]["containerStatuses"]
    assert container["image"] == BUSYBOX_IMAGE
    assert container["state"]["terminated"]["exitCode"] == 0
    logs = control_plane.kubectl("logs", "-n", namespace, pod["metadata"]["name"]).stdout
    assert logs.split() == [marker, "from", pod["metadata"]["name"]]


def test_a_failing_fogjob_is_retried_and_fails_with_the_exit_code(
    control_plane: ControlPlane, release: ChartRelease, namespace: str
) -> None:
    job = _fogjob("broken", "echo failing; exit 1", backoff_limit=1)
    control_plane.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(job))
    _wait_phase(control_plane, namespace, "broken", "Failed")
    status = get_json(control_plane, "fogjob", "broken", "-n", namespace)["status"]
    assert status["failures"] == 2  # the first run and one retry (backoffLimit 1)
    pods = _job_pods(control_plane, namespace, "broken")
    assert len(pods) == 2
    for pod in pods:
        (container,) = pod["status"]["containerStatuses"]
        assert container["state"]["terminated"]["exitCode"] == 1
        logs = control_plane.kubectl("logs", "-n", namespace, pod["metadata"]["name"]).stdout
        assert logs.split() == ["failing"]
    # The exit code is structured status, not only words in a message.
    failed = [a for a in status["attempts"] if a["outcome"] == "Failed"]
    assert [a["exitCode"] for a in failed] == [1, 1], failed
    assert status["lastExitCode"] == 1
    assert all("exited with code 1" in a["message"] for a in failed), failed
    wide = control_plane.kubectl("get", "fogjob", "broken", "-n", namespace, "-o", "wide").stdout
    header, row = wide.splitlines()
    assert row[header.index("EXIT CODE") :].split()[0] == "1", wide  # columns are aligned


def test_the_kubelet_restarts_a_killed_operator_and_the_job_finishes_on_one_pod(
    control_plane: ControlPlane, release: ChartRelease, namespace: str
) -> None:
    assert control_plane.node is not None
    job = _fogjob("steady", "echo started; sleep 20; echo done")
    control_plane.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(job))
    wait_until(
        "the job's pod to run",
        lambda: any(
            p["status"].get("phase") == "Running"
            for p in _job_pods(control_plane, namespace, "steady")
        ),
    )
    before = _operator_pod(control_plane, release)
    restarts = before["status"]["containerStatuses"][0]["restartCount"]
    container_id = before["status"]["containerStatuses"][0]["containerID"].split("://", 1)[1]
    control_plane.node.ctr("tasks", "kill", "--signal", "SIGKILL", container_id)

    def restarted() -> bool:
        status = _operator_pod(control_plane, release)["status"]["containerStatuses"][0]
        return bool(status["restartCount"] > restarts and status["ready"])

    wait_until("the kubelet to restart the operator", restarted)
    after = _operator_pod(control_plane, release)
    assert after["metadata"]["uid"] == before["metadata"]["uid"]  # restarted, not replaced
    assert after["status"]["containerStatuses"][0]["lastState"]["terminated"]["exitCode"] == 137
    _wait_phase(control_plane, namespace, "steady", "Succeeded")
    pods = _job_pods(control_plane, namespace, "steady")
    assert len(pods) == 1, [p["metadata"]["name"] for p in pods]
    logs = control_plane.kubectl("logs", "-n", namespace, pods[0]["metadata"]["name"]).stdout
    assert logs.split() == ["started", "done"]


def _set_max_foreign_cpu(plane: ControlPlane, percent: int) -> None:
    patch = json.dumps({"spec": {"policy": {"maxForeignCpuPercent": percent}}})
    plane.kubectl("patch", "edgedevice", NODE_NAME, "--type=merge", "-p", patch)


def test_the_agent_on_host_0_evicts_harvest_work_when_harvesting_stops(
    control_plane: ControlPlane, release: ChartRelease, namespace: str
) -> None:
    """The DaemonSet's agent revokes for real: host-0's policy tightened so that this machine's
    own load (the control plane's processes, at least) breaks it, the agent judges its readings
    ineligible and evicts the running FogJob pod through the Eviction API before it reports (the
    operator only mirrors the report, so the agent acts first); the job is placed again once
    host-0 is harvestable again and finishes, with one eviction and no failure."""
    job = _fogjob("revoked", "echo started; sleep 20; echo done")
    control_plane.kubectl("apply", "-n", namespace, "-f", "-", input=json.dumps(job))
    first = wait_until(
        "the job's first pod to run",
        lambda: next(
            (
                p
                for p in _job_pods(control_plane, namespace, "revoked")
                if p["status"].get("phase") == "Running"
            ),
            None,
        ),
    )
    _set_max_foreign_cpu(control_plane, 0)
    try:

        def evicted() -> dict[str, Any] | None:
            status = (
                get_json(control_plane, "fogjob", "revoked", "-n", namespace).get("status") or {}
            )
            return status if status.get("evictions", 0) >= 1 else None

        status = wait_until("the agent to evict the harvest pod", evicted, timeout=90)
        assert status["failures"] == 0
        assert status["attempts"][0]["outcome"] == "Evicted", status["attempts"]
        agent = _release_pod(control_plane, release, "edge-agent")["metadata"]["name"]
        agent_log = control_plane.kubectl("logs", "-n", release.namespace, agent).stdout
        assert "harvest pods evicted" in agent_log  # the agent did it, before it reported

        def not_harvestable() -> dict[str, Any] | None:
            device: dict[str, Any] = get_json(control_plane, "edgedevice", NODE_NAME)["status"]
            return device if device.get("harvestable") is False else None

        device = wait_until("host-0 to report not harvestable", not_harvestable, timeout=30)
        assert device["harvestReason"] == "ForeignLoad", device
    finally:
        _set_max_foreign_cpu(control_plane, 100)  # samples/real-node/edgedevice-host-0.yaml
    _wait_phase(control_plane, namespace, "revoked", "Succeeded")
    status = get_json(control_plane, "fogjob", "revoked", "-n", namespace)["status"]
    assert (status["evictions"], status["failures"]) == (1, 0)
    assert [a["outcome"] for a in status["attempts"]] == ["Evicted", "Succeeded"]
    first_name = first["metadata"]["name"]

    def without_the_evicted_pod() -> list[dict[str, Any]] | None:
        pods = _job_pods(control_plane, namespace, "revoked")
        return None if any(p["metadata"]["name"] == first_name for p in pods) else pods

    # Its grace period may outlast the retry: wait for it rather than race it.
    pods = wait_until("the evicted pod to go", without_the_evicted_pod, timeout=60)
    (last,) = pods
    logs = control_plane.kubectl("logs", "-n", namespace, last["metadata"]["name"]).stdout
    assert logs.split() == ["started", "done"]


def test_zz_helm_uninstall_removes_everything_but_the_crds(
    control_plane: ControlPlane, release: ChartRelease
) -> None:
    """Runs last in this module (name order): it removes the session's release."""
    crds_before = {
        c["metadata"]["name"]
        for c in get_json(control_plane, "crd")["items"]
        if c["metadata"]["name"].endswith(".fogcompute.io")
    }
    assert crds_before
    control_plane.helm("uninstall", release.name, "-n", release.namespace, "--wait")
    selector = f"app.kubernetes.io/instance={release.name}"
    kinds = (
        "deployments,replicasets,daemonsets,services,serviceaccounts,roles,rolebindings,configmaps"
    )
    left = get_json(control_plane, kinds, "-n", release.namespace, "-l", selector)["items"]
    assert left == []
    cluster_left = get_json(control_plane, "clusterroles,clusterrolebindings", "-l", selector)[
        "items"
    ]
    assert cluster_left == []
    wait_until(
        "the operator and edge-agent pods to go",
        lambda: (
            not get_json(control_plane, "pods", "-n", release.namespace, "-l", selector)["items"]
        ),
    )
    crds_after = {
        c["metadata"]["name"]
        for c in get_json(control_plane, "crd")["items"]
        if c["metadata"]["name"].endswith(".fogcompute.io")
    }
    assert crds_after == crds_before
