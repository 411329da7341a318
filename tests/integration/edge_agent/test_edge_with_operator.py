"""Real edge agents with the operator's EdgeDevice and FogJob controllers, as processes.

A killed agent's device turns Ready=Unknown (AgentSilent) after its silence bound; unplugging a
laptop's AC makes its agent evict the harvest pod of a bronze FogJob at once, and the FogJob
controller places the work again on another node. Harvest work is steered with a node label that
only ``edge-0`` and ``fog-2`` carry (fog-2 cordoned until the eviction), as the operator's own
EdgeDevice tests do with other nodes.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from fogcompute_testbed.agents import EdgeAgents
from fogcompute_testbed.controlplane import ControlPlane
from operator_cluster import Cluster, FogOperator, condition, fogjob

LAPTOP, SERVER, OTHER = "edge-0", "edge-1", "fog-2"
STEER = "ea.fogcompute.io/agent-harvest-test"
BOUND = 6  # spec.reporting.staleAfterSeconds of the server under test


@pytest.fixture(scope="module")
def fog_operator(
    control_plane: ControlPlane, crds: list[str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FogOperator]:
    del crds
    op = FogOperator(control_plane=control_plane, workdir=tmp_path_factory.mktemp("operator"))
    op.start()
    try:
        yield op
    finally:
        op.stop()


@pytest.fixture
def cluster(control_plane: ControlPlane, fog_operator: FogOperator, namespace: str) -> Cluster:
    return Cluster(control_plane=control_plane, operator=fog_operator, namespace=namespace)


def patch_spec(plane: ControlPlane, device: str, spec: dict[str, Any]) -> None:
    plane.kubectl("patch", "edgedevice", device, "--type=merge", "-p", json.dumps({"spec": spec}))


def device_condition(cluster: Cluster, device: str, type_: str) -> dict[str, Any] | None:
    result = cluster.kubectl("get", "edgedevice", device, "-o", "json", check=False)
    return condition(json.loads(result.stdout), type_) if result.returncode == 0 else None


def wait_condition(
    cluster: Cluster, device: str, type_: str, status: str, timeout: float = 60
) -> dict[str, Any]:
    def probe() -> tuple[dict[str, Any] | None, Any]:
        found = device_condition(cluster, device, type_)
        return (found if found and found["status"] == status else None), found

    return cluster.wait_for(f"EdgeDevice {device} {type_}={status}", probe, timeout)


def agent_evictions(agents: EdgeAgents, node: str) -> float:
    url = f"http://127.0.0.1:{agents.metrics_ports[node]}/metrics"
    with urllib.request.urlopen(url, timeout=5) as resp:
        lines = resp.read().decode().splitlines()
    wanted = 'fog_edge_evictions_total{result="accepted"}'
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(wanted))


def test_a_killed_agent_turns_its_device_unknown(
    cluster: Cluster, control_plane: ControlPlane, edge_agents: EdgeAgents
) -> None:
    cluster.wait_for(
        f"{SERVER} to exist",
        lambda: (True if device_condition(cluster, SERVER, "Ready") else None, None),
        60,
    )
    patch_spec(
        control_plane,
        SERVER,
        {"reporting": {"reportIntervalSeconds": 2, "staleAfterSeconds": BOUND}},
    )
    ready = wait_condition(cluster, SERVER, "Ready", "True")
    assert ready["reason"] == "AgentReporting"
    edge_agents.processes[SERVER].popen.kill()
    edge_agents.processes[SERVER].popen.wait(10)
    silent = wait_condition(cluster, SERVER, "Ready", "Unknown", timeout=BOUND + 30)
    assert silent["reason"] == "AgentSilent"
    assert (device_condition(cluster, SERVER, "Harvestable") or {}).get("status") == "Unknown"
    # The laptop's agent and the control plane are unaffected.
    assert (device_condition(cluster, LAPTOP, "Ready") or {}).get("status") == "True"


@pytest.fixture
def steered(control_plane: ControlPlane) -> Iterator[None]:
    for node in (LAPTOP, OTHER):
        control_plane.kubectl("label", "node", node, f"{STEER}=yes", "--overwrite")
    control_plane.kubectl("cordon", OTHER)
    try:
        yield
    finally:
        control_plane.kubectl("uncordon", OTHER, check=False)
        for node in (LAPTOP, OTHER):
            control_plane.kubectl("label", "node", node, f"{STEER}-", check=False)


def test_unplugged_laptop_evicts_a_bronze_job_that_is_placed_again(
    cluster: Cluster, control_plane: ControlPlane, edge_agents: EdgeAgents, steered: None
) -> None:
    del steered
    laptop = edge_agents.hosts[LAPTOP]
    laptop.set_ac(True)
    cluster.wait_for(
        f"{LAPTOP} to exist",
        lambda: (True if device_condition(cluster, LAPTOP, "Ready") else None, None),
        60,
    )
    patch_spec(control_plane, LAPTOP, {"policy": {"resumeDelaySeconds": 0}})
    wait_condition(cluster, LAPTOP, "Harvestable", "True")
    cluster.apply(
        fogjob("harvest", tier="bronze", allowHarvested=True, nodeSelector={STEER: "yes"})
    )
    first = cluster.wait_job(
        "harvest", "Running", lambda j: (j.get("status") or {}).get("phase") == "Running"
    )
    (assignment,) = first["status"]["placement"]["assignments"]
    assert (assignment["node"], assignment["harvested"]) == (LAPTOP, True)
    before = agent_evictions(edge_agents, LAPTOP)

    cluster.kubectl("uncordon", OTHER)
    laptop.set_ac(False)

    def replaced(job: dict[str, Any]) -> bool:
        status = job.get("status") or {}
        return len(status.get("attempts") or []) >= 2 and status.get("phase") == "Running"

    job = cluster.wait_job("harvest", "placed again and Running", replaced)
    attempts = job["status"]["attempts"]
    assert attempts[0]["outcome"] == "Evicted"
    assert attempts[1]["nodes"] == [OTHER]
    assert job["status"]["evictions"] == 1
    assert agent_evictions(edge_agents, LAPTOP) == before + 1  # the agent evicted it itself
    harvestable = wait_condition(cluster, LAPTOP, "Harvestable", "False")
    assert harvestable["reason"] == "OnBattery"
    laptop.set_ac(True)
