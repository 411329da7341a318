"""Drawing a circuit's path and proving it: what the operator's Circuit controller calls.

Sits on top of the routing core (``ecvrf``, ``drawing``, ``directories``) and under the
operator's circuits package, which calls ``draw_circuit`` with the Circuit's uid and spec, the
epoch's directory and its VRF secret, then writes ``CircuitDraw.path`` and ``.vrf`` into the
Circuit status. Pure: no I/O, no clock; the same inputs always give the same draw, which is
what lets ``verifying`` (and ``fogctl circuit verify``) reproduce it from public data.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogcompute_api.circuits import CircuitSpec, Hop, VrfProof

from fogcompute_mixnode.routing import ecvrf
from fogcompute_mixnode.routing.directories import EpochDirectory, MixNodeRecord, directory_digest
from fogcompute_mixnode.routing.drawing import (
    DrawRequest,
    circuit_alpha,
    draw_path,
    reliability_to_ppm,
)

__all__ = ["CircuitDraw", "draw_circuit", "hops_of", "request_from_spec"]


def request_from_spec(spec: CircuitSpec) -> DrawRequest:
    """The draw a Circuit's spec asks for (``minReliability`` in parts per million)."""
    return DrawRequest(
        hops=spec.hops,
        min_reliability_ppm=reliability_to_ppm(spec.min_reliability),
        exclude_nodes=frozenset(spec.exclude_nodes),
        exit_node=spec.exit_node,
    )


def hops_of(path: tuple[MixNodeRecord, ...], *, epoch: int) -> tuple[Hop, ...]:
    """The status path for ``path``: layer, MixNode name, address and the epoch's key."""
    return tuple(
        Hop(
            layer=node.layer,
            mix_node=node.name,
            address=node.address,
            public_key=node.public_keys[epoch].hex(),
        )
        for node in path
    )


@dataclass(frozen=True)
class CircuitDraw:
    """A drawn path with its proof: ``path`` and ``vrf`` go into the Circuit status."""

    epoch: int
    nodes: tuple[MixNodeRecord, ...]
    path: tuple[Hop, ...]
    vrf: VrfProof


def draw_circuit(
    *, secret_key: bytes, directory: EpochDirectory, circuit_uid: str, spec: CircuitSpec
) -> CircuitDraw:
    """Prove the circuit's VRF input and draw its path from the output.

    Raises ``NoEligibleNodeError`` when a layer has no eligible node (the controller reports
    it in a condition), ``ValueError`` for a malformed uid or key.
    """
    keys = ecvrf.keypair_from_secret(secret_key)
    if keys.public_key != directory.vrf_public_key:
        raise ValueError(
            "the VRF key is not the one the directory publishes (vrfPublicKey); "
            "publish the directory with this operator's VRF public key"
        )
    alpha = circuit_alpha(
        circuit_uid=circuit_uid, epoch=directory.epoch, digest=directory_digest(directory)
    )
    proof = ecvrf.prove(secret_key=secret_key, alpha=alpha)
    beta = ecvrf.proof_to_hash(proof)
    assert beta is not None  # a proof we just made always decodes
    nodes = draw_path(beta=beta, directory=directory, request=request_from_spec(spec))
    return CircuitDraw(
        epoch=directory.epoch,
        nodes=nodes,
        path=hops_of(nodes, epoch=directory.epoch),
        vrf=VrfProof(
            public_key=keys.public_key.hex(),
            alpha=alpha.hex(),
            proof=proof.hex(),
            output=beta.hex(),
        ),
    )
