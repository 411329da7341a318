"""Posting Kubernetes Events in the background, off the reconcile path.

Every controller hands its Event manifests (``eventing.build_event``) to the runtime's one
poster after a status write succeeded, and goes on with its next key: each Event is one API
call, and a reconcile that waited for it would hold its key (and a worker) for nothing, since
status already says everything. Two poster tasks drain the backlog, so Events take a small
share of the API server next to pod creates and status writes; Events are best effort: a
failed post is logged and dropped, and past ``limit`` waiting Events new ones are dropped too
(an API server that cannot take Events should not make the operator's memory grow).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Mapping
from typing import Any

from fogcompute_operator.controlling.background import Tasks
from fogcompute_operator.kube import KubeApi

logger = logging.getLogger("fogcompute_operator.events")
DEFAULT_POSTERS = 2
DEFAULT_LIMIT = 10_000


class EventPoster:
    def __init__(
        self, *, api: KubeApi, posters: int = DEFAULT_POSTERS, limit: int = DEFAULT_LIMIT
    ) -> None:
        self._api = api
        self._posters = posters
        self._limit = limit
        self._backlog: deque[Mapping[str, Any]] = deque()
        self._ready = asyncio.Event()
        self._tasks = Tasks()
        self.dropped = 0

    def __len__(self) -> int:
        return len(self._backlog)

    def post(self, event: Mapping[str, Any]) -> None:
        """Queue ``event`` (a core/v1 Event manifest) for posting; never blocks."""
        if len(self._backlog) >= self._limit:
            self.dropped += 1
            return
        self._backlog.append(event)
        self._ready.set()

    async def start(self) -> None:
        for index in range(self._posters):
            self._tasks.spawn(self._drain(), name=f"events-{index}")

    async def stop(self) -> None:
        await self._tasks.stop()

    async def _drain(self) -> None:
        while True:
            while not self._backlog:
                self._ready.clear()
                await self._ready.wait()
            await self._send(self._backlog.popleft())

    async def _send(self, event: Mapping[str, Any]) -> None:
        try:
            await self._api.create_event(dict(event))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # an Event is best effort: status already says it all
            logger.warning(f"could not post Event {event.get('reason')}: {exc!r}")
