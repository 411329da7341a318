"""A mix's half of Sphinx: unwrap one layer of a packet, or say exactly why it is dropped.

Called by the daemon's workers for every datagram. Order of checks: length and version,
epoch hint (the key for that epoch, never a blind trial of keys), low-order group element,
header MAC, replay tag (only after the MAC, so forged packets cannot fill the Bloom filter),
routing commands, delay cap, then the payload. ``process`` raises ``SphinxDrop`` and
nothing else, whatever it is given. It does no I/O and keeps no timers: delays are the
daemon's to apply.

When ``backends`` selected the Rust extension, one call to ``_native.unwrap_packet`` does
every step after the epoch key lookup, in the same order and with the same reasons,
recording the replay tag in the epoch's ``Bloom`` of this node's ``ReplayFilter``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from fogcompute_mixnode.sphinx import payloads
from fogcompute_mixnode.sphinx.backends import SELECTION, native
from fogcompute_mixnode.sphinx.epochs import EpochKey
from fogcompute_mixnode.sphinx.errors import DropReason, SphinxDrop
from fogcompute_mixnode.sphinx.geometry import (
    AD_END,
    ALPHA_END,
    EPOCH_HINT_MODULUS,
    HEADER_SIZE,
    PACKET_SIZE,
    VERSION,
)
from fogcompute_mixnode.sphinx.headers import next_header, unwrap_header
from fogcompute_mixnode.sphinx.keying import replay_tag
from fogcompute_mixnode.sphinx.paths import NodeId
from fogcompute_mixnode.sphinx.replays import ReplayFilter
from fogcompute_mixnode.sphinx.results import Deliver, Forward, ProcessResult, SurbReplyDelivered

# The outcome codes of ``_native.unwrap_packet`` (see ``_native.pyi``).
_NATIVE_DROPS: Final[dict[int, DropReason]] = {
    -1: "malformed",
    -2: "low_order_point",
    -3: "bad_mac",
    -4: "bad_command",
    -5: "replay",
    -6: "delay_over_cap",
    -7: "bad_payload",
}
_FORWARD: Final = 0
_DELIVER: Final = 1


class SphinxNode:
    """One mixnode's packet processor: its epoch keys, its replay filter, its delay cap."""

    def __init__(
        self, *, keys: Sequence[EpochKey], replay: ReplayFilter, max_delay_us: int
    ) -> None:
        if max_delay_us < 0:
            raise ValueError(f"max_delay_us must be >= 0, got {max_delay_us}")
        self._by_hint: dict[int, EpochKey] = {}
        self._replay = replay
        self._max_delay_us = max_delay_us
        for key in keys:
            self.add_key(key)

    @property
    def epochs(self) -> tuple[int, ...]:
        """The epochs this node holds a key for."""
        return tuple(sorted(key.epoch for key in self._by_hint.values()))

    def add_key(self, key: EpochKey) -> None:
        """Accept packets for ``key.epoch``.

        Keys are looked up by epoch modulo 256 (the packet's hint): a key 256 epochs older
        with the same hint is replaced, and its replay filter dropped with it.
        """
        hint = key.epoch % EPOCH_HINT_MODULUS
        old = self._by_hint.get(hint)
        if old is not None and old.epoch != key.epoch:
            self._replay.drop_epoch(old.epoch)
        self._by_hint[hint] = key

    def drop_epoch(self, epoch: int) -> None:
        """Forget the key and the replay filter of ``epoch``."""
        hint = epoch % EPOCH_HINT_MODULUS
        key = self._by_hint.get(hint)
        if key is not None and key.epoch == epoch:
            del self._by_hint[hint]
        self._replay.drop_epoch(epoch)

    def process(self, packet: bytes) -> ProcessResult:
        """Unwrap one layer: ``Forward``, ``Deliver`` or ``SurbReplyDelivered``.

        Raises ``SphinxDrop`` (with its ``reason``) for any packet that must be dropped, and
        never any other exception.
        """
        try:
            if SELECTION.native:
                return self._process_native(packet)
            return self._process(packet)
        except SphinxDrop:
            raise
        except Exception as exc:  # a bug must cost one packet, never the worker
            raise SphinxDrop("malformed", f"unexpected {type(exc).__name__}: {exc}") from exc

    def _checked(self, packet: bytes) -> tuple[bytes, EpochKey]:
        """The packet as bytes and the key its epoch hint names, or the drop."""
        if not isinstance(packet, bytes):
            if not isinstance(packet, bytearray | memoryview):
                raise SphinxDrop("malformed", f"packet is a {type(packet).__name__}")
            packet = bytes(packet)
        if len(packet) != PACKET_SIZE:
            raise SphinxDrop("malformed", f"packet is {len(packet)} bytes, not {PACKET_SIZE}")
        if packet[0] != VERSION:
            raise SphinxDrop("malformed", f"unknown packet version {packet[0]}")
        key = self._by_hint.get(packet[1])
        if key is None:
            raise SphinxDrop("unknown_epoch", f"no key for epoch hint {packet[1]}")
        return packet, key

    def _process_native(self, packet: bytes) -> ProcessResult:
        packet, key = self._checked(packet)
        bloom = self._replay.bloom_for(key.epoch)
        code, delay_us, first, second, third = native.unwrap_packet(
            key.private_key,
            packet,
            self._max_delay_us,
            bloom.bits,
            bloom.size,
            bloom.hashes,
            bloom.salt,
        )
        if code == _FORWARD:
            return Forward(next_hop=NodeId(first), delay_us=delay_us, packet=second)
        if code == _DELIVER:
            return Deliver(recipient=first, message=second, delay_us=delay_us)
        if code < 0:
            raise SphinxDrop(_NATIVE_DROPS[code], first.decode(errors="replace"))
        return SurbReplyDelivered(surb_id=third, payload=second, recipient=first, delay_us=delay_us)

    def _process(self, packet: bytes) -> ProcessResult:
        packet, key = self._checked(packet)
        header = packet[:HEADER_SIZE]
        step = unwrap_header(key.private_key, header)
        if self._replay.check_and_add(key.epoch, replay_tag(packet[AD_END:ALPHA_END])):
            raise SphinxDrop("replay", "replay tag already seen this epoch")
        commands = step.commands
        if commands.delay_us > self._max_delay_us:
            raise SphinxDrop(
                "delay_over_cap", f"delay {commands.delay_us} us > cap {self._max_delay_us} us"
            )
        block = payloads.unwrap(packet[HEADER_SIZE:], step.keys.payload_key)
        if commands.next_hop is not None:
            return Forward(
                next_hop=NodeId(commands.next_hop),
                delay_us=commands.delay_us,
                packet=next_header(header, step) + block,
            )
        recipient = commands.recipient if commands.recipient is not None else b""
        if commands.surb_id is not None:
            return SurbReplyDelivered(
                surb_id=commands.surb_id,
                payload=block,
                recipient=recipient,
                delay_us=commands.delay_us,
            )
        try:
            message = payloads.decode_block(block)
        except payloads.PayloadError as exc:
            raise SphinxDrop("bad_payload", str(exc)) from None
        return Deliver(recipient=recipient, message=message, delay_us=commands.delay_us)
