"""The MixNode and Circuit controllers and the directory publisher against the real API server.

The operator runs as a real process (8 s epochs, see conftest). Six MixNodes without a layer
sit on the test bed's kwok edge nodes (two per node); their agents' reports are written with
the admin client (``mixnode_agents``), one thread for all. The tests assert what the API
server then holds: balanced layers, conditions, Events and printer columns; the signed
directory ConfigMap and the key Secret; a Circuit's drawn path, which ``fogctl circuit verify``
(a real process reading the cluster) accepts; and, after one hop's mixnode is reported down,
the redraw around it with a new proof.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import EPOCH_SECONDS
from fogcompute_mixnode.routing import (
    DIRECTORY_CONFIGMAP,
    DIRECTORY_NAMESPACE,
    open_signed_directory,
)
from mixnode_agents import ReportingMixnodes
from nacl.signing import SigningKey
from operator_cluster import Cluster, FogOperator, condition

EDGE_NODES = ("edge-0", "edge-1", "edge-2")
NAMES = [f"mix-{node}-{i}" for node in EDGE_NODES for i in range(2)]
NOT_EDGE, NOWHERE = "mix-on-fog", "mix-nowhere"


def mixnode(name: str, node: str) -> dict[str, Any]:
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "MixNode",
        "metadata": {"name": name},
        "spec": {"nodeName": node},
    }


@pytest.fixture(scope="module")
def agents(control_plane: Any, mixnet_operator: FogOperator) -> Iterator[ReportingMixnodes]:
    del mixnet_operator
    manifests = [mixnode(name, name.rsplit("-", 1)[0].removeprefix("mix-")) for name in NAMES]
    manifests += [mixnode(NOT_EDGE, "fog-0"), mixnode(NOWHERE, "no-such-node")]
    for manifest in manifests:
        control_plane.kubectl("apply", "-f", "-", input=json.dumps(manifest))
    reporter = ReportingMixnodes(
        str(control_plane.admin_kubeconfig), NAMES, epoch_seconds=EPOCH_SECONDS
    )
    reporter.start()
    try:
        yield reporter
    finally:
        reporter.stop()
        for manifest in manifests:
            name = manifest["metadata"]["name"]
            control_plane.kubectl("delete", "mixnode", name, "--wait=false", check=False)


@pytest.fixture
def cluster(control_plane: Any, mixnet_operator: FogOperator, namespace: str) -> Cluster:
    return Cluster(control_plane=control_plane, operator=mixnet_operator, namespace=namespace)


def get_mixnode(cluster: Cluster, name: str) -> dict[str, Any]:
    result = cluster.kubectl("get", "mixnode", name, "-o", "json", check=False)
    return json.loads(result.stdout) if result.returncode == 0 else {}


def wait_ready(cluster: Cluster, name: str, status: str, reason: str | None = None) -> Any:
    def probe() -> tuple[Any, Any]:
        found = condition(get_mixnode(cluster, name), "Ready")
        ok = found and found["status"] == status and reason in (None, found["reason"])
        return (found if ok else None), found

    return cluster.wait_for(f"MixNode {name} Ready={status} ({reason})", probe, 30)


def mixnode_events(cluster: Cluster, name: str) -> list[str]:
    selector = f"involvedObject.name={name},involvedObject.kind=MixNode"
    result = cluster.kubectl(
        "get", "events", "-n", "default", "--field-selector", selector, "-o", "json"
    )
    return [e["reason"] for e in json.loads(result.stdout)["items"]]


def directory_data(cluster: Cluster) -> dict[str, str]:
    result = cluster.kubectl(
        "get", "configmap", DIRECTORY_CONFIGMAP, "-n", DIRECTORY_NAMESPACE, "-o", "json",
        check=False,
    )  # fmt: skip
    return (json.loads(result.stdout).get("data") or {}) if result.returncode == 0 else {}


def signer_key(cluster: Cluster) -> bytes:
    result = cluster.kubectl(
        "get", "secret", "fog-mixnet-keys", "-n", DIRECTORY_NAMESPACE, "-o", "json"
    )
    data = json.loads(result.stdout)["data"]
    assert set(data) == {"directory-signing-key", "vrf-secret-key"}
    seed = base64.b64decode(data["directory-signing-key"])
    return bytes(SigningKey(seed).verify_key)


def directory_with(cluster: Cluster, names: set[str], absent: frozenset[str] = frozenset()) -> Any:
    """The newest published directory that holds ``names`` and none of ``absent``."""
    trusted = (signer_key(cluster),)

    def probe() -> tuple[Any, Any]:
        data = directory_data(cluster)
        if not data:
            return None, "no ConfigMap"
        newest = max(data, key=lambda k: int(k.removeprefix("epoch-").removesuffix(".json")))
        opened = open_signed_directory(json.loads(data[newest]), trusted_keys=trusted)
        held = {n.name for n in opened.directory.nodes}
        ok = names <= held and not (absent & held)
        return (opened if ok else None), (newest, sorted(held))

    return cluster.wait_for(f"a directory with {sorted(names)}", probe, 4 * EPOCH_SECONDS)


def fogctl(cluster: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fogcompute_mixnode.client.cli", *args],
        env={**os.environ, "KUBECONFIG": str(cluster.control_plane.admin_kubeconfig)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_mixnodes_get_balanced_layers_conditions_and_events(
    cluster: Cluster, agents: ReportingMixnodes
) -> None:
    for name in NAMES:
        ready = wait_ready(cluster, name, "True", "Serving")
        assert ready["message"].startswith("serving at 127.0.0.1:")
    bodies = {name: get_mixnode(cluster, name) for name in NAMES}
    layers = Counter(b["status"]["layer"] for b in bodies.values())
    assert layers == {0: 2, 1: 2, 2: 2}, layers
    for body in bodies.values():
        assert condition(body, "KeysPublished")["reason"] == "KeysCurrent"
        assert condition(body, "Jailed")["status"] == "False"
    assert wait_ready(cluster, NOT_EDGE, "False", "NotAnEdgeNode")
    assert wait_ready(cluster, NOWHERE, "False", "NodeNotFound")

    def assigned() -> tuple[list[str] | None, list[str]]:
        reasons = mixnode_events(cluster, NAMES[0])
        return (reasons if {"LayerAssigned", "Serving"} <= set(reasons) else None), reasons

    events = cluster.wait_for("LayerAssigned and Serving Events", assigned, 30)
    assert "LayerAssigned" in events
    table = cluster.kubectl("get", "mixnodes", NAMES[0], "-o", "wide").stdout.split("\n")
    columns = [c for c in table[0].split() if c]
    starts = [table[0].index(c) for c in columns]
    cells = {
        c: table[1][a:b].strip()
        for c, a, b in zip(columns, starts, [*starts[1:], None], strict=True)
    }
    assert cells["LAYER"] in {"0", "1", "2"}
    assert (cells["NODE"], cells["RELIABILITY"], cells["READY"]) == ("edge-0", "0.99", "True")
    assert cells["ADDRESS"] == "127.0.0.1:41000"
    assert cells["STAKE"] in {"", "<none>"}  # no Stake bonded behind it


def test_a_silent_agent_turns_its_mixnode_ready_unknown(
    cluster: Cluster, agents: ReportingMixnodes
) -> None:
    wait_ready(cluster, NAMES[-1], "True")
    agents.silence(NAMES[-1])
    assert wait_ready(cluster, NAMES[-1], "Unknown", "AgentSilent")


def test_the_directory_is_signed_with_the_key_in_the_secret(
    cluster: Cluster, agents: ReportingMixnodes
) -> None:
    serving = set(NAMES[:-1])
    opened = directory_with(cluster, serving, absent=frozenset({NOT_EDGE, NOWHERE}))
    assert opened.pinned
    for node in opened.directory.nodes:
        assert set(node.public_keys) >= {opened.directory.epoch}
        assert node.reliability_ppm == 990_000
        assert node.stake == 1  # no Stake bonded: counts as 1


def circuit(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "Circuit",
        "metadata": {"name": name},
        "spec": {"hops": 3, "minReliability": 0.5},
    }


def wait_circuit(cluster: Cluster, name: str, what: str, test: Any, timeout: float) -> Any:
    def probe() -> tuple[Any, Any]:
        body = cluster.get("circuit", name) or {}
        return (body if test(body) else None), body.get("status")

    return cluster.wait_for(f"Circuit {name}: {what}", probe, timeout)


def path_of(body: dict[str, Any]) -> list[str]:
    hops = sorted((body.get("status") or {}).get("path") or (), key=lambda h: h["layer"])
    return [h["mixNode"] for h in hops]


def circuit_events(cluster: Cluster, name: str) -> list[str]:
    selector = f"involvedObject.name={name},involvedObject.kind=Circuit"
    result = cluster.kubectl(
        "get", "events", "-n", cluster.namespace, "--field-selector", selector, "-o", "json"
    )
    return [e["reason"] for e in json.loads(result.stdout)["items"]]


def test_a_circuit_is_drawn_verified_and_redrawn_around_a_dead_hop(
    cluster: Cluster, agents: ReportingMixnodes
) -> None:
    agents.silence(NAMES[-1])  # as the silent-agent test does, so this test stands alone
    directory_with(cluster, set(NAMES[:-1]), absent=frozenset({NAMES[-1]}))
    cluster.apply(circuit("c1"))
    first = wait_circuit(
        cluster, "c1", "a drawn path", lambda b: len(path_of(b)) == 3, 3 * EPOCH_SECONDS
    )
    status = first["status"]
    assert status["phase"] == "Established"
    assert condition(first, "Ready")["reason"] == "Established"
    assert set(status["vrf"]) == {"publicKey", "alpha", "proof", "output"}
    assert status["expiresTime"] > status["establishedTime"]
    verdict = fogctl(cluster, "circuit", "verify", f"{cluster.namespace}/c1")
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    assert "valid" in verdict.stdout

    dead = path_of(first)[1]
    agents.set_health(dead, "Down")
    wait_ready(cluster, dead, "False", "MixnodeDown")
    redrawn = wait_circuit(
        cluster,
        "c1",
        f"a path without {dead}",
        lambda b: len(path_of(b)) == 3 and dead not in path_of(b),
        3 * EPOCH_SECONDS,
    )
    assert redrawn["status"]["epoch"] > status["epoch"]
    assert redrawn["status"]["vrf"]["proof"] != status["vrf"]["proof"]
    verdict = fogctl(cluster, "circuit", "verify", f"{cluster.namespace}/c1")
    assert verdict.returncode == 0, verdict.stdout + verdict.stderr
    assert "PathDrawn" in circuit_events(cluster, "c1")

    def redrawn_event() -> tuple[str | None, list[str]]:
        reasons = circuit_events(cluster, "c1")
        return ("ok" if "PathRedrawn" in reasons else None), reasons

    cluster.wait_for("a PathRedrawn Event", redrawn_event, 15)
    agents.set_health(dead, "Serving")


def test_a_restarted_operator_keeps_its_keys_and_published_directories(
    cluster: Cluster, agents: ReportingMixnodes, mixnet_operator: FogOperator
) -> None:
    before_key = signer_key(cluster)
    before = directory_data(cluster)
    mixnet_operator.kill()
    mixnet_operator.start()
    time.sleep(1.0)
    assert signer_key(cluster) == before_key
    after = directory_data(cluster)
    for key in set(before) & set(after):
        assert after[key] == before[key], f"{key} was rewritten after the restart"
