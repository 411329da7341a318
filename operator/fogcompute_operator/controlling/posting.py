"""Posting the FogJob controller's Kubernetes Events in the background, off the reconcile path.

The controller hands over an Event manifest (``eventing.build_event``) after a status write
succeeded, and goes on with its next key: each Event is one API call, and a reconcile that
waited for it would hold its job's key (and a worker) for nothing, since status already says
everything. Two poster tasks drain the backlog, so Events take a small share of the API
server next to pod creates and status writes; Events are best effort: a failed post is
logged and dropped, and past ``limit`` waiting Events new ones are dropped too (an API server
that cannot take Events should not make the operator's memory grow).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import Any

from fogcompute_operator.kubeapi import KubeApi, Obj

logger = logging.getLogger("fogcompute_operator.fogjobs")
DEFAULT_POSTERS = 2
DEFAULT_LIMIT = 10_000


class EventPoster:
    def __init__(
        self, *, api: KubeApi, posters: int = DEFAULT_POSTERS, limit: int = DEFAULT_LIMIT
    ) -> None:
        self._api = api
        self._posters = posters
        self._limit = limit
        self._backlog: deque[tuple[str, Obj]] = deque()
        self._ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._backlog)

    def post(self, namespace: str, event: Obj) -> None:
        """Queue ``event`` for posting in ``namespace``; never blocks."""
        if len(self._backlog) >= self._limit:
            self.dropped += 1
            return
        self._backlog.append((namespace, event))
        self._ready.set()

    def start(self) -> None:
        for index in range(self._posters):
            self._tasks.append(asyncio.create_task(self._drain(), name=f"fogjob-events-{index}"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _drain(self) -> None:
        while True:
            while not self._backlog:
                self._ready.clear()
                await self._ready.wait()
            namespace, event = self._backlog.popleft()
            await self._send(namespace, event)

    async def _send(self, namespace: str, event: Obj) -> None:
        try:
            await self._api.create_event(namespace, event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an Event is best effort: status already says it all
            reason: Any = event.get("reason")
            logger.warning(f"could not post Event {reason}: {exc!r}")
