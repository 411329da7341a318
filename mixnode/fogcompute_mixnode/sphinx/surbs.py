"""Single-use reply blocks: a recipient answers a sender without learning who or where it is.

The SURB creator (a client) calls ``build_surb``, sends the ``Surb`` inside a forward
message (``serialize_surb``) and keeps the secret ``SurbKeys``. The replier calls
``parse_surb`` and ``build_reply_packet``; the reply's exit hop returns a
``SurbReplyDelivered`` whose payload only the creator can open with ``open_reply``.

The replier encrypts the framed reply block with the SURB's reply key (Lioness) before it
leaves, so the block is never plaintext on the wire; each hop then removes a layer as for
any packet, and the creator re-applies the hops' layers and removes the reply key's.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from fogcompute_mixnode.sphinx import payloads
from fogcompute_mixnode.sphinx.building import check_path, check_recipient
from fogcompute_mixnode.sphinx.errors import SphinxDrop
from fogcompute_mixnode.sphinx.geometry import (
    HEADER_SIZE,
    NODE_ID_SIZE,
    PAYLOAD_KEY_SIZE,
    PAYLOAD_SIZE,
    SURB_ID_SIZE,
    additional_data,
)
from fogcompute_mixnode.sphinx.headers import make_header
from fogcompute_mixnode.sphinx.paths import NodeId, PathHop


@dataclass(frozen=True)
class Surb:
    """What the replier gets: the id, where to send, the header, and the reply key.

    ``payload_key_material`` is the 48-byte Lioness key the replier encrypts the reply
    payload block with before sending it to ``first_hop``, so the block is never plaintext
    on the wire.
    """

    surb_id: bytes
    first_hop: NodeId
    header: bytes
    payload_key_material: bytes = field(repr=False)


@dataclass(frozen=True)
class SurbKeys:
    """Kept secret by the SURB creator: ``keys[0]`` is the reply key given to the replier,
    ``keys[1:]`` the per-hop payload keys in path order."""

    surb_id: bytes
    keys: tuple[bytes, ...] = field(repr=False)


SURB_SIZE: Final = SURB_ID_SIZE + NODE_ID_SIZE + HEADER_SIZE + PAYLOAD_KEY_SIZE
"""Bytes of a serialized SURB: id (16) | first hop (32) | header (476) | reply key (48)."""


def build_surb(*, path: Sequence[PathHop], recipient: bytes) -> tuple[Surb, SurbKeys]:
    """A SURB routing a reply along ``path`` to ``recipient`` (the creator's mailbox id).

    All hops must share one key epoch. Keep the ``SurbKeys``; send only the ``Surb``.
    """
    epoch = check_path(path)
    check_recipient(recipient)
    surb_id = os.urandom(SURB_ID_SIZE)
    built = make_header(
        path=path, additional_data=additional_data(epoch), recipient=recipient, surb_id=surb_id
    )
    reply_key = os.urandom(PAYLOAD_KEY_SIZE)
    surb = Surb(
        surb_id=surb_id,
        first_hop=path[0].node_id,
        header=built.header,
        payload_key_material=reply_key,
    )
    return surb, SurbKeys(surb_id=surb_id, keys=(reply_key, *built.payload_keys))


def serialize_surb(surb: Surb) -> bytes:
    """``SURB_SIZE`` bytes that ``parse_surb`` turns back into ``surb``."""
    data = surb.surb_id + surb.first_hop + surb.header + surb.payload_key_material
    if len(data) != SURB_SIZE:
        raise ValueError(f"SURB fields add up to {len(data)} bytes, not {SURB_SIZE}")
    return data


def parse_surb(data: bytes) -> Surb:
    """The SURB in ``data``; raises ``ValueError`` if ``data`` is not ``SURB_SIZE`` bytes."""
    if len(data) != SURB_SIZE:
        raise ValueError(f"a serialized SURB is {SURB_SIZE} bytes, got {len(data)}")
    hop_end = SURB_ID_SIZE + NODE_ID_SIZE
    header_end = hop_end + HEADER_SIZE
    return Surb(
        surb_id=bytes(data[:SURB_ID_SIZE]),
        first_hop=NodeId(bytes(data[SURB_ID_SIZE:hop_end])),
        header=bytes(data[hop_end:header_end]),
        payload_key_material=bytes(data[header_end:]),
    )


def build_reply_packet(*, surb: Surb, message: bytes) -> bytes:
    """A ``PACKET_SIZE`` packet to send to ``surb.first_hop`` carrying ``message``."""
    if len(surb.header) != HEADER_SIZE:
        raise ValueError(f"surb.header must be {HEADER_SIZE} bytes, got {len(surb.header)}")
    if len(surb.payload_key_material) != PAYLOAD_KEY_SIZE:
        raise ValueError(f"surb.payload_key_material must be {PAYLOAD_KEY_SIZE} bytes")
    block = payloads.encode_block(message)
    return surb.header + payloads.encrypt_layer(surb.payload_key_material, block)


def open_reply(*, keys: SurbKeys, payload: bytes) -> bytes:
    """The creator's view of a ``SurbReplyDelivered.payload``: the replier's message.

    Raises ``SphinxDrop("bad_payload")`` if the zero tag does not verify.
    """
    if len(payload) != PAYLOAD_SIZE:
        raise SphinxDrop("bad_payload", f"reply payload is {len(payload)} bytes")
    if len(keys.keys) < 2:
        raise ValueError("SurbKeys.keys needs the reply key and at least one hop key")
    reply_key, hop_keys = keys.keys[0], keys.keys[1:]
    block = payload
    for key in reversed(hop_keys):
        block = payloads.encrypt_layer(key, block)
    try:
        return payloads.decode_block(payloads.unwrap(block, reply_key))
    except payloads.PayloadError as exc:
        raise SphinxDrop("bad_payload", str(exc)) from None
