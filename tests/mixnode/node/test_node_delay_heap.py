"""The delay heap: deadline order, exactly one armed timer, capacity and expiry."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fogcompute_mixnode.node.delaying import DelayHeap

ADDR = ("127.0.0.1", 9)


class FakeHandle:
    def __init__(self, loop: FakeLoop, when: float, callback: Callable[[], object]) -> None:
        self.loop, self.when, self.callback, self.cancelled = loop, when, callback, False

    def cancel(self) -> None:
        self.cancelled = True


class FakeLoop:
    """A clock that only moves when told; records every timer armed."""

    def __init__(self) -> None:
        self.now = 100.0
        self.handles: list[FakeHandle] = []

    def time(self) -> float:
        return self.now

    def call_at(self, when: float, callback: Callable[[], object], /) -> FakeHandle:
        handle = FakeHandle(self, when, callback)
        self.handles.append(handle)
        return handle

    def pending(self) -> list[FakeHandle]:
        return [h for h in self.handles if not h.cancelled and not getattr(h, "fired", False)]

    def advance(self, seconds: float) -> None:
        self.now += seconds
        while True:
            due = sorted((h for h in self.pending() if h.when <= self.now), key=lambda h: h.when)
            if not due:
                return
            due[0].fired = True  # type: ignore[attr-defined]
            due[0].callback()


def make_heap(
    loop: FakeLoop, *, capacity: int = 100, expiry_s: float = 10.0
) -> tuple[DelayHeap, list[bytes], list[int]]:
    sent: list[bytes] = []
    expired: list[int] = []
    heap = DelayHeap(
        loop=loop,
        capacity=capacity,
        expiry_s=expiry_s,
        on_due=lambda data, addr: sent.append(data),
        on_expired=lambda: expired.append(1),
    )
    return heap, sent, expired


def test_packets_leave_in_deadline_order_not_arrival_order() -> None:
    loop = FakeLoop()
    heap, sent, _ = make_heap(loop)
    for delay in (0.005, 0.001, 0.004, 0.002, 0.003):
        heap.push(delay_s=delay, datagram=str(delay).encode(), address=ADDR)
    loop.advance(0.0025)
    assert sent == [b"0.001", b"0.002"]
    loop.advance(0.01)
    assert sent == [b"0.001", b"0.002", b"0.003", b"0.004", b"0.005"]
    assert len(heap) == 0


def test_one_timer_armed_at_a_time_and_moved_only_when_earlier() -> None:
    loop = FakeLoop()
    heap, _, _ = make_heap(loop)
    heap.push(delay_s=0.5, datagram=b"a", address=ADDR)
    for i in range(50):  # all later than the first: the timer must not move
        heap.push(delay_s=1.0 + i / 100, datagram=b"b", address=ADDR)
    assert len(loop.handles) == 1
    heap.push(delay_s=0.1, datagram=b"c", address=ADDR)  # earlier: timer moves once
    assert len(loop.handles) == 2
    assert len(loop.pending()) == 1
    assert heap.timer_at == pytest.approx(100.1)
    loop.advance(0.2)
    assert len(loop.pending()) == 1
    assert heap.timer_at == pytest.approx(100.5)


def test_timer_rearms_for_the_next_deadline_and_disarms_when_empty() -> None:
    loop = FakeLoop()
    heap, sent, _ = make_heap(loop)
    heap.push(delay_s=0.1, datagram=b"a", address=ADDR)
    heap.push(delay_s=0.3, datagram=b"b", address=ADDR)
    loop.advance(0.1)
    assert sent == [b"a"]
    assert heap.timer_at == pytest.approx(100.3)
    loop.advance(0.2)
    assert sent == [b"a", b"b"]
    assert heap.timer_at is None
    assert loop.pending() == []


def test_full_heap_refuses_packets() -> None:
    loop = FakeLoop()
    heap, _, _ = make_heap(loop, capacity=3)
    accepted = [heap.push(delay_s=1.0, datagram=b"x", address=ADDR) for _ in range(5)]
    assert accepted == [True, True, True, False, False]
    assert len(heap) == 3


def test_packets_far_past_their_deadline_expire_instead_of_leaving() -> None:
    loop = FakeLoop()
    heap, sent, expired = make_heap(loop, expiry_s=1.0)
    heap.push(delay_s=0.1, datagram=b"late", address=ADDR)
    loop.now += 5.0  # the worker was stalled for five seconds
    loop.handles[0].callback()
    assert sent == []
    assert expired == [1]


def test_close_cancels_the_timer() -> None:
    loop = FakeLoop()
    heap, _, _ = make_heap(loop)
    heap.push(delay_s=0.1, datagram=b"a", address=ADDR)
    heap.close()
    assert loop.pending() == []
    assert len(heap) == 0
