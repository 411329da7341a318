"""The edge agent's mixnode hosting against the real API server with a real ``fog-mixnode``.

``MixnodeHost`` (the agent's mixing loop, run here in-process with the admin kubeconfig)
hosts the MixNode placed on the kwok edge node ``edge-1``: it generates the keys on "the node"
(a 0600 file in the test's state directory), starts the real daemon on a loopback port,
publishes identity, public keys, address, workers, counters and health by server-side apply,
and the operator (a real process, 8 s epochs) turns the MixNode Ready. Garbage sent to the
daemon's port is dropped and counted in the status; a killed daemon is started again; keys
rotate at the epoch boundary.
"""

from __future__ import annotations

import asyncio
import json
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import EPOCH_SECONDS
from fogcompute_edge_agent.mixing import KubeMixApi, MixingSettings, MixnodeHost
from fogcompute_edge_agent.reporting import from_kubeconfig
from fogcompute_mixnode.keyfiles import read_node_keys
from operator_cluster import FogOperator, condition

NODE = "edge-1"
NAME = "hosted-edge-1"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_tcp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def placed(control_plane: Any, mixnet_operator: FogOperator) -> Iterator[str]:
    del mixnet_operator
    manifest = {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "MixNode",
        "metadata": {"name": NAME},
        "spec": {"nodeName": NODE, "layer": 1},
    }
    control_plane.kubectl("apply", "-f", "-", input=json.dumps(manifest))
    try:
        yield NAME
    finally:
        control_plane.kubectl("delete", "mixnode", NAME, "--wait=false", check=False)


def read(control_plane: Any) -> dict[str, Any]:
    result = control_plane.kubectl("get", "mixnode", NAME, "-o", "json", "--show-managed-fields")
    found: dict[str, Any] = json.loads(result.stdout)
    return found


async def rounds(host: MixnodeHost, until: Any, *, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    status: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        status = await host.step()
        if status is not None and until(status):
            return status
        await asyncio.sleep(0.5)
    pytest.fail(f"waited {within:.0f}s; last status applied: {status}")


def test_the_agent_hosts_its_mixnode(control_plane: Any, placed: str, tmp_path: Path) -> None:
    settings = MixingSettings(
        port=free_udp_port(),
        metrics_port=free_tcp_port(),
        workers=1,
        epoch_seconds=EPOCH_SECONDS,
        epoch_grace=EPOCH_SECONDS / 4,
        interval=0.5,
        loop_rate=0,
    )
    api = KubeMixApi(from_kubeconfig(Path(control_plane.admin_kubeconfig)))
    host = MixnodeHost(node=NODE, api=api, settings=settings, state_dir=tmp_path)

    async def scenario() -> None:
        try:
            serving = await rounds(host, lambda s: s["health"] == "Serving", within=30)
            mode = stat.S_IMODE(host.key_file.stat().st_mode)
            assert mode == 0o600, oct(mode)
            keys = read_node_keys(host.key_file)
            assert serving["identityKey"] == keys.node_id.hex()
            epoch = serving["epoch"]
            assert {k["epoch"] for k in serving["keys"]} >= {epoch, epoch + 1}
            assert serving["address"] == f"127.0.0.1:{settings.port}"
            stored = read(control_plane)
            assert stored["status"]["identityKey"] == keys.node_id.hex()
            managers = {m["manager"] for m in stored["metadata"]["managedFields"]}
            assert "fog-edge-agent-mixnode" in managers

            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for _ in range(5):
                    sock.sendto(b"not a sphinx packet", ("127.0.0.1", settings.port))
            counted = await rounds(
                host,
                lambda s: (s.get("counters") or {}).get("dropped", {}).get("malformed", 0) >= 5,
                within=15,
            )
            assert counted["counters"]["received"] >= 5

            assert host.daemon is not None
            assert host.daemon.proc is not None
            host.daemon.proc.kill()
            await host.daemon.proc.wait()
            await rounds(host, lambda s: s["health"] == "Serving", within=30)
            assert host.daemon.starts == 2

            rotated = await rounds(host, lambda s: s["epoch"] > epoch, within=2 * EPOCH_SECONDS)
            held = {k.epoch for k in read_node_keys(host.key_file).epoch_keys}
            assert rotated["epoch"] + 1 in held
            assert min(held) >= rotated["epoch"] - 1
        finally:
            if host.daemon is not None:
                await host.daemon.stop()
            await host.close()

    asyncio.run(scenario())

    def ready() -> tuple[Any, Any]:
        found = condition(read(control_plane), "Ready")
        return (found if found and found["status"] == "True" else None), found

    deadline = time.monotonic() + 10
    found = None
    while time.monotonic() < deadline and found is None:
        found, seen = ready()
        time.sleep(0.3)
    assert found is not None, seen
    assert found["reason"] == "Serving"
    assert condition(read(control_plane), "KeysPublished")["status"] == "True"
