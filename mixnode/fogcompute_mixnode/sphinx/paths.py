"""Identities and path hops: what a packet builder is told about the nodes it routes through.

Sits beside ``epochs``; ``building`` and ``surbs`` consume ``PathHop`` values, the daemon
produces them from its directory. Values only, no crypto and no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

NodeId = NewType("NodeId", bytes)
"""A mixnode's 32-byte identity, as carried in the next-hop routing command."""


@dataclass(frozen=True)
class PathHop:
    """One hop of a path: the node, its X25519 public key for ``epoch``, the delay it applies.

    ``delay_us`` is the sender-chosen delay (microseconds) the node holds the packet before
    forwarding (or, at the exit, before delivering); it must fit in 32 bits.
    """

    node_id: NodeId
    public_key: bytes
    epoch: int
    delay_us: int
