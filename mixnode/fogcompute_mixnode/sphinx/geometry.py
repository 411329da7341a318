"""Sizes of every field of a fog-compute Sphinx packet: the single source of the wire geometry.

Sits at the bottom of the sphinx package; every other module takes its sizes from here and
never hard-codes a length.

Header (476 bytes, byte-compatible with Katzenpost's X25519 Sphinx geometry with 5 hops)::

    additional data (2) | group element (32) | routing information (5 x 82) | MAC (32)

The additional data is ``VERSION`` followed by the epoch hint: the key epoch modulo 256 of
the keys the packet was built for (Katzenpost writes ``00 00``, i.e. version 0 and epoch 0).

Payload block (``PAYLOAD_SIZE`` = 2048 bytes, Lioness-encrypted once per hop)::

    zero tag (16) | message length (2, big-endian) | message | random padding

so a message holds at most ``MAX_MESSAGE_SIZE`` = 2030 bytes. Every packet on the wire is
exactly ``PACKET_SIZE`` = 476 + 2048 = 2524 bytes, whatever the number of hops (1 to 5).
"""

from __future__ import annotations

from typing import Final

MAX_HOPS: Final = 5
VERSION: Final = 0

AD_SIZE: Final = 2
GROUP_ELEMENT_SIZE: Final = 32
MAC_SIZE: Final = 32
NODE_ID_SIZE: Final = 32
RECIPIENT_SIZE: Final = 32
SURB_ID_SIZE: Final = 16
DELAY_SIZE: Final = 4

# Per hop: the largest command set a hop can hold (next hop 65 + delay 5 at a mix; recipient
# 33 + SURB reply 17 + delay 5 at the exit), rounded to Katzenpost's 82 bytes.
PER_HOP_ROUTING_INFO_SIZE: Final = 82
ROUTING_INFO_SIZE: Final = PER_HOP_ROUTING_INFO_SIZE * MAX_HOPS
HEADER_SIZE: Final = AD_SIZE + GROUP_ELEMENT_SIZE + ROUTING_INFO_SIZE + MAC_SIZE

AD_END: Final = AD_SIZE
ALPHA_END: Final = AD_END + GROUP_ELEMENT_SIZE
BETA_END: Final = ALPHA_END + ROUTING_INFO_SIZE

TAG_SIZE: Final = 16
LENGTH_PREFIX_SIZE: Final = 2
PAYLOAD_SIZE: Final = 2048
MAX_MESSAGE_SIZE: Final = PAYLOAD_SIZE - TAG_SIZE - LENGTH_PREFIX_SIZE
PACKET_SIZE: Final = HEADER_SIZE + PAYLOAD_SIZE

PAYLOAD_KEY_SIZE: Final = 48
MAX_DELAY_US: Final = 2**32 - 1
EPOCH_HINT_MODULUS: Final = 256


def additional_data(epoch: int) -> bytes:
    """The header's 2-byte additional data for keys of ``epoch``: version, epoch mod 256."""
    return bytes([VERSION, epoch % EPOCH_HINT_MODULUS])
