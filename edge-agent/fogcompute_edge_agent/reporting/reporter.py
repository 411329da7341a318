"""Sends the latest EdgeDevice status, every report interval and at once when woken.

Driven by the agent's loop (``wake`` on a change of harvestability, ``run`` in a task). The
status is built at send time from the newest readings, so after an outage the API server gets
the latest state, not a backlog. Failures back off exponentially (0.5 s to 30 s) without ever
raising; a missing EdgeDevice is created once (named after the node, ``spec.nodeName`` only) and
the apply retried. Each successful apply returns the object, whose spec (policy, reporting
interval, BLE settings) is handed to ``on_spec``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fogcompute_edge_agent.observing.metrics import AgentMetrics
from fogcompute_edge_agent.reporting.kubeapi import ApiError, DeviceApi

__all__ = ["Reporter"]

log = logging.getLogger(__name__)

BACKOFF_FIRST = 0.5
BACKOFF_MAX = 30.0


@dataclass
class Reporter:
    api: DeviceApi
    node: str
    build: Callable[[], Mapping[str, Any] | None]
    on_spec: Callable[[Mapping[str, Any]], None]
    metrics: AgentMetrics
    reports_ok: int = 0
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _backoff: float = 0.0

    def wake(self) -> None:
        self._wake.set()

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            if not await self.report_once():
                self._backoff = min(BACKOFF_MAX, max(BACKOFF_FIRST, self._backoff * 2))
                await asyncio.sleep(self._backoff)
                self._wake.set()  # retry with whatever is newest by then
            else:
                self._backoff = 0.0

    async def report_once(self) -> bool:
        status = self.build()
        if status is None:
            return True
        started = time.monotonic()
        try:
            obj = await self._apply(status)
        except (ApiError, OSError, TimeoutError) as exc:
            self.metrics.reports.labels(result="error").inc()
            log.warning("status report failed", extra={"node": self.node, "error": str(exc)[:300]})
            return False
        self.metrics.report_seconds.observe(time.monotonic() - started)
        self.metrics.reports.labels(result="ok").inc()
        self.reports_ok += 1
        spec = obj.get("spec")
        if isinstance(spec, Mapping):
            self.on_spec(spec)
        return True

    async def _apply(self, status: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return await self.api.apply_device_status(name=self.node, status=status)
        except ApiError as exc:
            if exc.status != 404:
                raise
        log.info("creating the EdgeDevice", extra={"node": self.node})
        await self.api.create_device(name=self.node)
        return await self.api.apply_device_status(name=self.node, status=status)
