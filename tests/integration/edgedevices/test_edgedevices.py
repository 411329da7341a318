"""The EdgeDevice controller against the real control plane, with the operator as a process.

An agent's reports are written with the admin client (``edgedevice_agent``); the tests assert
what the API server then holds: conditions, Events, FogJob placements and pods. Harvest work
is steered with a node label both ``edge-2`` and ``fog-3`` carry, so the only other place a
FogJob may go is fog-3.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from edgedevice_agent import ReportingAgent
from operator_cluster import Cluster, condition, fogjob

DEVICE = "edge-2"
OTHER = "fog-3"
STEER = "h7.fogcompute.io/harvest-test"
BOUND = 4  # spec.reporting.staleAfterSeconds of the device under test


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def device(control_plane: Any, fog_operator: Any) -> Iterator[ReportingAgent]:
    del fog_operator
    manifest = {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "EdgeDevice",
        "metadata": {"name": DEVICE},
        "spec": {
            "nodeName": DEVICE,
            "reporting": {"reportIntervalSeconds": 1, "staleAfterSeconds": BOUND},
        },
    }
    control_plane.kubectl("apply", "-f", "-", input=json.dumps(manifest))
    agent = ReportingAgent(control_plane, DEVICE, interval=1.0)
    try:
        yield agent
    finally:
        agent.stop()
        control_plane.kubectl("delete", "edgedevice", DEVICE, "--wait=false", check=False)


def device_condition(cluster: Cluster, type_: str) -> dict[str, Any] | None:
    result = cluster.kubectl("get", "edgedevice", DEVICE, "-o", "json", check=False)
    return condition(json.loads(result.stdout), type_) if result.returncode == 0 else None


def wait_condition(
    cluster: Cluster, type_: str, status: str, timeout: float = 30
) -> dict[str, Any]:
    def probe() -> tuple[dict[str, Any] | None, Any]:
        found = device_condition(cluster, type_)
        return (found if found and found["status"] == status else None), found

    return cluster.wait_for(f"EdgeDevice {DEVICE} {type_}={status}", probe, timeout)


def device_events(cluster: Cluster) -> list[str]:
    selector = f"involvedObject.name={DEVICE},involvedObject.kind=EdgeDevice"
    result = cluster.kubectl(
        "get", "events", "-n", "default", "--field-selector", selector, "-o", "json"
    )
    return [e["reason"] for e in json.loads(result.stdout)["items"]]


def test_a_silent_agent_turns_ready_unknown_within_its_bound(
    cluster: Cluster, device: ReportingAgent
) -> None:
    device.set(harvestable=True, harvestReason="Idle", power={"source": "AC"})
    device.start()
    ready = wait_condition(cluster, "Ready", "True")
    assert ready["reason"] == "AgentReporting"
    harvestable = wait_condition(cluster, "Harvestable", "True")
    assert harvestable["reason"] == "Idle"
    found = device_condition(cluster, "NodeFound")
    assert found is not None
    assert found["status"] == "True"
    header, row = cluster.kubectl("get", "edgedevice", DEVICE).stdout.splitlines()[:2]
    assert header.split()[:4] == ["NAME", "READY", "HARVESTABLE", "POWER"]
    assert "LAST REPORT" in header
    assert row.split()[:4] == [DEVICE, "True", "true", "AC"]

    device.stop()
    body = json.loads(cluster.kubectl("get", "edgedevice", DEVICE, "-o", "json").stdout)
    last = _time(body["status"]["lastReportTime"])
    silent = wait_condition(cluster, "Ready", "Unknown", timeout=BOUND + 20)
    assert silent["reason"] == "AgentSilent"
    went = _time(silent["lastTransitionTime"])
    # Not before the bound, and within it plus the requeue slack and one-second timestamps.
    assert BOUND - 1 <= (went - last).total_seconds() <= BOUND + 3, (last, went)
    assert (device_condition(cluster, "Harvestable") or {}).get("status") == "Unknown"
    cluster.wait_for(
        "the AgentSilent Event",
        lambda: (True if "AgentSilent" in (seen := device_events(cluster)) else None, seen),
    )


@pytest.fixture
def steered(control_plane: Any) -> Iterator[None]:
    """edge-2 and fog-3 carry the steering label; fog-3 starts cordoned."""
    for node in (DEVICE, OTHER):
        control_plane.kubectl("label", "node", node, f"{STEER}=yes", "--overwrite")
    control_plane.kubectl("cordon", OTHER)
    try:
        yield
    finally:
        control_plane.kubectl("uncordon", OTHER, check=False)
        for node in (DEVICE, OTHER):
            control_plane.kubectl("label", "node", node, f"{STEER}-", check=False)


def test_not_harvestable_evicts_harvest_pods_and_their_work_is_placed_elsewhere(
    cluster: Cluster, device: ReportingAgent, steered: None
) -> None:
    del steered
    device.set(harvestable=True, harvestReason="Idle")
    device.start()
    wait_condition(cluster, "Harvestable", "True")
    cluster.apply(fogjob("harvest", allowHarvested=True, nodeSelector={STEER: "yes"}))
    first = cluster.wait_job(
        "harvest", "Running", lambda j: (j.get("status") or {}).get("phase") == "Running"
    )
    (assignment,) = first["status"]["placement"]["assignments"]
    assert (assignment["node"], assignment["harvested"]) == (DEVICE, True)
    (pod,) = cluster.pods("harvest")
    assert pod["metadata"]["labels"]["fogcompute.io/harvest"] == "true"

    cluster.kubectl("uncordon", OTHER)
    device.set(harvestable=False, harvestReason="TooHot", harvestMessage="47 C")
    device.report()
    wait_condition(cluster, "Harvestable", "False")

    def replaced(job: dict[str, Any]) -> bool:
        status = job.get("status") or {}
        attempts = status.get("attempts") or []
        return len(attempts) >= 2 and status.get("phase") == "Running"

    job = cluster.wait_job("harvest", "placed again and Running", replaced)
    attempts = job["status"]["attempts"]
    assert attempts[0]["outcome"] == "Evicted"
    assert attempts[1]["nodes"] == [OTHER]
    assert job["status"]["evictions"] == 1
    assert job["status"].get("failures", 0) == 0

    def first_pod_gone() -> tuple[bool | None, Any]:
        names = [p["metadata"]["name"] for p in cluster.pods("harvest")]
        return (True if "harvest-1-0" not in names else None), names

    cluster.wait_for("the evicted pod harvest-1-0 to be deleted", first_pod_gone)
    assert "HarvestPodsEvicted" in device_events(cluster)
