"""One delay heap and one timer per worker: where accepted packets wait out their delay.

Sits between packet handling (which pushes each Forward/Deliver with its deadline) and the
UDP transport (which ``on_due`` sends on). There is exactly one pending timer, armed for the
earliest deadline and moved only when a new packet is due earlier, so the cost per packet is a
heap push and pop, never a timer of its own. Must not send or log: ``on_due`` does that.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Protocol

Address = tuple[str, int]


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class TimerLoop(Protocol):
    """The part of an asyncio event loop the heap needs (a fake clock in tests)."""

    def time(self) -> float: ...

    def call_at(self, when: float, callback: Callable[[], object], /) -> TimerHandle: ...


class DelayHeap:
    """Bounded min-heap of (deadline, seq, datagram, address) with a single timer."""

    def __init__(
        self,
        *,
        loop: TimerLoop,
        capacity: int,
        expiry_s: float,
        on_due: Callable[[bytes, Address], None],
        on_expired: Callable[[], None],
    ) -> None:
        self._loop = loop
        self._capacity = capacity
        self._expiry_s = expiry_s
        self._on_due = on_due
        self._on_expired = on_expired
        self._heap: list[tuple[float, int, bytes, Address]] = []
        self._seq = 0
        self._timer: TimerHandle | None = None
        self._timer_at = 0.0

    def __len__(self) -> int:
        return len(self._heap)

    @property
    def timer_at(self) -> float | None:
        """When the single timer fires, or None when none is armed."""
        return self._timer_at if self._timer is not None else None

    def push(self, *, delay_s: float, datagram: bytes, address: Address) -> bool:
        """Queue ``datagram`` for ``address`` after ``delay_s``; False when the heap is full."""
        if len(self._heap) >= self._capacity:
            return False
        deadline = self._loop.time() + delay_s
        self._seq += 1
        heapq.heappush(self._heap, (deadline, self._seq, datagram, address))
        if self._timer is None or deadline < self._timer_at:
            self._arm(deadline)
        return True

    def close(self) -> None:
        """Cancel the timer and forget queued packets (shutdown)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._heap.clear()

    def _arm(self, deadline: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_at(deadline, self._fire)
        self._timer_at = deadline

    def _fire(self) -> None:
        self._timer = None
        heap = self._heap
        now = self._loop.time()
        oldest_allowed = now - self._expiry_s
        while heap and heap[0][0] <= now:
            deadline, _, datagram, address = heapq.heappop(heap)
            if deadline < oldest_allowed:
                self._on_expired()
            else:
                self._on_due(datagram, address)
        if heap:
            self._arm(heap[0][0])
