"""What a node does with a packet it accepted: forward it, deliver it, or hand back a reply.

Produced by ``processing.SphinxNode.process``, consumed by the daemon. Values only.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogcompute_mixnode.sphinx.paths import NodeId


@dataclass(frozen=True)
class Forward:
    """Send ``packet`` (exactly ``PACKET_SIZE`` bytes) to ``next_hop`` after ``delay_us``."""

    next_hop: NodeId
    delay_us: int
    packet: bytes


@dataclass(frozen=True)
class Deliver:
    """Exit hop of a forward packet: zero tag verified, length prefix and padding removed.

    ``delay_us`` is the delay the sender asked the exit to apply before delivering (0 if none).
    """

    recipient: bytes
    message: bytes
    delay_us: int = 0


@dataclass(frozen=True)
class SurbReplyDelivered:
    """Exit hop of a SURB reply: the still-encrypted payload block for the SURB's creator.

    Only the creator, holding the ``SurbKeys`` for ``surb_id``, can open ``payload`` (with
    ``open_reply``). ``recipient`` is the creator's recipient id written in the SURB, so the
    exit knows which mailbox to hand the payload to.
    """

    surb_id: bytes
    payload: bytes
    recipient: bytes = b""
    delay_us: int = 0


ProcessResult = Forward | Deliver | SurbReplyDelivered
