"""Edge agents of the test bed: one real ``fog-edge-agent`` process per edge node.

Called by ``make up`` (through ``cli``) and by the edge agent's integration tests, after the
control plane and the CRDs are up. Each agent reads its own fixture host root
(``hostroots.FixtureHost`` under ``<state>/edge-hosts/<node>``, which a test changes to unplug AC,
heat up or bring the user back) and authenticates exactly as in a cluster: with a ServiceAccount
token bound to a pod on its node, so the chart's RBAC and admission policy (applied here from the
chart itself) are what decide what it may do. The pod is a placeholder that kwok keeps Running;
the work is done by the local process. A thread advances each fixture's CPU counters once a
second, as a running machine's would.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from fogcompute_testbed.controlplane import ControlPlane
from fogcompute_testbed.hostroots import FixtureHost
from fogcompute_testbed.processes import ManagedProcess, free_port, start_process, wait_for
from fogcompute_testbed.toolchain import repo_root

__all__ = [
    "AGENT_NAMESPACE",
    "AGENT_SERVICE_ACCOUNT",
    "EdgeAgents",
    "bound_token_kubeconfig",
    "install_agent_authorization",
    "start_edge_agents",
]

AGENT_NAMESPACE = "fog-system"
RELEASE = "fog-compute"
AGENT_SERVICE_ACCOUNT = f"{RELEASE}-edge-agent"
_CHART_TEMPLATES = ("templates/edge-agent-rbac.yaml", "templates/edge-agent-admission.yaml")


def install_agent_authorization(plane: ControlPlane, *, namespace: str = AGENT_NAMESPACE) -> None:
    """Apply the chart's edge-agent ServiceAccount, RBAC and admission policy (idempotent)."""
    if plane.kubectl("get", "namespace", namespace, check=False).returncode != 0:
        plane.create_namespace(namespace)
    shown = [arg for t in _CHART_TEMPLATES for arg in ("--show-only", t)]
    rendered = plane.helm(
        "template",
        RELEASE,
        str(repo_root() / "charts" / "fog-compute"),
        "--namespace",
        namespace,
        "--set",
        "edgeAgent.enabled=true",
        *shown,
    ).stdout
    plane.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=rendered)
    _wait_until_policy_enforced(plane, namespace=namespace)


def _wait_until_policy_enforced(plane: ControlPlane, *, namespace: str) -> None:
    """The API server applies a new admission policy once its informer has it, a moment after
    the apply returns; a test that writes at once could pass the policy by. Probe with a
    server-side dry run as the agent's ServiceAccount (impersonated, so without the node claim
    a bound token carries): the policy refuses it once it is enforced."""
    user = f"system:serviceaccount:{namespace}:{AGENT_SERVICE_ACCOUNT}"
    probe = json.dumps(
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "EdgeDevice",
            "metadata": {"name": "policy-probe"},
            "spec": {"nodeName": "policy-probe"},
        }
    )

    def enforced() -> bool | None:
        done = plane.kubectl(
            "create", "--dry-run=server", f"--as={user}", "-f", "-", input=probe, check=False
        )
        return True if "no node-name claim" in done.stderr else None

    wait_for(enforced, what="the edge agent's admission policy to be enforced", timeout=60)


def _placeholder_pod(node: str, *, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"edge-agent-{node}",
            "namespace": namespace,
            "labels": {"app.kubernetes.io/component": "edge-agent"},
        },
        "spec": {
            "nodeName": node,
            "serviceAccountName": AGENT_SERVICE_ACCOUNT,
            "automountServiceAccountToken": False,
            "tolerations": [{"operator": "Exists"}],
            "containers": [{"name": "edge-agent", "image": "fog-compute/edge-agent:testbed"}],
        },
    }


def bound_token_kubeconfig(
    plane: ControlPlane, *, node: str, path: Path, namespace: str = AGENT_NAMESPACE
) -> Path:
    """A kubeconfig whose token is bound to a placeholder agent pod on ``node``."""
    pod = _placeholder_pod(node, namespace=namespace)
    plane.kubectl("apply", "-f", "-", input=json.dumps(pod))
    token = plane.kubectl(
        "create",
        "token",
        AGENT_SERVICE_ACCOUNT,
        "-n",
        namespace,
        "--duration=24h",
        "--bound-object-kind=Pod",
        f"--bound-object-name={pod['metadata']['name']}",
    ).stdout.strip()
    return write_token_kubeconfig(plane, path=path, token=token, user=f"edge-agent-{node}")


def write_token_kubeconfig(plane: ControlPlane, *, path: Path, token: str, user: str) -> Path:
    admin = yaml.safe_load(plane.admin_kubeconfig.read_text())
    cluster = admin["clusters"][0]["cluster"]
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fog-testbed", "cluster": cluster}],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": "fog-testbed", "context": {"cluster": "fog-testbed", "user": user}}],
        "current-context": "fog-testbed",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


@dataclass
class EdgeAgents:
    """The running agents, their fixture machines and metrics ports, by node."""

    hosts: dict[str, FixtureHost]
    processes: dict[str, ManagedProcess]
    metrics_ports: dict[str, int]
    _stop: threading.Event = field(default_factory=threading.Event)
    _ticker: threading.Thread | None = None

    def start_ticking(self, interval: float = 1.0) -> None:
        def tick() -> None:
            while not self._stop.wait(interval):
                for host in self.hosts.values():
                    host.tick()

        self._ticker = threading.Thread(target=tick, name="fixture-hosts", daemon=True)
        self._ticker.start()

    def stop(self) -> None:
        self._stop.set()
        for proc in self.processes.values():
            proc.stop()


def _machine(node: str, root: Path) -> FixtureHost:
    """A fresh fixture: a laptop on AC for even-numbered nodes (``edge-0``), else a server.

    Kinds alternate so `kubectl get edgedevices` shows both; the kind follows the node's name,
    so an agent restarted alone gets the same machine."""
    shutil.rmtree(root, ignore_errors=True)
    digits = "".join(c for c in node if c.isdigit())
    host = FixtureHost(root)
    if not digits or int(digits) % 2 == 0:
        return host.laptop(on_ac=True, battery=100, idle_seconds=3600)
    return host.server()


def start_edge_agents(
    plane: ControlPlane,
    nodes: Sequence[str],
    *,
    probe_interval: float = 1.0,
    report_interval: float | None = None,
    extra_args: Sequence[str] = (),
    env_of: Callable[[str], Mapping[str, str]] | None = None,
) -> EdgeAgents:
    """Start one agent per node (authorization applied first); returns without waiting.

    ``env_of(node)``, when given, adds environment variables to that node's agent (the mixnet
    tests give each hosted mixnode its own ports and short epochs)."""
    install_agent_authorization(plane)
    agents = EdgeAgents(hosts={}, processes={}, metrics_ports={})
    base = plane.state_dir / "edge-agents"
    for node in nodes:
        host = _machine(node, plane.state_dir / "edge-hosts" / node)
        kubeconfig = bound_token_kubeconfig(plane, node=node, path=base / node / "kubeconfig.yaml")
        port = free_port()
        argv = [
            sys.executable,
            "-m",
            "fogcompute_edge_agent",
            f"--node-name={node}",
            f"--host-root={host.root}",
            f"--kubeconfig={kubeconfig}",
            f"--state-dir={base / node}",
            f"--probe-interval={probe_interval}",
            "--metrics-host=127.0.0.1",
            f"--metrics-port={port}",
            *([f"--report-interval={report_interval}"] if report_interval else []),
            *extra_args,
        ]
        agents.hosts[node] = host
        agents.metrics_ports[node] = port
        env = None if env_of is None else {**os.environ, **env_of(node)}
        agents.processes[node] = start_process(
            f"edge-agent-{node}", argv, state_dir=plane.state_dir, env=env
        )
    agents.start_ticking()
    return agents
