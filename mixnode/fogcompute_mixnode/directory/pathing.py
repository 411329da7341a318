"""Path choice: one mixnode per layer, chosen with an unpredictable source.

Sits between the directory and the packet builders (client streams, the daemon's loop cover).
Uniform for now; stake- and reliability-weighted VRF selection comes with Circuit resources.
Must not use the predictable module-level ``random`` functions.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Protocol

from fogcompute_mixnode.directory.entries import Directory, NodeEntry
from fogcompute_mixnode.sampling import ExponentialSampler
from fogcompute_mixnode.sphinx import MAX_HOPS, PathHop


class MissingEpochKeyError(ValueError):
    """A node on the route publishes no key for the epoch a packet is being built for."""

    def __init__(self, *, node_id: bytes, epoch: int) -> None:
        super().__init__(
            f"node {node_id.hex()[:16]} publishes no key for epoch {epoch}; "
            "regenerate the directory with that epoch's keys"
        )
        self.node_id = node_id
        self.epoch = epoch


class Chooser(Protocol):
    """Picks one element of a non-empty sequence (``secrets.SystemRandom`` fits)."""

    def choice(self, seq: Sequence[NodeEntry]) -> NodeEntry: ...


def choose_route(directory: Directory, *, chooser: Chooser | None = None) -> list[NodeEntry]:
    """One node per layer, in layer order; at most ``MAX_HOPS`` layers are used."""
    pick = chooser if chooser is not None else secrets.SystemRandom()
    layers = directory.layers()
    if not layers:
        raise ValueError("the directory has no mixnodes: add entries under 'nodes'")
    return [pick.choice(layer) for layer in layers[:MAX_HOPS]]


def to_path(
    route: Sequence[NodeEntry], *, epoch: int, delays: ExponentialSampler, max_delay_us: int
) -> list[PathHop]:
    """The hops a packet builder needs, each with a sampled delay capped at ``max_delay_us``.

    Raises ``MissingEpochKeyError`` when a node on ``route`` has no public key for ``epoch``.
    """
    hops = []
    for entry in route:
        key = entry.public_keys.get(epoch)
        if key is None:
            raise MissingEpochKeyError(node_id=entry.node_id, epoch=epoch)
        delay_us = min(int(delays.sample()), max_delay_us)
        hops.append(PathHop(node_id=entry.node_id, public_key=key, epoch=epoch, delay_us=delay_us))
    return hops
