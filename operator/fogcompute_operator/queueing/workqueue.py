"""A keyed work queue in the manner of client-go's: dedup, one worker per key, delayed adds.

The FogJob controller's workers take keys (``namespace/name``) from it; watch events and the
scheduler add keys. A key added while it waits is not queued twice; a key added while a worker
holds it is queued again when that worker calls ``done``, so two workers never reconcile the
same job at once. ``add_after`` schedules an add on the running loop (backoff, deadlines).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable


class WorkQueue:
    def __init__(self, *, on_depth: Callable[[int], None] | None = None) -> None:
        self._queue: deque[str] = deque()
        self._dirty: set[str] = set()
        self._processing: set[str] = set()
        self._ready = asyncio.Event()
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._on_depth = on_depth
        self._closed = False

    def __len__(self) -> int:
        return len(self._queue)

    def _depth_changed(self) -> None:
        if self._on_depth is not None:
            self._on_depth(len(self._queue))

    def add(self, key: str) -> None:
        if self._closed or key in self._dirty:
            return
        self._dirty.add(key)
        if key not in self._processing:
            self._queue.append(key)
            self._depth_changed()
            self._ready.set()

    def add_after(self, key: str, delay: float) -> None:
        """Add ``key`` after ``delay`` seconds; an earlier pending timer for it wins."""
        if delay <= 0:
            self.add(key)
            return
        loop = asyncio.get_running_loop()
        when = loop.time() + delay
        timer = self._timers.get(key)
        if timer is not None and not timer.cancelled() and timer.when() <= when:
            return
        if timer is not None:
            timer.cancel()
        self._timers[key] = loop.call_at(when, self._fire, key)

    def _fire(self, key: str) -> None:
        self._timers.pop(key, None)
        self.add(key)

    async def get(self) -> str:
        """The next key; the caller must call ``done(key)`` when finished with it."""
        while not self._queue:
            if self._closed:
                raise asyncio.CancelledError("work queue closed")
            self._ready.clear()
            await self._ready.wait()
        key = self._queue.popleft()
        self._dirty.discard(key)
        self._processing.add(key)
        self._depth_changed()
        return key

    def done(self, key: str) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._queue.append(key)
            self._depth_changed()
            self._ready.set()

    async def close(self) -> None:
        self._closed = True
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        self._ready.set()
