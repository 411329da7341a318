"""``python -m fogcompute_testbed up|down``: the demo behind ``make up`` and ``make down``.

``up`` starts (or reuses, with ``KUBECONFIG``) a control plane, installs the CRDs, starts the
operator, applies one sample of every kind, prints how to reach it and waits for Ctrl-C or
``down``. The operator is supervised (``supervising``): a crash restarts it with back-off and
leaves the cluster up; only a control-plane process dying stops ``up``. Errors are printed as
one message naming what failed and the log to read.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from fogcompute_testbed.agents import EdgeAgents, start_edge_agents
from fogcompute_testbed.controlplane import ControlPlane, default_nodes
from fogcompute_testbed.ledgerdb import start_ledger_database
from fogcompute_testbed.node import clean_stale_node, want_real_node
from fogcompute_testbed.processes import (
    ManagedProcess,
    TestbedError,
    free_port,
    kill_stale,
    start_process,
    wait_for,
)
from fogcompute_testbed.release import run_chart_for_up
from fogcompute_testbed.supervising import Supervisor
from fogcompute_testbed.toolchain import repo_root

__all__ = ["main"]

Launcher = Callable[[], ManagedProcess]


def _install_crds(plane: ControlPlane) -> None:
    crds = repo_root() / "crds"
    plane.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(crds))
    plane.kubectl(
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd",
        "-l",
        "app.kubernetes.io/part-of=fog-compute",
    )


def _operator_launcher(
    plane: ControlPlane, *, health: int, metrics: int, extra_env: dict[str, str]
) -> Launcher:
    """A callable that starts the operator process (again, after a crash) on fixed ports."""
    env = {
        **os.environ,
        "KUBECONFIG": str(plane.admin_kubeconfig),
        "FOG_METRICS_PORT": str(metrics),
        "FOG_STATE_DIR": str(plane.state_dir),
        **extra_env,
    }
    argv = [
        sys.executable,
        "-m",
        "kopf",
        "run",
        "-m",
        "fogcompute_operator.handlers",
        "--all-namespaces",
        "--standalone",
        f"--liveness=http://127.0.0.1:{health}/healthz",
    ]
    return lambda: start_process("operator", argv, state_dir=plane.state_dir, env=env)


def _start_operator(
    plane: ControlPlane, supervisor: Supervisor, extra_env: dict[str, str]
) -> tuple[int, int]:
    health, metrics = free_port(), free_port()
    launcher = _operator_launcher(plane, health=health, metrics=metrics, extra_env=extra_env)
    proc = supervisor.add("operator", launcher)
    wait_for(
        lambda: _ok(f"http://127.0.0.1:{health}/healthz", proc),
        what=f"the operator's liveness probe on 127.0.0.1:{health}",
        timeout=60,
    )
    return health, metrics


def _ok(url: str, proc: ManagedProcess) -> bool | None:
    import urllib.request

    proc.check_alive()
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - loopback
        return True if resp.status == 200 else None


def up(state_dir: Path, *, nodes: int, edge_nodes: int) -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "up.pid").write_text(str(os.getpid()))
    plane = None
    ledger = None
    agents: EdgeAgents | None = None
    supervisor = Supervisor()
    try:
        print(
            "fog-compute: starting the control plane (the first run builds it: about 10 minutes)",
            flush=True,
        )
        plane = ControlPlane.from_environment(
            state_dir=state_dir,
            nodes=default_nodes(nodes=nodes, edge_nodes=edge_nodes),
            real_node=want_real_node(),
        )
        _install_crds(plane)
        if plane.node is not None:  # the chart's operator runs as a pod on the real node
            # Samples first: the chart's admission policies refuse some of them from the admin.
            plane.kubectl("apply", "-f", str(repo_root() / "samples"))
            operator = run_chart_for_up(plane)
        else:
            ledger, economics_env = start_ledger_database(state_dir)  # the Stake/Proposal ledger
            health, metrics = _start_operator(plane, supervisor, economics_env)
            operator = (
                f"liveness http://127.0.0.1:{health}/healthz, "
                f"metrics http://127.0.0.1:{metrics}/metrics"
            )
            plane.kubectl("apply", "-f", str(repo_root() / "samples"))
        if not plane.external:  # one real edge agent per edge node, each on a fixture host
            agents = start_edge_agents(plane, [f"edge-{i}" for i in range(edge_nodes)])
            print(f"  edge agents: fixture hosts in {state_dir / 'edge-hosts'}", flush=True)
        print(
            "\nfog-compute is up.\n"
            f"  export KUBECONFIG={plane.admin_kubeconfig}\n"
            f"  {plane.bin_dir / 'kubectl'} get fog -A\n"
            f"  operator: {operator}\n"
            f"  logs: {state_dir / 'logs'}\n"
            "Ctrl-C (or `make down` from another terminal) stops everything.",
            flush=True,
        )
        while not stop.wait(1.0):
            for proc in plane.processes:
                proc.check_alive()
            supervisor.tick()
    except TestbedError as exc:
        print(f"fog-compute: {exc}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()
        if agents is not None:
            agents.stop()
        if ledger is not None:
            ledger.stop()
        if plane is not None:
            plane.stop()
        (state_dir / "up.pid").unlink(missing_ok=True)
    print("fog-compute: stopped", flush=True)
    return 0


def down(state_dir: Path) -> int:
    pidfile = state_dir / "up.pid"
    stopped: list[str] = []
    if pidfile.exists():
        try:
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
        except (ProcessLookupError, ValueError):
            pidfile.unlink(missing_ok=True)
        else:  # let `up` stop its own processes; anything it leaves is stopped below
            stopped.append("make up")
            deadline = time.monotonic() + 30
            while pidfile.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
    stopped += kill_stale(state_dir.resolve())
    if clean_stale_node(state_dir):
        stopped.append("the real node's leftovers")
    print(f"fog-compute: stopped {', '.join(stopped) or 'nothing (was not running)'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="fog-testbed", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_up = sub.add_parser("up", help="start the demo and wait for Ctrl-C")
    p_down = sub.add_parser("down", help="stop what `up` started")
    for p in (p_up, p_down):
        p.add_argument("--state-dir", type=Path, default=Path(".run/up"))
    p_up.add_argument("--nodes", type=int, default=4)
    p_up.add_argument("--edge-nodes", type=int, default=3)
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(args.state_dir, nodes=args.nodes, edge_nodes=args.edge_nodes)
    return down(args.state_dir)
