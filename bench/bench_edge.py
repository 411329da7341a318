"""Edge agent benchmark: footprint per report cycle, revocation latency, many agents reporting.

Run by `make bench-edge`. Starts the test bed's control plane in its own state directory
(`.run/bench-edge`), then three sections:
1. footprint: one real agent process (testbed ``start_edge_agents``, bound token, fixture host)
   probing every second and reporting every ``--report-interval`` seconds; its RSS (target
   <= 40 MiB, OpenYurt's YurtHub figure) against a bare Python interpreter measured in the same
   run, and its CPU time per report cycle;
2. revocation: ``--flips`` times, harvest pods are created on an edge node, the fixture host is
   unplugged and one probing round of an in-process agent (real API client, the node's bound
   token) judges it; the latency from that round to every eviction accepted, p50/p99 (target p99
   <= 1 s), against one API round trip measured in the same run;
3. fleet: ``--agents`` simulated agents apply their status every 10 s (jittered) for
   ``--seconds`` with the operator running; status writes/s absorbed against the offered rate,
   apply latency, the CPU the API server, etcd and the operator spent; then every simulated
   agent falls silent and the time from each device's last report to the operator's
   Ready=Unknown is read from the conditions.
Prints every figure, then one JSON line. ``--sections footprint`` (or any comma-separated subset
of footprint, revocation, fleet) runs only those.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
from fogcompute_edge_agent.agent import Agent
from fogcompute_edge_agent.harvesting import GateDecision
from fogcompute_edge_agent.observing import AgentMetrics
from fogcompute_edge_agent.probing import HostRoot, ProbeErrors, Prober
from fogcompute_edge_agent.reporting import KubeApi, build_status, from_kubeconfig
from fogcompute_edge_agent.revoking import Revoker
from fogcompute_edge_agent.specs import DeviceSpec, HarvestPolicy
from fogcompute_testbed.agents import (
    bound_token_kubeconfig,
    install_agent_authorization,
    start_edge_agents,
)
from fogcompute_testbed.controlplane import ControlPlane, default_nodes
from fogcompute_testbed.hostroots import FixtureHost
from fogcompute_testbed.processes import ManagedProcess, free_port, start_process, wait_for
from fogcompute_testbed.toolchain import repo_root

STATE_DIR = Path(os.environ.get("FOG_BENCH_STATE_DIR", repo_root() / ".run" / "bench-edge"))
RSS_TARGET_MIB = 40.0
SECTIONS = ("footprint", "revocation", "fleet")
REVOCATION_TARGET_S = 1.0


def say(name: str, value: object) -> None:
    print(f"{name:<58} {value}", flush=True)


def machine() -> dict[str, Any]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "load_average": " ".join(f"{v:.2f}" for v in os.getloadavg()),
    }


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def reports_of(port: int) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
        text = resp.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith('fog_edge_reports_total{result="ok"}')
    )


def start_operator(plane: ControlPlane) -> ManagedProcess:
    """The operator as `make up` runs it (kopf, standalone), ready on its /readyz."""
    port = free_port()
    env = {
        **os.environ,
        "KUBECONFIG": str(plane.admin_kubeconfig),
        "FOG_PEERING": "false",
        "FOG_METRICS_HOST": "127.0.0.1",
        "FOG_METRICS_PORT": str(port),
        "FOG_LOG_LEVEL": "WARNING",
    }
    kopf = str(Path(sys.executable).parent / "kopf")
    argv = [kopf, "run", "-m", "fogcompute_operator.handlers", "--standalone", "--all-namespaces"]
    proc = start_process("bench-operator", argv, state_dir=plane.state_dir, env=env)

    def ready() -> bool | None:
        proc.check_alive()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as resp:
            return True if resp.status == 200 else None

    wait_for(ready, what="the operator's /readyz", timeout=120)
    return proc


def silence(plane: ControlPlane, names: set[str], *, timeout: float) -> dict[str, Any]:
    """After the fleet stops: per device, last report -> Ready=Unknown (the operator's call)."""
    delays: dict[str, float] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(delays) < len(names):
        items = json.loads(plane.kubectl("get", "edgedevices", "-o", "json").stdout)["items"]
        for item in items:
            name = item["metadata"]["name"]
            if name not in names or name in delays:
                continue
            status = item.get("status") or {}
            ready = [c for c in status.get("conditions", []) if c["type"] == "Ready"]
            if ready and ready[0]["status"] == "Unknown" and status.get("lastReportTime"):
                went = _stamp(ready[0]["lastTransitionTime"]) - _stamp(status["lastReportTime"])
                delays[name] = went
        time.sleep(2.0)
    values = list(delays.values())
    figures = {
        "silent_devices_marked_unknown": len(values),
        "silent_to_unknown_p50_s": round(percentile(values, 0.5), 1) if values else None,
        "silent_to_unknown_max_s": round(max(values), 1) if values else None,
    }
    say(
        f"silent devices marked Unknown (of {len(names)}), last report -> Unknown p50 / max",
        f"{len(values)}, {figures['silent_to_unknown_p50_s']} s / "
        f"{figures['silent_to_unknown_max_s']} s (bound: staleAfterSeconds 45)",
    )
    return figures


def _stamp(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# ---------------------------------------------------------------------------- sections
def footprint(plane: ControlPlane, *, report_interval: float, window: float) -> dict[str, Any]:
    bare = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    time.sleep(1.0)
    bare_rss = rss_mib(bare.pid)
    bare.kill()
    bare.wait()
    agents = start_edge_agents(plane, ["edge-0"], report_interval=report_interval)
    try:
        proc = agents.processes["edge-0"]
        port = agents.metrics_ports["edge-0"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if reports_of(port) >= 1:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        cpu0, reports0 = cpu_seconds(proc.popen.pid), reports_of(port)
        peak = 0.0
        end = time.monotonic() + window
        while time.monotonic() < end:
            peak = max(peak, rss_mib(proc.popen.pid))
            time.sleep(1.0)
        cpu1, reports1 = cpu_seconds(proc.popen.pid), reports_of(port)
    finally:
        agents.stop()
    cycles = max(1.0, reports1 - reports0)
    figures = {
        "agent_rss_mib": round(peak, 1),
        "bare_python_rss_mib": round(bare_rss, 1),
        "agent_rss_vs_bare_python": round(peak / bare_rss, 2),
        "agent_rss_vs_target": round(peak / RSS_TARGET_MIB, 2),
        "report_cycles": int(cycles),
        "agent_cpu_ms_per_report_cycle": round(1000 * (cpu1 - cpu0) / cycles, 1),
        "agent_cpu_percent": round(100 * (cpu1 - cpu0) / window, 2),
    }
    say(
        f"agent RSS, peak over {window:.0f} s (target <= {RSS_TARGET_MIB:.0f} MiB)",
        f"{figures['agent_rss_mib']} MiB ({figures['agent_rss_vs_target']}x target)",
    )
    say(
        "bare Python interpreter RSS (baseline)",
        f"{figures['bare_python_rss_mib']} MiB (agent {figures['agent_rss_vs_bare_python']}x)",
    )
    say(
        f"agent CPU per report cycle ({report_interval:.0f} s cycle, probe every 1 s)",
        f"{figures['agent_cpu_ms_per_report_cycle']} ms "
        f"({figures['agent_cpu_percent']} % of a core)",
    )
    return figures


def harvest_pod(name: str, node: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "labels": {"fogcompute.io/fogjob": "bench", "fogcompute.io/harvest": "true"},
        },
        "spec": {
            "nodeName": node,
            "tolerations": [{"operator": "Exists"}],
            "containers": [{"name": "w", "image": "busybox:1.36"}],
        },
    }


async def revocation(plane: ControlPlane, *, flips: int, pods_per_flip: int) -> dict[str, Any]:
    node, ns = "edge-1", "bench-edge"
    plane.kubectl("create", "namespace", ns, check=False)
    plane.wait_default_service_account(ns)
    install_agent_authorization(plane)  # the agent's namespace, ServiceAccount, RBAC and policy
    kubeconfig = bound_token_kubeconfig(plane, node=node, path=STATE_DIR / "revoke.yaml")
    api = KubeApi(from_kubeconfig(kubeconfig))
    admin_creds = from_kubeconfig(plane.admin_kubeconfig)
    host = FixtureHost(STATE_DIR / "bench-host").laptop(on_ac=True)
    metrics = AgentMetrics()
    agent = Agent(
        node=node,
        api=api,
        metrics=metrics,
        version="bench",
        prober=Prober(host=HostRoot(root=host.root, errors=ProbeErrors())),
        spec=DeviceSpec(node_name=node, policy=HarvestPolicy(resume_delay_seconds=0)),
        revoker=Revoker(api=api, node=node, metrics=metrics),
    )
    latencies: list[float] = []
    round_trips: list[float] = []
    connector = aiohttp.TCPConnector(ssl=admin_creds.ssl_context, limit=16)
    async with aiohttp.ClientSession(connector=connector) as admin:
        base = f"{admin_creds.server}/api/v1/namespaces/{ns}/pods"
        for flip in range(flips):
            bodies = [harvest_pod(f"f{flip}-{i}", node) for i in range(pods_per_flip)]
            for body in bodies:
                async with admin.post(base, json=body) as resp:
                    assert resp.status == 201, await resp.text()
            started = time.monotonic()
            async with admin.get(f"{base}?limit=1") as resp:
                await resp.read()
            round_trips.append(time.monotonic() - started)
            host.set_ac(True)
            host.tick(1.0)
            agent.step()
            host.tick(1.0)
            decision: GateDecision = agent.step()
            assert decision.harvestable, decision
            host.set_ac(False)
            host.tick(1.0)
            decision = agent.step()  # the round that reads AC unplugged starts the revocation
            assert not decision.harvestable
            await asyncio.gather(*list(agent._tasks))
            assert agent.revoker is not None
            assert agent.revoker.last is not None
            last = agent.revoker.last
            assert last.accepted == pods_per_flip, last
            latencies.append(last.seconds)
    await api.close()
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    rt = statistics.median(round_trips)
    figures = {
        "revocation_flips": flips,
        "revocation_pods_per_flip": pods_per_flip,
        "revocation_p50_ms": round(1000 * p50, 1),
        "revocation_p99_ms": round(1000 * p99, 1),
        "revocation_p99_vs_target": round(p99 / REVOCATION_TARGET_S, 3),
        "api_round_trip_p50_ms": round(1000 * rt, 2),
        "revocation_p50_vs_round_trip": round(p50 / rt, 1),
    }
    say(
        f"revocation latency over {flips} flips ({pods_per_flip} pods each), p50 / p99",
        f"{figures['revocation_p50_ms']} ms / {figures['revocation_p99_ms']} ms "
        f"(p99 {figures['revocation_p99_vs_target']}x the 1 s target)",
    )
    say(
        "one API round trip (GET, baseline), p50",
        f"{figures['api_round_trip_p50_ms']} ms "
        f"(revocation p50 {figures['revocation_p50_vs_round_trip']}x)",
    )
    return figures


async def fleet(
    plane: ControlPlane, *, agents: int, seconds: float, interval: float, operator_pid: int
) -> dict[str, Any]:
    creds = from_kubeconfig(plane.admin_kubeconfig)
    api = KubeApi(creds, timeout=30)
    host = FixtureHost(STATE_DIR / "fleet-host").laptop()
    prober = Prober(host=HostRoot(root=host.root, errors=ProbeErrors()))
    prober.round()
    host.tick(1.0)
    readings = prober.round()
    decision = GateDecision(True, "Eligible", "ok", since=time.time(), changed=False)
    names = [f"sim-{i:05d}" for i in range(agents)]
    gate = asyncio.Semaphore(32)

    async def create(name: str) -> None:
        async with gate:
            await api.create_device(name=name)

    await asyncio.gather(*(create(n) for n in names))
    pids = {p.name: p.popen.pid for p in plane.processes if p.name in ("kube-apiserver", "etcd")}
    pids["operator"] = operator_pid
    cpu0 = {n: cpu_seconds(pid) for n, pid in pids.items()}
    cpu_began = time.monotonic()
    latencies: list[float] = []
    finished: list[float] = []
    errors = 0
    began = time.monotonic()
    stop_at = began + interval + seconds  # the first interval staggers the agents' starts

    async def one(name: str) -> None:
        nonlocal errors
        await asyncio.sleep(random.uniform(0, interval))
        while time.monotonic() < stop_at:
            status = build_status(
                readings=readings, decision=decision, now=time.time(), version="sim"
            )
            started = time.monotonic()
            try:
                await api.apply_device_status(name=name, status=status)
                latencies.append(time.monotonic() - started)
                finished.append(time.monotonic())
            except Exception:  # counted: the figure is what was absorbed
                errors += 1
            pause = min(interval - (time.monotonic() - started), stop_at - time.monotonic())
            await asyncio.sleep(max(0.0, pause))

    await asyncio.gather(*(one(n) for n in names))
    window_start = began + interval  # steady state: every agent has started
    elapsed = stop_at - window_start
    cpu = {n: cpu_seconds(pid) - cpu0[n] for n, pid in pids.items()}
    cpu_window = time.monotonic() - cpu_began
    await api.close()
    offered = agents / interval
    absorbed = sum(1 for t in finished if window_start <= t <= stop_at) / elapsed
    figures = {
        "fleet_agents": agents,
        "fleet_seconds": round(elapsed, 1),
        "fleet_offered_writes_per_s": round(offered, 1),
        "fleet_absorbed_writes_per_s": round(absorbed, 1),
        "fleet_absorbed_vs_offered": round(absorbed / offered, 3),
        "fleet_errors": errors,
        "fleet_apply_p50_ms": round(1000 * percentile(latencies, 0.5), 1) if latencies else None,
        "fleet_apply_p99_ms": round(1000 * percentile(latencies, 0.99), 1) if latencies else None,
        "fleet_apiserver_cpu_percent": round(100 * cpu.get("kube-apiserver", 0) / cpu_window, 1),
        "fleet_etcd_cpu_percent": round(100 * cpu.get("etcd", 0) / cpu_window, 1),
        "fleet_operator_cpu_percent": round(100 * cpu.get("operator", 0) / cpu_window, 1),
    }
    say(
        f"{agents} agents every {interval:.0f} s: status writes/s absorbed / offered",
        f"{figures['fleet_absorbed_writes_per_s']} / {figures['fleet_offered_writes_per_s']} "
        f"({figures['fleet_absorbed_vs_offered']}x), {errors} errors",
    )
    say(
        "status apply latency p50 / p99",
        f"{figures['fleet_apply_p50_ms']} ms / {figures['fleet_apply_p99_ms']} ms",
    )
    say(
        "kube-apiserver / etcd CPU during the fleet run",
        f"{figures['fleet_apiserver_cpu_percent']} % / "
        f"{figures['fleet_etcd_cpu_percent']} % of a core",
    )
    say(
        "operator CPU during the fleet run (EdgeDevice + FogJob controllers)",
        f"{figures['fleet_operator_cpu_percent']} % of a core",
    )
    return figures


def with_operator(plane: ControlPlane, *, agents: int, seconds: float) -> dict[str, Any]:
    """The fleet section and the silence that follows, with the operator running."""
    operator = start_operator(plane)
    try:
        figures = asyncio.run(
            fleet(
                plane,
                agents=agents,
                seconds=seconds,
                interval=10.0,
                operator_pid=operator.popen.pid,
            )
        )
        names = {f"sim-{i:05d}" for i in range(agents)}
        return figures | silence(plane, names, timeout=180)
    finally:
        operator.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-interval", type=float, default=10.0)
    parser.add_argument("--window", type=float, default=60.0, help="footprint window, seconds")
    parser.add_argument("--flips", type=int, default=100)
    parser.add_argument("--pods-per-flip", type=int, default=3)
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated subset of {', '.join(SECTIONS)}",
    )
    args = parser.parse_args(argv)
    sections = {s.strip() for s in args.sections.split(",") if s.strip()}
    if not sections or not sections <= set(SECTIONS):
        parser.error(f"--sections must name some of {', '.join(SECTIONS)}, got {args.sections!r}")
    figures: dict[str, Any] = {f"machine_{k}": v for k, v in machine().items()}
    for key, value in figures.items():
        say(key, value)
    plane = ControlPlane.start(state_dir=STATE_DIR, nodes=default_nodes(nodes=1, edge_nodes=2))
    try:
        plane.kubectl("apply", "--server-side", "-f", str(repo_root() / "crds"))
        plane.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")
        if "footprint" in sections:
            figures |= footprint(plane, report_interval=args.report_interval, window=args.window)
        if "revocation" in sections:
            figures |= asyncio.run(
                revocation(plane, flips=args.flips, pods_per_flip=args.pods_per_flip)
            )
        if "fleet" in sections:
            figures |= with_operator(plane, agents=args.agents, seconds=args.seconds)
    finally:
        plane.stop()
    figures["load_average_at_end"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
