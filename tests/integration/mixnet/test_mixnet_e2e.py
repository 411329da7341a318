"""End to end on loopback: six agent-hosted mixnodes, measured, drawn, one killed, redrawn.

Six MixNodes (layers 0, 0, 1, 1, 2, 2) on six kwok edge nodes, each hosted by the edge agent's
``MixnodeHost`` (run here in one thread, one host per node, with the admin kubeconfig) which
runs a real ``fog-mixnode`` daemon on a loopback port, publishes keys and health, and sends
measurement packets through every node; the operator (a real process) turns the agents'
outcomes into each node's reliability, publishes the signed directory each 8 s epoch and draws
a Circuit. Then one hop's daemon is killed (and not restarted): its health goes Down, the
packets through it are lost, its reliability falls below 0.5 within the bound
(``mixnet.measuring``: 2 s deadline + 20 s window + 5 s bucket + 0.5 s report + 1 s write =
28.5 s), the circuit is redrawn around it with a new proof, and every drawn circuit verifies
with ``fogctl circuit verify``. A message sent along the circuit's path (built for the
current epoch from the keys the hops' agents publish) reaches a loopback mailbox, registered
as a recipient in every node's routing file, exactly once; through the dead hop it does not
arrive; along the redrawn path it arrives again, and ``fogctl send --circuit`` (a real client
process) delivers one message along it.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EPOCH_SECONDS
from fogcompute_edge_agent.mixing import KubeMixApi, MixingSettings, MixnodeHost
from fogcompute_edge_agent.reporting import from_kubeconfig
from fogcompute_mixnode.delivering import decode_frame
from fogcompute_mixnode.directory import Directory, RecipientEntry, save_directory
from fogcompute_mixnode.keyfiles import generate_mailbox_keys
from fogcompute_mixnode.sphinx import NodeId, PathHop, build_forward_packet
from fogcompute_testbed.controlplane import NodeSpec
from operator_cluster import Cluster, FogOperator, condition

NODES = [f"mixedge-{i}" for i in range(6)]
NAMES = [f"e2e-{i}" for i in range(6)]
BOUND = 2 + 20 + 5 + 0.5 + 1


def free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """A loopback socket every exit delivers to (a recipient in each node's routing file)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        keys = generate_mailbox_keys()  # a real box key: fogctl seals messages to it
        self.recipient = keys.recipient_id
        self.entry = RecipientEntry(
            recipient_id=self.recipient,
            host="127.0.0.1",
            port=int(self.sock.getsockname()[1]),
            public_key=keys.public_key,
        )

    def frames(self, *, seconds: float) -> int:
        """How many frames for this mailbox arrive within ``seconds`` (sealed or not)."""
        found, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                frame = decode_frame(self.sock.recv(65536))
            except TimeoutError:
                continue
            if frame is not None and frame.recipient == self.recipient:
                found += 1
        return found

    def deliveries(self, token: bytes, *, seconds: float) -> int:
        """How many frames carrying ``token`` arrive within ``seconds``."""
        found, deadline = 0, time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                frame = decode_frame(self.sock.recv(65536))
            except TimeoutError:
                continue
            if frame is not None and frame.recipient == self.recipient and token in frame.body:
                found += 1
        return found


def send_through(circuit: dict[str, Any], mailbox: Mailbox, token: bytes) -> None:
    """One message along the circuit's path, built for the current epoch from its hops' keys
    as their agents publish them (the path is the circuit's; the keys follow the epoch)."""
    bodies = {}
    for hop in sorted(circuit["status"]["path"], key=lambda h: h["layer"]):
        bodies[hop["mixNode"]] = hop
    epoch = int(time.time() // EPOCH_SECONDS)
    path, first = [], None
    for name, hop in bodies.items():
        status = MIXNODES_SEEN[name]["status"]
        key = next(k["publicKey"] for k in status["keys"] if k["epoch"] == epoch)
        path.append(
            PathHop(
                node_id=NodeId(bytes.fromhex(status["identityKey"])),
                public_key=bytes.fromhex(key),
                epoch=epoch,
                delay_us=500,
            )
        )
        first = first or hop["address"]
    assert first is not None
    host, _, port = first.rpartition(":")
    packet = build_forward_packet(path=path, recipient=mailbox.recipient, message=token)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.sendto(packet, (host, int(port)))


MIXNODES_SEEN: dict[str, dict[str, Any]] = {}


class Hosts:
    """Six hosts in one event loop on a thread; ``kill_daemon(i)`` kills one for good."""

    def __init__(self, kubeconfig: Path, state: Path, mailbox: Mailbox) -> None:
        self.hosts = [
            MixnodeHost(
                node=node,
                api=KubeMixApi(from_kubeconfig(kubeconfig)),
                settings=MixingSettings(
                    port=free_port(socket.SOCK_DGRAM),
                    metrics_port=free_port(socket.SOCK_STREAM),
                    workers=1,
                    epoch_seconds=EPOCH_SECONDS,
                    epoch_grace=EPOCH_SECONDS / 4,
                    interval=0.5,
                    loop_rate=0.5,
                    max_delay_us=2_000,
                    measure_deadline=2.0,
                ),
                state_dir=state / node,
                recipients=(mailbox.entry,),
            )
            for node in NODES
        ]
        self.mailbox = mailbox
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="mixnode-hosts", daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def main() -> None:
            self._stop = asyncio.Event()
            await asyncio.gather(*(h.run(self._stop) for h in self.hosts))
            for host in self.hosts:
                await host.close()

        try:
            self._loop.run_until_complete(main())
        finally:
            self._loop.close()

    def start(self) -> None:
        self._thread.start()

    def kill_daemon(self, index: int) -> None:
        host = self.hosts[index]

        async def kill() -> None:
            daemon = host.daemon
            assert daemon is not None
            assert daemon.proc is not None

            async def never() -> None:
                return None

            daemon.start = never  # type: ignore[method-assign]
            daemon.proc.kill()
            await daemon.proc.wait()

        asyncio.run_coroutine_threadsafe(kill(), self._loop).result(timeout=10)

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)


@pytest.fixture(scope="module")
def hosts(
    control_plane: Any, mixnet_operator: FogOperator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Hosts]:
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
    running = Hosts(Path(control_plane.admin_kubeconfig), tmp_path_factory.mktemp("hosts"), mailbox)
    running.mailbox = mailbox
    running.start()
    try:
        yield running
    finally:
        running.stop()
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


def fogctl_verify(cluster: Cluster, name: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "fogcompute_mixnode.client.cli",
            "circuit",
            "verify",
            f"{cluster.namespace}/{name}",
        ],
        env={**os.environ, "KUBECONFIG": str(cluster.control_plane.admin_kubeconfig)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def path_of(body: dict[str, Any]) -> list[str]:
    hops = sorted((body.get("status") or {}).get("path") or (), key=lambda h: h["layer"])
    return [h["mixNode"] for h in hops]


def test_measured_mixnodes_carry_a_circuit_and_a_dead_hop_is_routed_around(
    cluster: Cluster, hosts: Hosts
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

    measured = cluster.wait_for("six Serving, measured MixNodes", all_measured, 90)
    for body in measured.values():
        window = body["status"]["reliabilityWindow"]
        assert window["samples"] > 0
        assert {m["mixNode"] for m in body["status"]["measurements"]} == set(NAMES)

    cluster.apply(
        {
            "apiVersion": "fogcompute.io/v1alpha1",
            "kind": "Circuit",
            "metadata": {"name": "e2e"},
            "spec": {"hops": 3, "minReliability": 0.5},
        }
    )

    def drawn_with(test: Any) -> tuple[Any, Any]:
        body = cluster.get("circuit", "e2e") or {}
        return (body if len(path_of(body)) == 3 and test(body) else None), body.get("status")

    first = cluster.wait_for(
        "a drawn circuit", lambda: drawn_with(lambda b: True), 4 * EPOCH_SECONDS
    )
    verdict = fogctl_verify(cluster, "e2e")
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    MIXNODES_SEEN.update(mixnodes(cluster))
    token = secrets.token_bytes(16)
    send_through(first, hosts.mailbox, token)
    assert hosts.mailbox.deliveries(token, seconds=3) == 1  # exactly once, loop cover running

    dead = path_of(first)[1]
    killed_at = time.monotonic()
    hosts.kill_daemon(NAMES.index(dead))

    def fallen() -> tuple[Any, Any]:
        status = mixnodes(cluster)[dead].get("status") or {}
        score = status.get("reliability")
        return (score if score is not None and score < 0.5 else None), score

    score = cluster.wait_for(f"{dead}'s reliability below 0.5", fallen, BOUND + 10)
    took = time.monotonic() - killed_at
    assert took <= BOUND + 10, f"{took:.1f}s"
    assert condition(mixnodes(cluster)[dead], "Ready")["reason"] == "MixnodeDown"
    assert score < 0.5

    redrawn = cluster.wait_for(
        f"a circuit without {dead}",
        lambda: drawn_with(lambda b: dead not in path_of(b)),
        4 * EPOCH_SECONDS,
    )
    assert redrawn["status"]["vrf"]["proof"] != first["status"]["vrf"]["proof"]
    verdict = fogctl_verify(cluster, "e2e")
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    MIXNODES_SEEN.update(mixnodes(cluster))
    token = secrets.token_bytes(16)
    send_through(first, hosts.mailbox, token)  # the old path runs through the dead hop
    assert hosts.mailbox.deliveries(token, seconds=2) == 0
    token = secrets.token_bytes(16)
    send_through(redrawn, hosts.mailbox, token)
    assert hosts.mailbox.deliveries(token, seconds=3) == 1  # messages flow again

    # fogctl send --circuit: a real client process sends along the redrawn circuit's path.
    recipients = cluster.control_plane.state_dir / "e2e-recipients.json"
    save_directory(Directory(nodes=(), recipients=(hosts.mailbox.entry,)), recipients)
    argv = [sys.executable, "-m", "fogcompute_mixnode.client.cli", "send"]
    argv += ["--circuit", f"{cluster.namespace}/e2e", "--directory", str(recipients)]
    argv += ["--to", hosts.mailbox.recipient.hex(), "--text", "through the circuit"]
    argv += ["--rate", "20", "--epoch-seconds", str(EPOCH_SECONDS), "--max-delay-us", "2000"]
    env = {**os.environ, "KUBECONFIG": str(cluster.control_plane.admin_kubeconfig)}
    # The client reads the directory once at start; with the test's 8 s epochs, start it early
    # in an epoch so its packets are built for the epoch whose keys it read.
    left = EPOCH_SECONDS - time.time() % EPOCH_SECONDS
    if left < EPOCH_SECONDS / 2:
        time.sleep(left + 0.2)
    with subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as client:
        try:
            out, err = client.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            client.kill()
            out, err = client.communicate()
            pytest.fail(f"fogctl send --circuit did not finish in 30 s\n{out}\n{err[-3000:]}")
    sent = subprocess.CompletedProcess(argv, client.returncode, out, err)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert '"sent": 1' in sent.stdout, sent.stdout
    assert hosts.mailbox.frames(seconds=3) == 1  # cover went to the drop recipient
    others = [n for n in NAMES if n != dead]
    alive = mixnodes(cluster)
    assert all((alive[n]["status"].get("reliability") or 0) > 0.5 for n in others)
