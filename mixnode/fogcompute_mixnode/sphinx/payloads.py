"""The payload block: the message framed with a zero tag, Lioness-wrapped once per hop.

Used by ``building`` and ``surbs`` (encode and wrap) and by ``processing`` (unwrap one
layer per hop, decode at the exit). Block layout (``PAYLOAD_SIZE`` bytes)::

    16 zero bytes (tag) | 2-byte big-endian message length | message | random padding

The padding is random, never zeros, so an intermediate hop cannot tell a short message from
a long one even in principle. The exit rejects a block whose tag is not all zero: any change
to the block on the way turns the whole block, tag included, into noise.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Final

from fogcompute_mixnode.sphinx import lioness
from fogcompute_mixnode.sphinx.backends import SELECTION, native
from fogcompute_mixnode.sphinx.geometry import (
    LENGTH_PREFIX_SIZE,
    MAX_MESSAGE_SIZE,
    PAYLOAD_SIZE,
    TAG_SIZE,
)

ZERO_TAG: Final = bytes(TAG_SIZE)
_BODY_START: Final = TAG_SIZE + LENGTH_PREFIX_SIZE


class PayloadError(ValueError):
    """A payload block whose tag or length does not verify."""


def encode_block(message: bytes) -> bytes:
    """The plaintext block of ``message`` (at most ``MAX_MESSAGE_SIZE`` bytes)."""
    if len(message) > MAX_MESSAGE_SIZE:
        raise ValueError(
            f"message is {len(message)} bytes, over the {MAX_MESSAGE_SIZE}-byte maximum; "
            "split it into several packets"
        )
    prefix = ZERO_TAG + len(message).to_bytes(LENGTH_PREFIX_SIZE, "big")
    return prefix + message + os.urandom(PAYLOAD_SIZE - _BODY_START - len(message))


def decode_block(block: bytes) -> bytes:
    """The message in a plaintext block; ``PayloadError`` if the tag or length is wrong."""
    if len(block) != PAYLOAD_SIZE or block[:TAG_SIZE] != ZERO_TAG:
        raise PayloadError("payload tag does not verify")
    size = int.from_bytes(block[TAG_SIZE:_BODY_START], "big")
    if size > MAX_MESSAGE_SIZE:
        raise PayloadError(f"payload length {size} is over the maximum {MAX_MESSAGE_SIZE}")
    return block[_BODY_START : _BODY_START + size]


def wrap(block: bytes, payload_keys: Sequence[bytes]) -> bytes:
    """Encrypt ``block`` so that hops unwrapping in path order recover it at the end."""
    if SELECTION.native:
        return native.wrap_payload(block, payload_keys)
    for key in reversed(payload_keys):
        block = lioness.encrypt(key, block)
    return block


def encrypt_layer(payload_key: bytes, block: bytes) -> bytes:
    """One Lioness layer on ``block`` (the implementation ``backends`` selected)."""
    if SELECTION.native:
        return native.lioness_encrypt(payload_key, block)
    return lioness.encrypt(payload_key, block)


def unwrap(block: bytes, payload_key: bytes) -> bytes:
    """One hop's layer off ``block``."""
    if SELECTION.native:
        return native.lioness_decrypt(payload_key, block)
    return lioness.decrypt(payload_key, block)
