"""``fogctl circuit verify`` against the real API server: Circuit and directory read from the
cluster with a kubeconfig, as a user off the cluster would.

A Circuit is created with kubectl, drawn for the uid the API server gave it (the operator's
routing code, run here in the test), its status written through the status subresource, the
signed directory put in a ConfigMap under the epoch's key; then fogctl runs as a real process
with ``KUBECONFIG`` set. A status path rewritten afterwards must be rejected.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from typing import Any

import pytest
from fogcompute_api.circuits import CircuitSpec
from fogcompute_mixnode.routing import (
    EpochDirectory,
    MixNodeRecord,
    directory_configmap_key,
    draw_circuit,
    keypair_from_secret,
    sign_directory,
)
from fogcompute_testbed.controlplane import ControlPlane

pytestmark = pytest.mark.integration

EPOCH = 3
VRF_SECRET = hashlib.sha256(b"integration vrf").digest()
SIGNING_SEED = hashlib.sha256(b"integration directory key").digest()


def _directory() -> EpochDirectory:
    nodes = []
    for layer in range(3):
        for i in range(2):
            seed = hashlib.sha256(f"{layer}-{i}".encode()).digest()
            nodes.append(
                MixNodeRecord(
                    name=f"mix-{layer}-{i}",
                    node_id=seed,
                    layer=layer,
                    address=f"127.0.0.1:{9100 + 10 * layer + i}",
                    public_keys={EPOCH: hashlib.sha256(seed).digest()},
                    reliability_ppm=990_000,
                    stake=1000 * (i + 1),
                )
            )
    return EpochDirectory(
        epoch=EPOCH, vrf_public_key=keypair_from_secret(VRF_SECRET).public_key, nodes=tuple(nodes)
    )


def _fogctl(plane: ControlPlane, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fogcompute_mixnode.client.cli", *args],
        env={**os.environ, "KUBECONFIG": str(plane.admin_kubeconfig)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _patch_status(plane: ControlPlane, namespace: str, status: dict[str, Any]) -> None:
    plane.kubectl(
        "patch",
        "circuit",
        "c1",
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": status}),
    )


def test_fogctl_verifies_a_circuit_read_from_the_cluster(
    control_plane: ControlPlane, crds: list[str], namespace: str
) -> None:
    circuit = {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "Circuit",
        "metadata": {"name": "c1", "namespace": namespace},
        "spec": {"hops": 3},
    }
    control_plane.kubectl("create", "-f", "-", input=json.dumps(circuit))
    created = json.loads(
        control_plane.kubectl("get", "circuit", "c1", "-n", namespace, "-o", "json").stdout
    )
    directory = _directory()
    draw = draw_circuit(
        secret_key=VRF_SECRET,
        directory=directory,
        circuit_uid=created["metadata"]["uid"],
        spec=CircuitSpec.model_validate(created["spec"]),
    )
    status = {
        "phase": "Established",
        "epoch": EPOCH,
        "path": [h.model_dump(by_alias=True, mode="json") for h in draw.path],
        "vrf": draw.vrf.model_dump(by_alias=True, mode="json"),
    }
    _patch_status(control_plane, namespace, status)
    document = json.dumps(sign_directory(directory, signing_key=SIGNING_SEED))
    control_plane.kubectl(
        "create",
        "configmap",
        "fog-mixnet-directory",
        "-n",
        namespace,
        f"--from-literal={directory_configmap_key(EPOCH)}={document}",
    )

    where = ["--directory-configmap", f"{namespace}/fog-mixnet-directory"]
    result = _fogctl(control_plane, "circuit", "verify", f"{namespace}/c1", *where)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith(f"valid: {namespace}/c1 epoch {EPOCH}: ")

    swapped = dict(status["path"][0])
    other = next(n for n in directory.nodes if n.layer == 0 and n.name != swapped["mixNode"])
    swapped.update(
        mixNode=other.name, address=other.address, publicKey=other.public_keys[EPOCH].hex()
    )
    _patch_status(control_plane, namespace, {**status, "path": [swapped, *status["path"][1:]]})
    result = _fogctl(control_plane, "circuit", "verify", f"{namespace}/c1", *where, "-o", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 1
    assert report["valid"] is False
    assert report["reasons"][0].startswith("status.path layer 0: the draw gives")

    missing = _fogctl(control_plane, "circuit", "verify", f"{namespace}/absent", *where)
    assert missing.returncode == 2
    assert "the API server answered 404" in json.loads(missing.stdout)["error"]
