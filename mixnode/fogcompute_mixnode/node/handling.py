"""What a worker does with one datagram: process it, then queue, deliver or drop it.

Sits between the UDP transport (which calls ``handle`` per datagram) and the delay heap.
Every failure becomes a counted drop: nothing raised by a packet leaves ``handle``, so one bad
packet never stops or slows the worker for the others. Must not log per packet (an attacker
would choose our log volume) and must not hold secrets beyond the processor it is given.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from fogcompute_mixnode.delivering import DROP_RECIPIENT, encode_message, encode_reply
from fogcompute_mixnode.directory import Address, Directory
from fogcompute_mixnode.node.counting import WorkerStats
from fogcompute_mixnode.node.delaying import DelayHeap
from fogcompute_mixnode.sphinx import (
    PACKET_SIZE,
    Deliver,
    Forward,
    ProcessResult,
    SphinxDrop,
    SurbReplyDelivered,
)

log = logging.getLogger(__name__)


class PacketProcessor(Protocol):
    """The Sphinx seam: ``SphinxNode`` in production, a fake in unit tests."""

    def process(self, packet: bytes) -> ProcessResult: ...


@dataclass(frozen=True)
class Delays:
    """The node's delay policy: sender-chosen delays are raised to ``min_us``."""

    min_us: int
    max_us: int


@dataclass(frozen=True)
class LoopIdentity:
    """How this node recognises its own loops: its id as recipient and a secret prefix."""

    node_id: bytes
    token: bytes = b""


class PacketHandler:
    """Turns datagrams into heap entries and counters."""

    def __init__(
        self,
        *,
        processor: PacketProcessor,
        directory: Directory,
        heap: DelayHeap,
        stats: WorkerStats,
        delays: Delays,
        loops: LoopIdentity,
    ) -> None:
        self._process: Callable[[bytes], ProcessResult] = processor.process
        self._directory = directory
        self._heap = heap
        self._stats = stats
        self._counts = stats.counts
        self._min_us = delays.min_us
        self._loops = loops

    def use_directory(self, directory: Directory) -> None:
        """Route by ``directory`` from now on (the directory file was reloaded)."""
        self._directory = directory

    def handle(self, datagram: bytes) -> None:
        counts = self._counts
        counts["received"] += 1
        if len(datagram) != PACKET_SIZE:
            self._stats.drop("malformed")
            return
        try:
            result = self._process(datagram)
        except SphinxDrop as drop:
            self._stats.drop(drop.reason)
            return
        except Exception:  # a processor bug must not take the worker down with it
            log.exception("event=process_failed")
            self._stats.drop("internal_error")
            return
        counts["processed"] += 1
        try:
            self._route(result)
        except Exception:
            log.exception("event=route_failed")
            self._stats.drop("internal_error")

    def _route(self, result: ProcessResult) -> None:
        if isinstance(result, Forward):
            address = self._directory.node_address(result.next_hop)
            if address is None:
                self._stats.drop("unknown_next_hop")
                return
            self._queue(result.delay_us, result.packet, address)
        elif isinstance(result, Deliver):
            self._deliver(result)
        else:
            self._reply(result)

    def _deliver(self, result: Deliver) -> None:
        recipient = result.recipient
        if recipient == self._loops.node_id:
            if result.message.startswith(self._loops.token):
                self._counts["loops_returned"] += 1
            else:
                self._stats.drop("forged_loop")
            return
        if recipient == DROP_RECIPIENT:
            self._counts["cover_dropped"] += 1
            return
        address = self._directory.recipient_address(recipient)
        if address is None:
            self._stats.drop("unknown_recipient")
            return
        self._queue(result.delay_us, encode_message(recipient, result.message), address)

    def _reply(self, result: SurbReplyDelivered) -> None:
        address = self._directory.recipient_address(result.recipient)
        if address is None:
            self._stats.drop("unknown_recipient")
            return
        frame = encode_reply(result.recipient, result.surb_id, result.payload)
        self._queue(result.delay_us, frame, address)

    def _queue(self, delay_us: int, datagram: bytes, address: Address) -> None:
        delay_us = max(delay_us, self._min_us)
        if not self._heap.push(delay_s=delay_us / 1e6, datagram=datagram, address=address):
            self._stats.drop("queue_full")
