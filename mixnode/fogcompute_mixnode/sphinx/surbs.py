"""Single-use reply blocks: a recipient answers a sender without learning who or where it is.

The SURB creator (a client) calls ``build_surb``, sends the ``Surb`` inside a forward
message (``serialize_surb``) and keeps the secret ``SurbKeys``. The replier calls
``parse_surb`` and ``build_reply_packet``; the reply's exit hop returns a
``SurbReplyDelivered`` whose payload only the creator can open with ``open_reply``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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


SURB_SIZE = 16 + 32 + 476 + 48
"""Bytes of a serialized SURB: id (16) | first hop (32) | header (476) | reply key (48)."""


def build_surb(*, path: Sequence[PathHop], recipient: bytes) -> tuple[Surb, SurbKeys]:
    """A SURB routing a reply along ``path`` to ``recipient`` (the creator's mailbox id)."""
    raise NotImplementedError


def serialize_surb(surb: Surb) -> bytes:
    """``SURB_SIZE`` bytes that ``parse_surb`` turns back into ``surb``."""
    raise NotImplementedError


def parse_surb(data: bytes) -> Surb:
    """The SURB in ``data``; raises ``ValueError`` if ``data`` is not ``SURB_SIZE`` bytes."""
    raise NotImplementedError


def build_reply_packet(*, surb: Surb, message: bytes) -> bytes:
    """A ``PACKET_SIZE`` packet to send to ``surb.first_hop`` carrying ``message``."""
    raise NotImplementedError


def open_reply(*, keys: SurbKeys, payload: bytes) -> bytes:
    """The creator's view of a ``SurbReplyDelivered.payload``: the replier's message.

    Raises ``SphinxDrop("bad_payload")`` if the zero tag does not verify.
    """
    raise NotImplementedError
