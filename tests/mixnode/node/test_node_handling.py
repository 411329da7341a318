"""Packet handling: every kind of bad input is dropped and counted by reason, never raised."""

from __future__ import annotations

import os

import pytest
from fogcompute_mixnode.delivering import DROP_RECIPIENT, decode_frame
from fogcompute_mixnode.directory import Directory, NodeEntry, RecipientEntry
from fogcompute_mixnode.node import (
    ALL_DROP_REASONS,
    DelayHeap,
    Delays,
    LoopIdentity,
    PacketHandler,
    WorkerStats,
)
from fogcompute_mixnode.sphinx import (
    DROP_REASONS,
    PACKET_SIZE,
    Deliver,
    Forward,
    NodeId,
    ProcessResult,
    SphinxDrop,
    SurbReplyDelivered,
)

SELF = NodeId(b"\x01" * 32)
NEXT = NodeId(b"\x02" * 32)
MAILBOX = b"\x03" * 32
TOKEN = b"T" * 16


class ScriptedProcessor:
    """A fake Sphinx node: the packet's first byte picks the outcome."""

    def __init__(self, outcomes: dict[int, ProcessResult | BaseException]) -> None:
        self.outcomes = outcomes

    def process(self, packet: bytes) -> ProcessResult:
        outcome = self.outcomes[packet[0]]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class FakeLoop:
    def __init__(self) -> None:
        self.now = 0.0
        self.armed: list[float] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: object, /) -> FakeLoop:
        self.armed.append(when)
        return self

    def cancel(self) -> None:
        pass


def packet(tag: int) -> bytes:
    return bytes([tag]) + os.urandom(PACKET_SIZE - 1)


DIRECTORY = Directory(
    nodes=(NodeEntry(node_id=NEXT, host="127.0.0.1", port=7002, layer=1, public_keys={}),),
    recipients=(
        RecipientEntry(recipient_id=MAILBOX, host="127.0.0.1", port=7100, public_key=b"k" * 32),
    ),
)


def make_handler(
    outcomes: dict[int, ProcessResult | BaseException], *, capacity: int = 100, min_us: int = 0
) -> tuple[PacketHandler, WorkerStats, list[tuple[bytes, tuple[str, int]]], FakeLoop]:
    stats = WorkerStats()
    loop = FakeLoop()
    sent: list[tuple[bytes, tuple[str, int]]] = []
    heap = DelayHeap(
        loop=loop,
        capacity=capacity,
        expiry_s=10.0,
        on_due=lambda d, a: sent.append((d, a)),
        on_expired=lambda: stats.drop("expired"),
    )
    handler = PacketHandler(
        processor=ScriptedProcessor(outcomes),
        directory=DIRECTORY,
        heap=heap,
        stats=stats,
        delays=Delays(min_us=min_us, max_us=1_000_000),
        loops=LoopIdentity(node_id=SELF, token=TOKEN),
    )
    return handler, stats, sent, loop


@pytest.mark.parametrize("reason", DROP_REASONS)
def test_every_sphinx_drop_reason_is_counted(reason: str) -> None:
    handler, stats, _, _ = make_handler({7: SphinxDrop(reason)})  # type: ignore[arg-type]
    for _ in range(3):
        handler.handle(packet(7))
    assert stats.dropped[reason] == 3
    assert sum(stats.dropped.values()) == 3
    assert stats.counts["processed"] == 0


@pytest.mark.parametrize("length", [0, 1, PACKET_SIZE - 1, PACKET_SIZE + 1, 9000])
def test_wrong_length_is_malformed_without_reaching_sphinx(length: int) -> None:
    handler, stats, _, _ = make_handler({})  # any call into the processor would KeyError
    handler.handle(os.urandom(length))
    assert stats.dropped["malformed"] == 1
    assert stats.dropped["internal_error"] == 0


def test_a_processor_bug_is_counted_not_raised() -> None:
    handler, stats, _, _ = make_handler({1: RuntimeError("boom")})
    handler.handle(packet(1))
    assert stats.dropped["internal_error"] == 1


def test_unknown_next_hop_and_unknown_recipient_are_dropped() -> None:
    stranger = NodeId(b"\x09" * 32)
    handler, stats, _, _ = make_handler(
        {
            1: Forward(next_hop=stranger, delay_us=0, packet=packet(0)),
            2: Deliver(recipient=b"\x08" * 32, message=b"hi"),
            3: SurbReplyDelivered(surb_id=b"s" * 16, payload=b"p", recipient=b"\x08" * 32),
        }
    )
    for tag in (1, 2, 3):
        handler.handle(packet(tag))
    assert stats.dropped["unknown_next_hop"] == 1
    assert stats.dropped["unknown_recipient"] == 2
    assert stats.counts["processed"] == 3


def test_full_queue_drops_are_counted() -> None:
    forward = Forward(next_hop=NEXT, delay_us=1_000, packet=packet(0))
    handler, stats, _, _ = make_handler({1: forward}, capacity=2)
    for _ in range(5):
        handler.handle(packet(1))
    assert stats.dropped["queue_full"] == 3


def test_forward_waits_the_sender_delay_but_at_least_the_minimum() -> None:
    outcomes: dict[int, ProcessResult | BaseException] = {
        1: Forward(next_hop=NEXT, delay_us=50_000, packet=packet(0)),
        2: Forward(next_hop=NEXT, delay_us=10, packet=packet(0)),
    }
    handler, _, _, loop = make_handler(outcomes, min_us=20_000)
    handler.handle(packet(1))
    handler.handle(packet(2))
    assert loop.armed == [pytest.approx(0.05), pytest.approx(0.02)]


def test_loops_drop_cover_and_deliveries_are_told_apart() -> None:
    outcomes: dict[int, ProcessResult | BaseException] = {
        1: Deliver(recipient=SELF, message=TOKEN + b"nonce"),
        2: Deliver(recipient=SELF, message=b"forged by someone else"),
        3: Deliver(recipient=DROP_RECIPIENT, message=b"dummy"),
        4: Deliver(recipient=MAILBOX, message=b"sealed"),
        5: SurbReplyDelivered(surb_id=b"s" * 16, payload=b"reply", recipient=MAILBOX),
    }
    handler, stats, _, loop = make_handler(outcomes)
    for tag in range(1, 6):
        handler.handle(packet(tag))
    heap_fire = loop.armed  # both deliveries were queued with zero delay
    assert heap_fire
    assert stats.counts["loops_returned"] == 1
    assert stats.dropped["forged_loop"] == 1
    assert stats.counts["cover_dropped"] == 1


def test_garbage_never_raises_and_every_datagram_is_accounted_for() -> None:
    handler, stats, _, _ = make_handler({t: SphinxDrop("bad_mac") for t in range(256)})
    for size in range(0, 3000, 7):
        handler.handle(os.urandom(size))
    total = stats.counts["received"]
    assert total == len(range(0, 3000, 7))
    assert sum(stats.dropped.values()) == total


def test_delivery_frames_name_the_recipient() -> None:
    outcomes: dict[int, ProcessResult | BaseException] = {
        1: Deliver(recipient=MAILBOX, message=b"sealed"),
    }
    stats = WorkerStats()
    sent: list[tuple[bytes, tuple[str, int]]] = []

    class ImmediateLoop(FakeLoop):
        def call_at(self, when: float, callback: object, /) -> FakeLoop:
            assert callable(callback)
            callback()
            return self

    heap = DelayHeap(
        loop=ImmediateLoop(),
        capacity=10,
        expiry_s=1.0,
        on_due=lambda d, a: sent.append((d, a)),
        on_expired=lambda: None,
    )
    handler = PacketHandler(
        processor=ScriptedProcessor(outcomes),
        directory=DIRECTORY,
        heap=heap,
        stats=stats,
        delays=Delays(min_us=0, max_us=10),
        loops=LoopIdentity(node_id=SELF, token=TOKEN),
    )
    handler.handle(packet(1))
    assert len(sent) == 1
    frame = decode_frame(sent[0][0])
    assert frame is not None
    assert (frame.recipient, frame.body, frame.is_reply) == (MAILBOX, b"sealed", False)
    assert sent[0][1] == ("127.0.0.1", 7100)


def test_every_declared_reason_starts_at_zero() -> None:
    stats = WorkerStats()
    assert set(ALL_DROP_REASONS) == set(stats.dropped)
    assert all(v == 0 for v in stats.dropped.values())
