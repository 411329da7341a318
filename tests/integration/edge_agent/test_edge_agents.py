"""Real agent processes and the real API server: readings reach status, revocation, restarts."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from fogcompute_testbed.agents import EdgeAgents, start_edge_agents
from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.processes import wait_for

TIMEOUT = 60.0


def device(plane: ControlPlane, name: str) -> dict[str, Any]:
    out = plane.kubectl(
        "get", "edgedevice", name, "-o", "json", "--show-managed-fields", check=False
    )
    return json.loads(out.stdout) if out.returncode == 0 else {}


def status_of(plane: ControlPlane, name: str) -> dict[str, Any]:
    return dict(device(plane, name).get("status") or {})


def await_status(plane: ControlPlane, name: str, what: str, check: Any) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        status = status_of(plane, name)
        return status if status and check(status) else None

    return wait_for(
        probe,
        what=f"EdgeDevice {name}: {what}",
        timeout=TIMEOUT,
        describe=lambda: json.dumps(status_of(plane, name))[:600],
    )


def metric(agents: EdgeAgents, node: str, name: str) -> float:
    url = f"http://127.0.0.1:{agents.metrics_ports[node]}/metrics"
    with urllib.request.urlopen(url, timeout=5) as resp:
        text = resp.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(name) and not line.startswith("#")
    )


def test_readings_reach_status(control_plane: ControlPlane, edge_agents: EdgeAgents) -> None:
    laptop = await_status(
        control_plane,
        "edge-0",
        "a laptop's readings",
        lambda s: (
            s.get("power", {}).get("source") == "AC" and "foreignCpuPercent" in s.get("idle", {})
        ),
    )
    assert laptop["capacity"]["cpu"] == "4"
    assert laptop["power"]["batteryPercent"] == 100
    assert laptop["thermal"]["temperatureCelsius"] == 32.0
    assert laptop["idle"]["userIdleSeconds"] >= 3600
    assert laptop["agentVersion"].startswith("fog-edge-agent/")
    server = await_status(
        control_plane, "edge-1", "a server's readings", lambda s: "lastReportTime" in s
    )
    assert server["power"] == {"source": "Unknown"}  # no battery, no mains sensor: not invented
    unknown = {u["reading"]: u for u in server["unknownReadings"]}
    assert unknown["battery"]["reason"] == "Absent"
    assert unknown["battery"]["message"].startswith("no system battery")
    assert "unknown readings" not in server["harvestMessage"]
    managers = {m["manager"] for m in device(control_plane, "edge-0")["metadata"]["managedFields"]}
    assert "fog-edge-agent" in managers

    edge_agents.hosts["edge-0"].set_temperature(52.0)
    hot = await_status(
        control_plane,
        "edge-0",
        "the new temperature",
        lambda s: s.get("thermal", {}).get("temperatureCelsius") == 52.0,
    )
    assert hot["harvestable"] is False
    assert hot["harvestReason"] == "TooHot"
    assert metric(edge_agents, "edge-0", "fog_edge_reports_total") >= 2
    edge_agents.hosts["edge-0"].set_temperature(32.0)


def harvest_pod(name: str, node: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {"fogcompute.io/fogjob": "bronze-job", "fogcompute.io/harvest": "true"},
        },
        "spec": {
            "nodeName": node,
            "tolerations": [{"operator": "Exists"}],
            "containers": [{"name": "work", "image": "busybox:1.36"}],
        },
    }


def test_unplugging_ac_evicts_harvest_pods(
    control_plane: ControlPlane, edge_agents: EdgeAgents, namespace: str
) -> None:
    plane = control_plane
    await_status(plane, "edge-0", "a first report", lambda s: "lastReportTime" in s)
    plane.kubectl(
        "patch",
        "edgedevice",
        "edge-0",
        "--type=merge",
        "-p",
        json.dumps({"spec": {"policy": {"resumeDelaySeconds": 0}}}),
    )
    await_status(plane, "edge-0", "harvestable", lambda s: s.get("harvestable") is True)
    pods = {"items": [harvest_pod(f"h{i}", "edge-0", namespace) for i in range(3)]}
    pods["items"].append(harvest_pod("elsewhere", "fog-0", namespace))  # no agent there
    plane.kubectl(
        "apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", **pods})
    )
    wait_for(
        lambda: (
            True
            if plane.kubectl(
                "get", "pod", "h0", "h1", "h2", "-n", namespace, check=False
            ).returncode
            == 0
            else None
        ),
        what="the harvest pods to exist",
        timeout=TIMEOUT,
    )
    edge_agents.hosts["edge-0"].set_ac(False)
    await_status(
        plane, "edge-0", "not harvestable on battery", lambda s: s["harvestReason"] == "OnBattery"
    )

    def live() -> list[str]:
        out = plane.kubectl("get", "pods", "-n", namespace, "-o", "json").stdout
        items = json.loads(out)["items"]
        return [p["metadata"]["name"] for p in items if not p["metadata"].get("deletionTimestamp")]

    wait_for(
        lambda: True if live() == ["elsewhere"] else None,
        what="h0..h2 evicted, 'elsewhere' (fog-0) kept",
        timeout=TIMEOUT,
        describe=lambda: f"live pods {live()}",
    )
    assert metric(edge_agents, "edge-0", 'fog_edge_evictions_total{result="accepted"}') >= 3
    assert metric(edge_agents, "edge-0", "fog_edge_revocation_seconds_count") >= 1
    edge_agents.hosts["edge-0"].set_ac(True)


def test_a_killed_agent_breaks_nothing_and_a_new_one_resumes(
    control_plane: ControlPlane, edge_agents: EdgeAgents
) -> None:
    plane = control_plane
    first = await_status(plane, "edge-1", "a report", lambda s: "lastReportTime" in s)
    edge_agents.processes["edge-1"].popen.kill()
    edge_agents.processes["edge-1"].popen.wait(10)
    others = status_of(plane, "edge-0")["lastReportTime"]
    await_status(plane, "edge-0", "edge-0 still reporting", lambda s: s["lastReportTime"] > others)
    assert plane.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"
    assert status_of(plane, "edge-1")["lastReportTime"] >= first["lastReportTime"]
    again = start_edge_agents(plane, ["edge-1"], probe_interval=0.25, report_interval=2.0)
    try:
        stale = status_of(plane, "edge-1")["lastReportTime"]
        await_status(
            plane, "edge-1", "reports from the new agent", lambda s: s["lastReportTime"] > stale
        )
    finally:
        again.stop()
