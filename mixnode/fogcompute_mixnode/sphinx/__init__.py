"""Sphinx packet format of fog-compute's mixnet (Katzenpost X25519 header, Lioness payload).

The packet layer under the mixnode daemon (``fogcompute_mixnode.node``) and the client
(``fogcompute_mixnode.client``): pure functions and small objects, no I/O, no timers.
Everything the daemon and client need is re-exported here; import from this package only.
"""

from fogcompute_mixnode.sphinx.building import build_forward_packet
from fogcompute_mixnode.sphinx.epochs import EpochKey, generate_epoch_key
from fogcompute_mixnode.sphinx.errors import DROP_REASONS, DropReason, SphinxDrop
from fogcompute_mixnode.sphinx.geometry import (
    HEADER_SIZE,
    MAX_HOPS,
    MAX_MESSAGE_SIZE,
    PACKET_SIZE,
    PAYLOAD_SIZE,
)
from fogcompute_mixnode.sphinx.paths import NodeId, PathHop
from fogcompute_mixnode.sphinx.processing import SphinxNode
from fogcompute_mixnode.sphinx.replays import ReplayFilter
from fogcompute_mixnode.sphinx.results import Deliver, Forward, ProcessResult, SurbReplyDelivered
from fogcompute_mixnode.sphinx.surbs import (
    SURB_SIZE,
    Surb,
    SurbKeys,
    build_reply_packet,
    build_surb,
    open_reply,
    parse_surb,
    serialize_surb,
)

__all__ = [
    "DROP_REASONS",
    "HEADER_SIZE",
    "MAX_HOPS",
    "MAX_MESSAGE_SIZE",
    "PACKET_SIZE",
    "PAYLOAD_SIZE",
    "SURB_SIZE",
    "Deliver",
    "DropReason",
    "EpochKey",
    "Forward",
    "NodeId",
    "PathHop",
    "ProcessResult",
    "ReplayFilter",
    "SphinxDrop",
    "SphinxNode",
    "Surb",
    "SurbKeys",
    "SurbReplyDelivered",
    "build_forward_packet",
    "build_reply_packet",
    "build_surb",
    "generate_epoch_key",
    "open_reply",
    "parse_surb",
    "serialize_surb",
]
