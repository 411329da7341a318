"""A sender's half of Sphinx: wrap a message for a path of 1 to 5 hops.

Called by the client (``fogctl send``, Loopix streams) and by nodes for loop cover
traffic. Every packet is ``PACKET_SIZE`` bytes and looks the same whatever the number of
hops: unused routing information and payload padding are random bytes. The Rust extension
builds the packet when ``backends`` selected it (same bytes for the same randomness).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from fogcompute_mixnode.sphinx import payloads
from fogcompute_mixnode.sphinx.backends import SELECTION, native
from fogcompute_mixnode.sphinx.geometry import (
    GROUP_ELEMENT_SIZE,
    MAX_DELAY_US,
    MAX_HOPS,
    NODE_ID_SIZE,
    RECIPIENT_SIZE,
    additional_data,
)
from fogcompute_mixnode.sphinx.headers import build_header, padding_size
from fogcompute_mixnode.sphinx.paths import PathHop


def build_forward_packet(*, path: Sequence[PathHop], recipient: bytes, message: bytes) -> bytes:
    """A packet that ``path[-1]`` delivers to ``recipient`` (32 bytes) as ``message``.

    All hops must share one key epoch; ``message`` holds at most ``MAX_MESSAGE_SIZE`` bytes.
    Raises ``ValueError`` naming the bad argument otherwise.
    """
    epoch = check_path(path)
    check_recipient(recipient)
    block = payloads.encode_block(message)
    if SELECTION.native:
        return native.build_packet(
            secret=os.urandom(32),
            public_keys=[hop.public_key for hop in path],
            node_ids=[hop.node_id for hop in path],
            delays=[hop.delay_us for hop in path],
            additional_data=additional_data(epoch),
            recipient=recipient,
            padding=os.urandom(padding_size(len(path))),
            block=block,
        )
    built = build_header(
        path=path, additional_data=additional_data(epoch), recipient=recipient, surb_id=None
    )
    return built.header + payloads.wrap(block, built.payload_keys)


def check_path(path: Sequence[PathHop]) -> int:
    """The common epoch of ``path``; ``ValueError`` naming the first thing wrong with it."""
    if not 1 <= len(path) <= MAX_HOPS:
        raise ValueError(f"path has {len(path)} hops; use 1 to {MAX_HOPS}")
    epoch = path[0].epoch
    for index, hop in enumerate(path):
        if len(hop.node_id) != NODE_ID_SIZE:
            raise ValueError(f"path[{index}].node_id must be {NODE_ID_SIZE} bytes")
        if len(hop.public_key) != GROUP_ELEMENT_SIZE:
            raise ValueError(f"path[{index}].public_key must be {GROUP_ELEMENT_SIZE} bytes")
        if hop.epoch != epoch:
            raise ValueError(
                f"path[{index}].epoch is {hop.epoch} but path[0].epoch is {epoch}: "
                "build a path from one epoch's keys"
            )
        if not 0 <= hop.delay_us <= MAX_DELAY_US:
            raise ValueError(f"path[{index}].delay_us must be in 0..{MAX_DELAY_US}")
    return epoch


def check_recipient(recipient: bytes) -> None:
    """``ValueError`` unless ``recipient`` is a 32-byte id."""
    if len(recipient) != RECIPIENT_SIZE:
        raise ValueError(f"recipient must be {RECIPIENT_SIZE} bytes, got {len(recipient)}")
