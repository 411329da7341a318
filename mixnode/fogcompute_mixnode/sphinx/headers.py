"""The Sphinx header in both directions: build it for a path, unwrap one layer at a hop.

Called by ``building``/``surbs`` (build) and ``processing`` (unwrap). Katzenpost's X25519
geometry (``geometry``), key schedule (``keying``) and routing commands (``commands``);
the unwrap direction reproduces every header transition of Katzenpost's published vectors.

Unwrap at a hop with private key ``x``, header ``ad | alpha | beta | gamma``::

    s = X25519(x, alpha)                 (all-zero: low-order point, drop)
    keys = derive_hop_keys(s)
    gamma == HMAC-SHA256(mac key, ad | alpha | beta)        (else: bad MAC, drop)
    B = (beta | 82 zero bytes) XOR AES-256-CTR(header key, header IV)
    commands = B[0:82];  next header = ad | X25519(blinding factor, alpha) | B[82:] | next MAC

Building pads the routing information of a path shorter than 5 hops with random bytes, so
a packet never shows how many hops it has. ``backends`` decides whether the Rust
extension builds headers instead; this module stays the reference it is tested against.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from fogcompute_mixnode.sphinx.backends import SELECTION, native
from fogcompute_mixnode.sphinx.commands import (
    CommandError,
    HopCommands,
    decode_commands,
    encode_commands,
)
from fogcompute_mixnode.sphinx.errors import SphinxDrop
from fogcompute_mixnode.sphinx.geometry import (
    AD_END,
    ALPHA_END,
    BETA_END,
    HEADER_SIZE,
    MAX_HOPS,
    PER_HOP_ROUTING_INFO_SIZE,
    ROUTING_INFO_SIZE,
)
from fogcompute_mixnode.sphinx.keying import (
    HopKeys,
    LowOrderPointError,
    aes256_ctr_xor,
    blinding_factor,
    derive_hop_keys,
    header_mac,
    x25519,
    x25519_base,
)
from fogcompute_mixnode.sphinx.paths import PathHop

_SLOT: Final = PER_HOP_ROUTING_INFO_SIZE
_STREAM_SIZE: Final = ROUTING_INFO_SIZE + PER_HOP_ROUTING_INFO_SIZE
_ZERO_STREAM: Final = bytes(_STREAM_SIZE)
_ZERO_SLOT: Final = bytes(PER_HOP_ROUTING_INFO_SIZE)


@dataclass(frozen=True, slots=True)
class HeaderStep:
    """One unwrapped layer: the hop's keys, its commands, and the shifted routing info."""

    keys: HopKeys
    commands: HopCommands
    routing_rest: bytes


def unwrap_header(private_key: bytes, header: bytes) -> HeaderStep:
    """Verify and decrypt one layer of ``header`` (``HEADER_SIZE`` bytes) with ``private_key``.

    Raises ``SphinxDrop`` with reason low_order_point, bad_mac or bad_command.
    """
    alpha = header[AD_END:ALPHA_END]
    try:
        shared = x25519(private_key, alpha)
    except LowOrderPointError:
        raise SphinxDrop("low_order_point", "group element is a low-order point") from None
    keys = derive_hop_keys(shared)
    if not hmac.compare_digest(header_mac(keys.mac_key, header[:BETA_END]), header[BETA_END:]):
        raise SphinxDrop("bad_mac", "header MAC does not verify")
    routing = aes256_ctr_xor(
        keys.header_key, keys.header_iv, header[ALPHA_END:BETA_END] + _ZERO_SLOT
    )
    try:
        commands = decode_commands(routing[:_SLOT])
    except CommandError as exc:
        raise SphinxDrop("bad_command", str(exc)) from None
    return HeaderStep(keys=keys, commands=commands, routing_rest=routing[_SLOT:])


def next_header(header: bytes, step: HeaderStep) -> bytes:
    """The header the next hop receives (only for a step with a next-hop command)."""
    mac = step.commands.next_mac
    if mac is None:
        raise ValueError("next_header needs a step with a next-hop command")
    alpha = x25519(blinding_factor(step.keys.blinding_seed), header[AD_END:ALPHA_END])
    return header[:AD_END] + alpha + step.routing_rest + mac


@dataclass(frozen=True, slots=True)
class BuiltHeader:
    """A header and the payload key of every hop (in path order), kept by the builder."""

    header: bytes
    payload_keys: tuple[bytes, ...]


def padding_size(hops: int) -> int:
    """Random bytes after the exit's commands in the routing info of a ``hops``-hop path."""
    return ROUTING_INFO_SIZE - (hops - 1) * _SLOT - _SLOT


def build_header(
    *,
    path: Sequence[PathHop],
    additional_data: bytes,
    recipient: bytes,
    surb_id: bytes | None,
    secret: bytes | None = None,
    padding: bytes | None = None,
) -> BuiltHeader:
    """The header routing through ``path`` to ``recipient`` (a SURB reply if ``surb_id``).

    ``secret`` (32 bytes) and ``padding`` (``padding_size(len(path))`` bytes) are the
    sender's randomness, fresh from ``os.urandom`` unless given (tests pin them to compare
    implementations).
    """
    count = len(path)
    if not 1 <= count <= MAX_HOPS:
        raise ValueError(f"path must have 1 to {MAX_HOPS} hops, got {count}")
    secret = os.urandom(32) if secret is None else secret
    padding = os.urandom(padding_size(count)) if padding is None else padding
    if len(padding) != padding_size(count):
        raise ValueError(f"padding must be {padding_size(count)} bytes, got {len(padding)}")
    alpha = x25519_base(secret)
    alphas: list[bytes] = []
    keys: list[HopKeys] = []
    blinds: list[bytes] = []
    for index, hop in enumerate(path):
        shared = x25519(secret, hop.public_key)
        for factor in blinds:
            shared = x25519(factor, shared)
        hop_keys = derive_hop_keys(shared)
        alphas.append(alpha)
        keys.append(hop_keys)
        if index < count - 1:
            factor = blinding_factor(hop_keys.blinding_seed)
            blinds.append(factor)
            alpha = x25519(factor, alpha)
    streams = [aes256_ctr_xor(k.header_key, k.header_iv, _ZERO_STREAM) for k in keys]
    filler = b""
    for index in range(count - 1):
        filler = _xor(filler + _ZERO_SLOT, streams[index][ROUTING_INFO_SIZE - index * _SLOT :])
    last = HopCommands(recipient=recipient, surb_id=surb_id, delay_us=path[-1].delay_us)
    plain_size = ROUTING_INFO_SIZE - (count - 1) * _SLOT
    plain = encode_commands(last) + padding
    beta = _xor(plain, streams[-1][:plain_size]) + filler
    mac = header_mac(keys[-1].mac_key, additional_data + alphas[-1] + beta)
    for index in range(count - 2, -1, -1):
        commands = HopCommands(
            next_hop=path[index + 1].node_id, next_mac=mac, delay_us=path[index].delay_us
        )
        slot = encode_commands(commands)
        beta = _xor(slot + beta[: ROUTING_INFO_SIZE - _SLOT], streams[index][:ROUTING_INFO_SIZE])
        mac = header_mac(keys[index].mac_key, additional_data + alphas[index] + beta)
    header = additional_data + alphas[0] + beta + mac
    assert len(header) == HEADER_SIZE
    return BuiltHeader(header=header, payload_keys=tuple(k.payload_key for k in keys))


def make_header(
    *, path: Sequence[PathHop], additional_data: bytes, recipient: bytes, surb_id: bytes | None
) -> BuiltHeader:
    """``build_header`` by the implementation ``backends`` selected, with fresh randomness."""
    if not SELECTION.native:
        return build_header(
            path=path, additional_data=additional_data, recipient=recipient, surb_id=surb_id
        )
    if not 1 <= len(path) <= MAX_HOPS:
        raise ValueError(f"path must have 1 to {MAX_HOPS} hops, got {len(path)}")
    header, keys = native.build_header(
        secret=os.urandom(32),
        public_keys=[hop.public_key for hop in path],
        node_ids=[hop.node_id for hop in path],
        delays=[hop.delay_us for hop in path],
        additional_data=additional_data,
        recipient=recipient,
        surb_id=surb_id,
        padding=os.urandom(padding_size(len(path))),
    )
    return BuiltHeader(header=header, payload_keys=tuple(keys))


def _xor(a: bytes, b: bytes) -> bytes:
    size = len(a)
    return (int.from_bytes(a, "little") ^ int.from_bytes(b[:size], "little")).to_bytes(
        size, "little"
    )
