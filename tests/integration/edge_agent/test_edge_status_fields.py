"""Real agent processes, real API server: status.unknownReadings and status.harvestCpuSeconds.

Garbage in the fixture host's temperature files turns into an unknownReadings entry (and back),
and a harvest pod's fixture cgroup growing turns into harvestCpuSeconds growing, kept across a
killed and restarted agent.
"""

from __future__ import annotations

import json
from typing import Any

from fogcompute_testbed.agents import EdgeAgents, start_edge_agents
from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.processes import wait_for
from test_edge_agents import await_status, harvest_pod, metric, status_of

TIMEOUT = 60.0


def unknown(status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["reading"]: u for u in status.get("unknownReadings", [])}


def test_garbage_thermal_files_are_unknown_readings_with_why(
    control_plane: ControlPlane, edge_agents: EdgeAgents
) -> None:
    plane, host = control_plane, edge_agents.hosts["edge-0"]
    await_status(plane, "edge-0", "a laptop's temperature", lambda s: "thermal" in s)
    errors_before = metric(edge_agents, "edge-0", "fog_edge_probe_errors_total")
    host.write("sys/class/thermal/thermal_zone0/temp", "garbage\n")
    host.write("sys/class/hwmon/hwmon0/temp1_input", "\x00\xff not a number\n")
    broken = await_status(
        plane,
        "edge-0",
        "temperature listed as an unknown reading",
        lambda s: "temperature" in unknown(s),
    )
    entry = unknown(broken)["temperature"]
    assert entry["reason"] == "Malformed"
    assert "2 temperature sensors" in entry["message"]
    assert "thermal" not in broken  # left out, never invented
    assert broken["harvestable"] is False  # a malformed sensor blocks harvesting
    assert "unknown readings" not in broken["harvestMessage"]
    assert metric(edge_agents, "edge-0", "fog_edge_probe_errors_total") >= errors_before + 2

    host.set_temperature(32.0)
    host.write("sys/class/hwmon/hwmon0/temp1_input", "31000\n")
    healed = await_status(
        plane,
        "edge-0",
        "the temperature back and its unknownReadings entry gone",
        lambda s: "temperature" not in unknown(s) and "thermal" in s,
    )
    assert healed["thermal"]["temperatureCelsius"] == 32.0


def test_harvest_cpu_seconds_follows_the_pods_cgroup_and_survives_a_restart(
    control_plane: ControlPlane, edge_agents: EdgeAgents, namespace: str
) -> None:
    plane, node = control_plane, "edge-1"
    await_status(plane, node, "a first report", lambda s: "lastReportTime" in s)
    policy = {"spec": {"policy": {"resumeDelaySeconds": 0}}}
    plane.kubectl("patch", "edgedevice", node, "--type=merge", "-p", json.dumps(policy))
    start = await_status(plane, node, "harvestable", lambda s: s.get("harvestable") is True)
    base = float(start.get("harvestCpuSeconds", 0.0))
    plane.kubectl("apply", "-f", "-", input=json.dumps(harvest_pod("busy", node, namespace)))
    uid = wait_for(
        lambda: (
            plane.kubectl(
                "get", "pod", "busy", "-n", namespace, "-o", "jsonpath={.metadata.uid}", check=False
            ).stdout.strip()
            or None
        ),
        what="the harvest pod's UID",
        timeout=TIMEOUT,
    )
    host = edge_agents.hosts[node]
    host.set_pod_cpu(uid, 5.0)
    await_status(
        plane,
        node,
        f"harvestCpuSeconds {base} + 5",
        lambda s: s.get("harvestCpuSeconds") == base + 5.0,
    )
    host.set_pod_cpu(uid, 7.5)
    grown = await_status(
        plane,
        node,
        f"harvestCpuSeconds {base} + 7.5",
        lambda s: s.get("harvestCpuSeconds") == base + 7.5,
    )

    edge_agents.processes[node].popen.kill()  # a crash: no chance to save anything on the way out
    edge_agents.processes[node].popen.wait(10)
    again = start_edge_agents(plane, [node], probe_interval=0.25, report_interval=2.0)
    try:
        # The new fixture host has no cgroup for the pod; the counter must come from the state dir.
        after = await_status(
            plane,
            node,
            "a report from the restarted agent",
            lambda s: s["lastReportTime"] > grown["lastReportTime"],
        )
        assert after["harvestCpuSeconds"] == base + 7.5
        assert status_of(plane, node)["harvestCpuSeconds"] >= base + 7.5
    finally:
        again.stop()
