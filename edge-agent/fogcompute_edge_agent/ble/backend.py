"""The narrow seam between the BLE bridge and a radio: scan, and exchange messages with one peer.

``bridging`` depends on this Protocol only. ``bleakbackend.BleakBackend`` implements it over
bleak (BlueZ on Linux); ``FakeBackend`` implements it in memory for tests of the bridge's logic.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from fogcompute_edge_agent.ble.advertising import Advertisement, Message

__all__ = ["BleBackend", "FakeBackend", "MessageSink"]

MessageSink = Callable[[str, Message], Awaitable[bool]]
"""Called per message with the peer's address; True once it is stored, so it may be acked."""


class BleBackend(Protocol):
    async def scan(self, *, seconds: float) -> Sequence[Advertisement]:
        """Listen passively for ``seconds``; every peripheral heard, once, strongest RSSI."""
        ...

    async def exchange(self, *, address: str, sink: MessageSink, seconds: float) -> int:
        """Connect to a platform peripheral, pass each message to ``sink``, ack the ones it
        stored; return how many were acked. Raises ``OSError`` when the peer cannot be reached."""
        ...


@dataclass
class FakeBackend:
    """Scans return the queued results in order; peers hold queued messages."""

    scans: list[list[Advertisement]] = field(default_factory=list)
    inbox: dict[str, list[Message]] = field(default_factory=dict)
    acked: dict[str, list[int]] = field(default_factory=dict)
    unreachable: set[str] = field(default_factory=set)

    async def scan(self, *, seconds: float) -> Sequence[Advertisement]:
        return self.scans.pop(0) if self.scans else []

    async def exchange(self, *, address: str, sink: MessageSink, seconds: float) -> int:
        if address in self.unreachable:
            raise OSError(f"{address}: connection failed")
        count = 0
        pending = self.inbox.get(address, [])
        while pending:
            message = pending[0]
            if not await sink(address, message):
                break  # not stored: not acked, the peripheral keeps it and sends it again
            self.acked.setdefault(address, []).append(message.sequence)
            pending.pop(0)
            count += 1
        return count
