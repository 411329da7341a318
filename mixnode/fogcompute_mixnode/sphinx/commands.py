"""Routing commands: the per-hop instructions inside a hop's 82-byte routing information slot.

Encoded by ``headers.build_header`` and decoded by ``headers.unwrap_header``. Katzenpost's
encoding, as its vectors use it::

    0x80 delay      | 4-byte big-endian delay in microseconds
    0x01 next hop   | 32-byte node id | 32-byte MAC of the next hop's header
    0x02 recipient  | 32-byte recipient id
    0x03 SURB reply | 16-byte SURB id
    0x00 null       | the rest of the slot, all zero

A slot must say exactly one of "next hop" or "recipient"; a SURB reply goes with a
recipient; no command appears twice. Anything else is ``CommandError`` ("bad_command").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from fogcompute_mixnode.sphinx.geometry import (
    DELAY_SIZE,
    MAC_SIZE,
    NODE_ID_SIZE,
    PER_HOP_ROUTING_INFO_SIZE,
    RECIPIENT_SIZE,
    SURB_ID_SIZE,
)

CMD_NULL: Final = 0x00
CMD_NEXT_HOP: Final = 0x01
CMD_RECIPIENT: Final = 0x02
CMD_SURB_REPLY: Final = 0x03
CMD_DELAY: Final = 0x80

_NEXT_HOP_SIZE: Final = NODE_ID_SIZE + MAC_SIZE
_FAST_NEXT_AT: Final = 1 + DELAY_SIZE
_FAST_END: Final = _FAST_NEXT_AT + 1 + _NEXT_HOP_SIZE
_FAST_TAIL: Final = bytes(PER_HOP_ROUTING_INFO_SIZE - _FAST_END)


class CommandError(ValueError):
    """A routing-information slot that is not a valid command list."""


@dataclass(frozen=True, slots=True)
class HopCommands:
    """The decoded commands of one hop."""

    next_hop: bytes | None = None
    next_mac: bytes | None = None
    recipient: bytes | None = None
    surb_id: bytes | None = None
    delay_us: int = 0


def encode_commands(commands: HopCommands) -> bytes:
    """The slot for ``commands``, zero-filled to ``PER_HOP_ROUTING_INFO_SIZE`` bytes."""
    _check_consistent(commands)
    out = bytearray()
    out += bytes([CMD_DELAY]) + commands.delay_us.to_bytes(DELAY_SIZE, "big")
    if commands.next_hop is not None and commands.next_mac is not None:
        _check_len("next hop id", commands.next_hop, NODE_ID_SIZE)
        _check_len("next hop MAC", commands.next_mac, MAC_SIZE)
        out += bytes([CMD_NEXT_HOP]) + commands.next_hop + commands.next_mac
    if commands.recipient is not None:
        _check_len("recipient", commands.recipient, RECIPIENT_SIZE)
        out += bytes([CMD_RECIPIENT]) + commands.recipient
    if commands.surb_id is not None:
        _check_len("SURB id", commands.surb_id, SURB_ID_SIZE)
        out += bytes([CMD_SURB_REPLY]) + commands.surb_id
    return bytes(out) + bytes(PER_HOP_ROUTING_INFO_SIZE - len(out))


def decode_commands(slot: bytes) -> HopCommands:
    """Parse one hop's slot; raises ``CommandError`` on anything but a valid command list."""
    if (
        len(slot) == PER_HOP_ROUTING_INFO_SIZE
        and slot[0] == CMD_DELAY
        and slot[_FAST_NEXT_AT] == CMD_NEXT_HOP
        and slot[_FAST_END:] == _FAST_TAIL
    ):
        # The layout every mix hop of ours has (delay, next hop, zeros): skip the generic loop.
        return HopCommands(
            next_hop=slot[_FAST_NEXT_AT + 1 : _FAST_NEXT_AT + 1 + NODE_ID_SIZE],
            next_mac=slot[_FAST_NEXT_AT + 1 + NODE_ID_SIZE : _FAST_END],
            delay_us=int.from_bytes(slot[1:_FAST_NEXT_AT], "big"),
        )
    return _decode_generic(slot)


def _decode_generic(slot: bytes) -> HopCommands:
    fields: dict[int, bytes] = {}
    pos, end = 0, len(slot)
    while pos < end:
        cmd = slot[pos]
        if cmd == CMD_NULL:
            if any(slot[pos + 1 :]):
                raise CommandError("non-zero bytes after the null command")
            break
        size = _ARGUMENT_SIZES.get(cmd)
        if size is None:
            raise CommandError(f"unknown routing command 0x{cmd:02x}")
        if cmd in fields:
            raise CommandError(f"routing command 0x{cmd:02x} appears twice")
        if pos + 1 + size > end:
            raise CommandError(f"routing command 0x{cmd:02x} is truncated")
        fields[cmd] = slot[pos + 1 : pos + 1 + size]
        pos += 1 + size
    hop = fields.get(CMD_NEXT_HOP)
    delay = fields.get(CMD_DELAY)
    commands = HopCommands(
        next_hop=None if hop is None else hop[:NODE_ID_SIZE],
        next_mac=None if hop is None else hop[NODE_ID_SIZE:],
        recipient=fields.get(CMD_RECIPIENT),
        surb_id=fields.get(CMD_SURB_REPLY),
        delay_us=0 if delay is None else int.from_bytes(delay, "big"),
    )
    _check_consistent(commands)
    return commands


_ARGUMENT_SIZES: Final = {
    CMD_NEXT_HOP: _NEXT_HOP_SIZE,
    CMD_RECIPIENT: RECIPIENT_SIZE,
    CMD_SURB_REPLY: SURB_ID_SIZE,
    CMD_DELAY: DELAY_SIZE,
}


def _check_consistent(commands: HopCommands) -> None:
    forwarding = commands.next_hop is not None
    if forwarding == (commands.recipient is not None):
        raise CommandError("a hop needs exactly one of a next-hop or a recipient command")
    if forwarding and commands.surb_id is not None:
        raise CommandError("a SURB-reply command is only valid with a recipient")
    if forwarding and commands.next_mac is None:
        raise CommandError("a next-hop command needs the next header's MAC")
    if not 0 <= commands.delay_us < 2 ** (8 * DELAY_SIZE):
        raise CommandError(f"delay {commands.delay_us} us does not fit in 32 bits")


def _check_len(name: str, value: bytes, size: int) -> None:
    if len(value) != size:
        raise CommandError(f"{name} must be {size} bytes, got {len(value)}")
