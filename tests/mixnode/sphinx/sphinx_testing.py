"""Builders shared by the Sphinx packet tests: a small mixnet of in-memory nodes and forged headers.

Test support only: nothing in the package imports it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from fogcompute_mixnode.sphinx import (
    PAYLOAD_SIZE,
    Deliver,
    EpochKey,
    Forward,
    NodeId,
    PathHop,
    ProcessResult,
    ReplayFilter,
    SphinxNode,
    SurbReplyDelivered,
    backends,
    generate_epoch_key,
)
from fogcompute_mixnode.sphinx.geometry import ROUTING_INFO_SIZE, additional_data
from fogcompute_mixnode.sphinx.keying import (
    aes256_ctr_xor,
    derive_hop_keys,
    header_mac,
    x25519,
    x25519_base,
)

EPOCH = 3
RECIPIENT = b"R" * 32
MAX_DELAY_US = 5_000_000


@dataclass
class Mixnet:
    """Five nodes with one epoch key each, and their processors."""

    keys: dict[NodeId, EpochKey]
    nodes: dict[NodeId, SphinxNode]

    def path(self, hops: int, *, delay_us: int = 1000) -> list[PathHop]:
        ids = list(self.keys)[:hops]
        return [
            PathHop(
                node_id=node_id,
                public_key=self.keys[node_id].public_key,
                epoch=EPOCH,
                delay_us=delay_us + index,
            )
            for index, node_id in enumerate(ids)
        ]

    def route(self, packet: bytes, first: NodeId) -> tuple[list[Forward], ProcessResult]:
        """Run ``packet`` through the nodes until it leaves the mixnet (or a node drops it)."""
        hops: list[Forward] = []
        result = self.nodes[first].process(packet)
        while isinstance(result, Forward):
            hops.append(result)
            result = self.nodes[result.next_hop].process(result.packet)
        assert isinstance(result, Deliver | SurbReplyDelivered)
        return hops, result


def make_mixnet(size: int = 5) -> Mixnet:
    keys = {NodeId(bytes([index + 1]) * 32): generate_epoch_key(EPOCH) for index in range(size)}
    nodes = {
        node_id: SphinxNode(
            keys=[key],
            replay=ReplayFilter(expected_per_epoch=10_000),
            max_delay_us=MAX_DELAY_US,
        )
        for node_id, key in keys.items()
    }
    return Mixnet(keys=keys, nodes=nodes)


def forge_one_hop(
    public_key: bytes, slot: bytes, *, epoch: int = EPOCH, alpha_secret: bytes | None = None
) -> bytes:
    """A MAC-valid one-hop packet whose routing slot is ``slot`` (82 bytes), random payload.

    Lets tests send commands the builders refuse to write.
    """
    secret = alpha_secret or os.urandom(32)
    alpha = x25519_base(secret)
    keys = derive_hop_keys(x25519(secret, public_key))
    ad = additional_data(epoch)
    plain = slot + os.urandom(ROUTING_INFO_SIZE - len(slot))
    beta = aes256_ctr_xor(keys.header_key, keys.header_iv, plain)
    mac = header_mac(keys.mac_key, ad + alpha + beta)
    return ad + alpha + beta + mac + os.urandom(PAYLOAD_SIZE)


@contextlib.contextmanager
def using(implementation: str) -> Iterator[None]:
    """Run the block with ``implementation`` ("python" or "native"), then restore."""
    before = backends.active()
    backends.select(implementation)
    try:
        yield
    finally:
        backends.select(before)


def flip_bit(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)
