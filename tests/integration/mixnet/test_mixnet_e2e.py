"""End to end on loopback: six mixnodes hosted by six real edge agent processes.

Six kwok edge nodes each get a real ``fog-edge-agent`` process (``fogcompute_testbed.agents``:
its own fixture host root, a ServiceAccount token bound to a pod on its node, the chart's RBAC
and admission policy), and six MixNodes (layers 0, 0, 1, 1, 2, 2) are placed on them. Each
agent notices its MixNode, generates the keys on its node, runs a real ``fog-mixnode`` daemon
(loop cover on) on its own loopback port, publishes keys, health and counters, and sends
measurement packets through every node; the operator (a real process, 8 s epochs) turns the
outcomes into reliability, publishes the signed directory each epoch and draws a Circuit.

Shown here: ``fogctl send --circuit`` (a real client process) delivers a message exactly once
to a loopback mailbox (a recipient each agent's exit delivers to, ``FOG_EDGE_MIXNODE_RECIPIENTS``);
garbage sent to a node is dropped and counted in its MixNode's ``status.counters``; one hop's
agent process is SIGKILLed with its daemon: its reliability falls below 0.5 within the bound
(``mixnet.measuring``: 2 s measurement deadline + 20 s window + 5 s bucket + 0.5 s report +
1 s write = 28.5 s; the wait allows slack for a loaded machine and says how long it took),
the circuit is redrawn around it (a ``PathRedrawn`` Event, a new proof), and a client that
lingers across two epoch boundaries reloads the directory at each (``directory_reloaded``)
while its message and cover flow along the redrawn circuit. Every draw observed during the
test verifies with ``fogctl circuit verify`` (online for the current one, offline from the
saved circuit and its epoch's signed directory for the earlier ones).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from conftest import EPOCH_SECONDS
from fogcompute_mixnode.client.envelopes import decode, unseal
from fogcompute_mixnode.delivering import decode_frame
from fogcompute_mixnode.directory import Directory, RecipientEntry, save_directory
from fogcompute_mixnode.keyfiles import MailboxKeys, generate_mailbox_keys
from fogcompute_mixnode.routing import DIRECTORY_CONFIGMAP, DIRECTORY_NAMESPACE
from fogcompute_testbed.agents import EdgeAgents, start_edge_agents
from fogcompute_testbed.controlplane import NodeSpec
from fogcompute_testbed.processes import free_port
from operator_cluster import Cluster, FogOperator, condition

NODES = [f"mixedge-{i}" for i in range(6)]
NAMES = [f"e2e-{i}" for i in range(6)]
BOUND = 2 + 20 + 5 + 0.5 + 1
SLACK = 30.0  # the operator's and agents' rounds run late on a loaded 2-core machine


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """A loopback socket every exit delivers to (a recipient in each agent's routing file)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.keys: MailboxKeys = generate_mailbox_keys()  # fogctl seals messages to it
        self.entry = RecipientEntry(
            recipient_id=self.keys.recipient_id,
            host="127.0.0.1",
            port=int(self.sock.getsockname()[1]),
            public_key=self.keys.public_key,
        )

    def bodies(self, *, seconds: float) -> list[bytes]:
        """The message bodies that arrive for this mailbox within ``seconds``, opened."""
        found, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                frame = decode_frame(self.sock.recv(65536))
            except TimeoutError:
                continue
            if frame is None or frame.recipient != self.keys.recipient_id:
                continue
            opened = unseal(frame.body, private_key=self.keys.private_key)
            envelope = decode(opened) if opened is not None else None
            found.append(envelope.body if envelope is not None else b"<unopenable>")
        return found


@dataclass
class AgentBed:
    agents: EdgeAgents
    mailbox: Mailbox
    recipients: Path
    ports: dict[str, int] = field(default_factory=dict)


def agent_env(node: str, *, ports: dict[str, int], recipients: Path) -> dict[str, str]:
    return {
        "FOG_EDGE_MIXNODE_PORT": str(ports[node]),
        "FOG_EDGE_MIXNODE_METRICS_PORT": str(free_port()),
        "FOG_EDGE_MIXNODE_WORKERS": "1",
        "FOG_EDGE_MIXNODE_EPOCH_SECONDS": str(EPOCH_SECONDS),
        "FOG_EDGE_MIXNODE_EPOCH_GRACE_SECONDS": str(EPOCH_SECONDS / 4),
        "FOG_EDGE_MIXNODE_INTERVAL": "0.5",
        "FOG_EDGE_MIXNODE_LOOP_RATE": "0.5",
        "FOG_EDGE_MIXNODE_MAX_DELAY_US": "2000",
        "FOG_EDGE_MIXNODE_MEASURE_DEADLINE_SECONDS": "2",
        "FOG_EDGE_MIXNODE_RECIPIENTS": str(recipients),
    }


@pytest.fixture(scope="module")
def testbed(control_plane: Any, mixnet_operator: FogOperator) -> Iterator[AgentBed]:
    del mixnet_operator
    control_plane.apply_nodes([NodeSpec(name=n, cpu="2", memory="4Gi", edge=True) for n in NODES])
    for index, (name, node) in enumerate(zip(NAMES, NODES, strict=True)):
        manifest = {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "MixNode",
            "metadata": {"name": name},
            "spec": {"nodeName": node, "layer": index // 2},
        }
        control_plane.kubectl("apply", "-f", "-", input=json.dumps(manifest))
    mailbox = Mailbox()
    recipients = control_plane.state_dir / "mixnet-e2e-recipients.json"
    save_directory(Directory(nodes=(), recipients=(mailbox.entry,)), recipients)
    ports = {node: free_udp_port() for node in NODES}
    agents = start_edge_agents(
        control_plane,
        NODES,
        report_interval=5.0,
        env_of=lambda node: agent_env(node, ports=ports, recipients=recipients),
    )
    try:
        yield AgentBed(agents=agents, mailbox=mailbox, recipients=recipients, ports=ports)
    finally:
        agents.stop()
        mailbox.sock.close()
        for name in NAMES:
            control_plane.kubectl("delete", "mixnode", name, "--wait=false", check=False)
        for node in NODES:
            control_plane.kubectl("delete", "node", node, "--wait=false", check=False)


@pytest.fixture
def cluster(control_plane: Any, mixnet_operator: FogOperator, namespace: str) -> Cluster:
    return Cluster(control_plane=control_plane, operator=mixnet_operator, namespace=namespace)


def mixnodes(cluster: Cluster) -> dict[str, dict[str, Any]]:
    result = cluster.kubectl("get", "mixnodes", "-o", "json")
    items = json.loads(result.stdout)["items"]
    return {m["metadata"]["name"]: m for m in items if m["metadata"]["name"] in NAMES}


def fogctl(cluster: Cluster, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``fogctl`` as a real process with the admin kubeconfig and the test's epoch clock."""
    env = {
        **os.environ,
        "KUBECONFIG": str(cluster.control_plane.admin_kubeconfig),
        "FOG_MIXNET_EPOCH_SECONDS": str(EPOCH_SECONDS),
    }
    argv = [sys.executable, "-m", "fogcompute_mixnode.client.cli", *args]
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"fogctl {' '.join(args)} did not finish in {timeout:.0f}s\n{out}\n{err}")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)


def path_of(body: dict[str, Any]) -> list[str]:
    hops = sorted((body.get("status") or {}).get("path") or (), key=lambda h: h["layer"])
    return [h["mixNode"] for h in hops]


class Draws:
    """Every draw of the circuit the test sees, each saved with its epoch's signed directory."""

    def __init__(self, cluster: Cluster, root: Path) -> None:
        self.cluster = cluster
        self.root = root
        self.saved: dict[str, tuple[Path, Path]] = {}

    def get(self) -> dict[str, Any]:
        body = self.cluster.get("circuit", "e2e") or {}
        status = body.get("status") or {}
        proof = (status.get("vrf") or {}).get("proof")
        if proof and len(path_of(body)) == 3 and proof not in self.saved:
            self._save(body, proof=proof, epoch=int(status["epoch"]))
        return body

    def _save(self, body: dict[str, Any], *, proof: str, epoch: int) -> None:
        found = self.cluster.kubectl(
            "get", "configmap", DIRECTORY_CONFIGMAP, "-n", DIRECTORY_NAMESPACE, "-o", "json"
        )
        signed = (json.loads(found.stdout).get("data") or {}).get(f"epoch-{epoch}.json")
        if signed is None:
            return  # not published under that key (yet): the next poll saves it
        index = len(self.saved)
        circuit, directory = self.root / f"circuit-{index}.json", self.root / f"dir-{index}.json"
        circuit.write_text(json.dumps(body))
        directory.write_text(signed)
        self.saved[proof] = (circuit, directory)

    def wait(self, what: str, test: Any, timeout: float) -> dict[str, Any]:
        def probe() -> tuple[dict[str, Any] | None, Any]:
            body = self.get()
            ok = len(path_of(body)) == 3 and test(body)
            return (body if ok else None), body.get("status")

        return self.cluster.wait_for(what, probe, timeout)


def send(
    cluster: Cluster, bed: AgentBed, text: str, *more: str
) -> subprocess.CompletedProcess[str]:
    args = ["send", "--circuit", f"{cluster.namespace}/e2e", "--directory", str(bed.recipients)]
    args += ["--to", bed.mailbox.keys.recipient_id.hex(), "--text", text]
    args += ["--rate", "5", "--max-delay-us", "2000", "--hop-delay-mean-us", "500", *more]
    return fogctl(cluster, *args, timeout=90)


def events(cluster: Cluster, reason: str) -> list[dict[str, Any]]:
    selector = "involvedObject.name=e2e,involvedObject.kind=Circuit"
    found = cluster.kubectl(
        "get", "events", "-n", cluster.namespace, "--field-selector", selector, "-o", "json"
    )
    return [e for e in json.loads(found.stdout)["items"] if e["reason"] == reason]


def test_agent_hosted_mixnodes_carry_a_circuit_and_a_dead_hop_is_routed_around(
    cluster: Cluster, testbed: AgentBed, tmp_path: Path
) -> None:
    def all_measured() -> tuple[Any, Any]:
        found = mixnodes(cluster)
        seen = {
            n: (
                (condition(m, "Ready") or {}).get("reason"),
                (m.get("status") or {}).get("reliability"),
            )
            for n, m in found.items()
        }
        ok = len(found) == 6 and all(r == "Serving" and (s or 0) > 0.5 for r, s in seen.values())
        return (found if ok else None), seen

    measured = cluster.wait_for("six Serving, measured MixNodes", all_measured, 240)
    for name, node in zip(NAMES, NODES, strict=True):
        status = measured[name]["status"]
        assert status["address"] == f"127.0.0.1:{testbed.ports[node]}"  # the agent's daemon
        assert status["reliabilityWindow"]["samples"] > 0
        assert {m["mixNode"] for m in status["measurements"]} == set(NAMES)
    for process in testbed.agents.processes.values():
        process.check_alive()

    def covering() -> tuple[Any, Any]:
        sent = {
            n: ((m["status"].get("counters") or {}).get("coverSent") or 0)
            for n, m in mixnodes(cluster).items()
        }
        return (sent if all(v > 0 for v in sent.values()) else None), sent

    cluster.wait_for("loop cover sent by every daemon", covering, 60)

    cluster.apply(
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "Circuit",
            "metadata": {"name": "e2e"},
            "spec": {"hops": 3, "minReliability": 0.5},
        }
    )
    draws = Draws(cluster, tmp_path)
    first = draws.wait("a drawn circuit", lambda b: True, 6 * EPOCH_SECONDS)
    verdict = fogctl(cluster, "circuit", "verify", f"{cluster.namespace}/e2e")
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr

    sent = send(cluster, testbed, "first through the circuit")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert '"event": "sent"' in sent.stdout, sent.stdout
    # exactly once, with the daemons' loop cover and the agents' measurements running
    assert testbed.mailbox.bodies(seconds=4) == [b"first through the circuit"]

    # Garbage to the entry hop: dropped, counted, published in its MixNode's status.
    entry = path_of(first)[0]
    port = testbed.ports[NODES[NAMES.index(entry)]]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(5):
            sock.sendto(secrets.token_bytes(64), ("127.0.0.1", port))

    def garbage_counted() -> tuple[Any, Any]:
        counters = (mixnodes(cluster)[entry].get("status") or {}).get("counters") or {}
        malformed = (counters.get("dropped") or {}).get("malformed", 0)
        return (counters if malformed >= 5 else None), counters

    cluster.wait_for(f"{entry}'s status counting the garbage", garbage_counted, 60)

    # One hop's agent process killed, with its daemon (the whole process group).
    dead = path_of(first)[1]
    dead_node = NODES[NAMES.index(dead)]
    agent = testbed.agents.processes[dead_node]
    redrawn_before = len(events(cluster, "PathRedrawn"))
    killed_at = time.monotonic()
    os.killpg(agent.popen.pid, signal.SIGKILL)
    agent.popen.wait(timeout=10)

    def fallen() -> tuple[Any, Any]:
        status = mixnodes(cluster)[dead].get("status") or {}
        score = status.get("reliability")
        return (score if score is not None and score < 0.5 else None), score

    cluster.wait_for(f"{dead}'s reliability below 0.5 (bound {BOUND} s)", fallen, BOUND + SLACK)
    took = time.monotonic() - killed_at
    print(f"{dead}'s reliability fell below 0.5 {took:.1f} s after its agent was killed")
    assert (condition(mixnodes(cluster)[dead], "Ready") or {}).get("status") != "True"

    redrawn = draws.wait(
        f"a circuit without {dead}", lambda b: dead not in path_of(b), 6 * EPOCH_SECONDS
    )
    print(f"the circuit left {dead} {time.monotonic() - killed_at:.1f} s after the kill")
    assert redrawn["status"]["vrf"]["proof"] != first["status"]["vrf"]["proof"]
    assert len(events(cluster, "PathRedrawn")) > redrawn_before
    verdict = fogctl(cluster, "circuit", "verify", f"{cluster.namespace}/e2e")
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr

    # Messages flow again; the client lingers across two epoch boundaries and reloads the
    # circuit and the directory at each, its cover still built (no stream_tick_failed).
    sent = send(
        cluster, testbed, "again, around the dead hop", "--linger", str(2.5 * EPOCH_SECONDS)
    )
    assert sent.returncode == 0, sent.stdout + sent.stderr
    reloads = [
        json.loads(line) for line in sent.stdout.splitlines() if "directory_reloaded" in line
    ]
    assert len({r["epoch"] for r in reloads}) >= 2, sent.stdout
    assert all(r["nodes"] == 3 for r in reloads), reloads
    assert "stream_tick_failed" not in sent.stderr, sent.stderr[-3000:]
    summary = json.loads(sent.stdout.strip().splitlines()[-1])
    assert summary["event"] == "summary", summary
    assert summary["sent"] == 1, summary
    assert summary["dummies"] > 0
    assert testbed.mailbox.bodies(seconds=4) == [b"again, around the dead hop"]

    others = [n for n in NAMES if n != dead]
    alive = mixnodes(cluster)
    assert all((alive[n]["status"].get("reliability") or 0) > 0.5 for n in others)

    # Every draw seen (the first, the redraw, any epoch expiry in between) verifies offline.
    draws.get()
    assert len(draws.saved) >= 2, draws.saved
    for circuit, directory in draws.saved.values():
        args = [
            "circuit",
            "verify",
            "--from-file",
            str(circuit),
            "--directory-file",
            str(directory),
        ]
        verdict = fogctl(cluster, *args)
        assert verdict.returncode == 0, f"{circuit}: {verdict.stdout}{verdict.stderr}"
        assert verdict.stdout.startswith("valid:"), verdict.stdout
