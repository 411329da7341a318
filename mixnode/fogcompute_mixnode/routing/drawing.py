"""The weighted path draw: one mixnode per layer from a VRF output, integers only.

Sits in the routing core between the directory records and the VRF: ``proving`` (operator)
and ``verifying`` (anyone) call ``draw_path`` with the same inputs and must get the same path,
so the rule is written out here and uses no floats, no platform randomness, no set order.

The rule, per layer ``0 .. hops-1``:
1. candidates: the directory's nodes of that layer, sorted by name, that are not excluded,
   have ``reliability_ppm >= min_reliability_ppm``, a public key for the epoch, and a weight
   ``stake * reliability_ppm`` above zero; if ``exit_node`` is set, the last layer's only
   candidate is that node (which must meet the same rule);
2. ``r``: for counter = 0, 1, ...: ``v = SHA-512(DRAW_CONTEXT || beta || layer (1 byte) ||
   counter (4 bytes, big-endian))`` read as a 512-bit big-endian integer; the first ``v`` below
   ``2**512 - (2**512 mod W)`` (``W`` the candidates' total weight) gives ``r = v mod W``.
   Rejecting the top ``2**512 mod W`` values makes every ``r`` in ``0..W-1`` exactly equally
   likely (the rejection probability is below ``W / 2**512``: in practice it never loops);
3. the chosen node is the first candidate whose running weight total exceeds ``r``.

The VRF input ``alpha`` binds the circuit uid, the epoch and the directory digest
(``circuit_alpha``), so the operator cannot pick another output for the same circuit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from fogcompute_mixnode.routing.directories import PPM, EpochDirectory, MixNodeRecord

__all__ = [
    "ALPHA_CONTEXT",
    "DRAW_CONTEXT",
    "MAX_HOPS",
    "MIN_HOPS",
    "DrawRequest",
    "NoEligibleNodeError",
    "candidates",
    "circuit_alpha",
    "draw_index",
    "draw_path",
    "reliability_to_ppm",
]

ALPHA_CONTEXT = b"fogcompute/circuit/v1"  # short: alpha must fit 128 bytes with a 64-byte uid
DRAW_CONTEXT = b"fogcompute.io/draw/v1"
MIN_HOPS = 3
MAX_HOPS = 5
MAX_UID_BYTES = 64
_WIDE = 1 << 512


class NoEligibleNodeError(ValueError):
    """A layer has no node the request allows; the message names the layer and the filter."""

    def __init__(self, *, layer: int, reason: str) -> None:
        super().__init__(f"layer {layer}: no eligible mixnode ({reason})")
        self.layer = layer


def reliability_to_ppm(value: float) -> int:
    """A reliability in [0, 1] as parts per million, rounded half to even (IEEE double)."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"reliability must be within [0, 1], got {value!r}")
    return round(value * PPM)


@dataclass(frozen=True)
class DrawRequest:
    """What a Circuit's spec asks of its path (``spec.hops``, ``minReliability`` ...)."""

    hops: int
    min_reliability_ppm: int = 0
    exclude_nodes: frozenset[str] = frozenset()
    exit_node: str | None = None

    def __post_init__(self) -> None:
        if not MIN_HOPS <= self.hops <= MAX_HOPS:
            raise ValueError(f"spec.hops must be {MIN_HOPS}..{MAX_HOPS}, got {self.hops}")
        if not 0 <= self.min_reliability_ppm <= PPM:
            raise ValueError("spec.minReliability must be within [0, 1]")


def circuit_alpha(*, circuit_uid: str, epoch: int, digest: bytes) -> bytes:
    """The VRF input: context, uid (length-prefixed), epoch (8 bytes), directory digest."""
    uid = circuit_uid.encode("utf-8")
    if not 0 < len(uid) <= MAX_UID_BYTES:
        raise ValueError(f"metadata.uid must be 1..{MAX_UID_BYTES} bytes, got {circuit_uid!r}")
    if not 0 <= epoch < 2**63 or len(digest) != 32:
        raise ValueError("epoch must be a non-negative 63-bit integer and digest 32 bytes")
    return ALPHA_CONTEXT + bytes([len(uid)]) + uid + epoch.to_bytes(8, "big") + digest


def draw_index(*, beta: bytes, layer: int, weights: Sequence[int]) -> int:
    """The index drawn with probability ``weights[i] / sum(weights)`` (rule steps 2 and 3)."""
    total = sum(weights)
    if total <= 0 or total >= _WIDE or any(w < 0 for w in weights):
        raise ValueError("weights must be non-negative with a total in 1..2**512-1")
    limit = _WIDE - (_WIDE % total)
    counter = 0
    while True:
        block = hashlib.sha512(
            DRAW_CONTEXT + beta + layer.to_bytes(1, "big") + counter.to_bytes(4, "big")
        ).digest()
        value = int.from_bytes(block, "big")
        if value < limit:
            break
        counter += 1
    r = value % total
    running = 0
    for index, weight in enumerate(weights):
        running += weight
        if r < running:
            return index
    raise AssertionError("unreachable: r < total")


def candidates(
    directory: EpochDirectory, *, layer: int, request: DrawRequest
) -> list[MixNodeRecord]:
    """The nodes layer ``layer`` may draw from, sorted by name (rule step 1)."""
    pool: Collection[MixNodeRecord] = directory.nodes
    if request.exit_node is not None and layer == request.hops - 1:
        pool = [n for n in directory.nodes if n.name == request.exit_node]
    return [
        n
        for n in pool
        if n.layer == layer
        and n.name not in request.exclude_nodes
        and n.reliability_ppm >= request.min_reliability_ppm
        and directory.epoch in n.public_keys
        and n.weight > 0
    ]


def draw_path(
    *, beta: bytes, directory: EpochDirectory, request: DrawRequest
) -> tuple[MixNodeRecord, ...]:
    """One node per layer ``0 .. hops-1``; ``NoEligibleNodeError`` names an empty layer."""
    path = []
    for layer in range(request.hops):
        pool = candidates(directory, layer=layer, request=request)
        if not pool:
            reason = (
                f"spec.exitNode {request.exit_node} is not an eligible node of this layer"
                if request.exit_node is not None and layer == request.hops - 1
                else f"none with reliability >= {request.min_reliability_ppm} ppm, "
                f"stake > 0 and a key for epoch {directory.epoch}, outside spec.excludeNodes"
            )
            raise NoEligibleNodeError(layer=layer, reason=reason)
        path.append(pool[draw_index(beta=beta, layer=layer, weights=[n.weight for n in pool])])
    return tuple(path)
