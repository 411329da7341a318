"""A keyed work queue in the manner of client-go's: dedup, one worker per key, delayed adds.

Each controller of the runtime (``working.Controller``) owns one; its workers take keys
(``ObjectKey``) from it, and its watch mappings, the scheduler and backoff timers add keys. A
key added while it waits is not queued twice (work coalesces per key); a key added while a
worker holds it is queued again when that worker calls ``done``, so two workers never
reconcile the same object at once. ``add_after`` schedules an add on the running loop
(backoff, deadlines).

Two lanes: a key added with ``urgent=True`` is handed out before the ordinary ones. The FogJob
controller uses it for pod events, which finish work already started (a job's status follows
its pods), so that they do not wait behind a thousand freshly placed jobs whose pods are still
to be created; a key already waiting in the ordinary lane moves up when it turns urgent.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


class WorkQueue:
    def __init__(self, *, on_depth: Callable[[int], None] | None = None) -> None:
        self._lanes: tuple[deque[str], deque[str]] = (deque(), deque())  # ordinary, urgent
        self._dirty: dict[str, bool] = {}  # key -> urgent, for keys waiting to be handed out
        self._processing: set[str] = set()
        self._ready = asyncio.Event()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._on_depth = on_depth
        self._closed = False

    def __len__(self) -> int:
        return len(self._lanes[0]) + len(self._lanes[1])

    def _depth_changed(self) -> None:
        if self._on_depth is not None:
            self._on_depth(len(self))

    def add(self, key: str, *, urgent: bool = False) -> None:
        if self._closed:
            return
        was = self._dirty.get(key)
        if was is not None and (was or not urgent):
            return
        self._dirty[key] = urgent
        if key in self._processing:
            return  # queued again by ``done``
        if was is not None:  # waiting in the ordinary lane: move it up
            self._lanes[0].remove(key)
        self._lanes[urgent].append(key)
        self._depth_changed()
        self._ready.set()

    def add_after(self, key: str, delay: float, *, urgent: bool = False) -> None:
        """Add ``key`` after ``delay`` seconds; an earlier pending timer for it wins."""
        if delay <= 0:
            self.add(key, urgent=urgent)
            return
        loop = asyncio.get_running_loop()
        when = loop.time() + delay
        timer = self._timers.get(key)
        if timer is not None and not timer.cancelled() and timer.when() <= when:
            return
        if timer is not None:
            timer.cancel()
        self._timers[key] = loop.call_at(when, self._fire, key, urgent)

    def _fire(self, key: str, urgent: bool) -> None:
        self._timers.pop(key, None)
        self.add(key, urgent=urgent)

    async def get(self) -> str:
        """The next key, urgent ones first; the caller must call ``done(key)`` after."""
        while not len(self):
            if self._closed:
                raise asyncio.CancelledError("work queue closed")
            self._ready.clear()
            await self._ready.wait()
        key = (self._lanes[1] or self._lanes[0]).popleft()
        del self._dirty[key]
        self._processing.add(key)
        self._depth_changed()
        return key

    def done(self, key: str) -> None:
        self._processing.discard(key)
        urgent = self._dirty.get(key)
        if urgent is not None:
            self._lanes[urgent].append(key)
            self._depth_changed()
            self._ready.set()

    async def close(self) -> None:
        self._closed = True
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._ready.set()
