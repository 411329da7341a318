"""Builders shared by the routing tests: mixnode records, directories, keys, circuits."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from fogcompute_api.circuits import Circuit, CircuitSpec, CircuitStatus
from fogcompute_api.objects import ObjectMeta
from fogcompute_mixnode.routing import (
    EpochDirectory,
    MixNodeRecord,
    draw_circuit,
    keypair_from_secret,
    sign_directory,
)

EPOCH = 7
VRF_SECRET = hashlib.sha256(b"test vrf secret").digest()
VRF_PUBLIC = keypair_from_secret(VRF_SECRET).public_key
SIGNING_SEED = hashlib.sha256(b"test directory signing seed").digest()
UID = "3f1c2a9e-8d4b-4c6e-9a1f-0b2c3d4e5f60"


def make_node(
    name: str, *, layer: int, stake: int = 1000, reliability_ppm: int = 990_000
) -> MixNodeRecord:
    seed = hashlib.sha256(name.encode()).digest()
    return MixNodeRecord(
        name=name,
        node_id=seed,
        layer=layer,
        address=f"10.0.{layer}.{seed[0]}:9{layer}01",
        public_keys={
            EPOCH: hashlib.sha256(seed + b"k7").digest(),
            EPOCH + 1: hashlib.sha256(seed + b"k8").digest(),
        },
        reliability_ppm=reliability_ppm,
        stake=stake,
    )


def make_directory(*, layers: int = 5, per_layer: int = 3, epoch: int = EPOCH) -> EpochDirectory:
    nodes = tuple(
        make_node(f"mix-{layer}-{i}", layer=layer, stake=1000 * (i + 1))
        for layer in range(layers)
        for i in range(per_layer)
    )
    return EpochDirectory(epoch=epoch, vrf_public_key=VRF_PUBLIC, nodes=nodes)


def with_node(directory: EpochDirectory, node: MixNodeRecord) -> EpochDirectory:
    others = tuple(n for n in directory.nodes if n.name != node.name)
    return replace(directory, nodes=(*others, node))


def signed(directory: EpochDirectory, *, seed: bytes = SIGNING_SEED) -> dict[str, Any]:
    return sign_directory(directory, signing_key=seed)


def make_circuit(
    directory: EpochDirectory, *, hops: int = 3, uid: str = UID, **spec: Any
) -> Circuit:
    """A Circuit whose status holds an honest draw from ``directory``."""
    circuit_spec = CircuitSpec(hops=hops, **spec)
    draw = draw_circuit(
        secret_key=VRF_SECRET, directory=directory, circuit_uid=uid, spec=circuit_spec
    )
    return Circuit(
        metadata=ObjectMeta(name="c1", namespace="team-a", uid=uid),
        spec=circuit_spec,
        status=CircuitStatus(phase="Established", epoch=draw.epoch, path=draw.path, vrf=draw.vrf),
    )
