"""The BLE bridge's loop: scan, update the peripheral table, collect messages, forward them.

Runs as one task of the agent when a BLE backend is configured. Each cycle (the device's
``spec.ble.scanIntervalSeconds``) it scans passively, updates ``PeripheralTable``, then connects
to every peripheral that offers the platform service and was heard in that scan; each message is
stored in the on-disk ``MessageQueue`` *before* it is acknowledged, then the queue is drained
into the ``Forwarder``. A peripheral that cannot be reached is skipped until the next scan; a
failed delivery stays queued. Nothing here raises out of ``run``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fogcompute_edge_agent.ble.advertising import Message
from fogcompute_edge_agent.ble.backend import BleBackend
from fogcompute_edge_agent.ble.forwarding import Forwarder
from fogcompute_edge_agent.ble.peripherals import PeripheralTable, hashed_address
from fogcompute_edge_agent.ble.storing import MessageQueue
from fogcompute_edge_agent.observing.metrics import AgentMetrics
from fogcompute_edge_agent.reporting.statuses import rfc3339
from fogcompute_edge_agent.specs import BleSettings

__all__ = ["BleBridge"]

log = logging.getLogger(__name__)

SCAN_SECONDS = 5.0
EXCHANGE_SECONDS = 10.0


@dataclass
class BleBridge:
    backend: BleBackend
    table: PeripheralTable
    queue: MessageQueue
    forwarder: Forwarder
    metrics: AgentMetrics
    settings: Callable[[], BleSettings]
    clock: Callable[[], float] = time.time

    def peripherals(self) -> Sequence[dict[str, Any]]:
        return self.table.status(rfc3339=rfc3339, show_addresses=self.settings().show_addresses)

    async def run(self) -> None:
        while True:
            current = self.settings()
            if current.enabled:
                try:
                    await self.cycle()
                except Exception:  # a radio or disk fault must not end the agent
                    log.exception("BLE cycle failed")
            await asyncio.sleep(current.scan_interval_seconds)

    async def cycle(self) -> None:
        current = self.settings()
        self.table.expire_after = current.expire_after_missed_scans
        seen = await self.backend.scan(seconds=SCAN_SECONDS)
        self.table.observe(seen, now=self.clock())
        self.metrics.ble_peripherals.set(len(self.table))
        for address in self.table.platform_addresses():
            try:
                await self.backend.exchange(
                    address=address, sink=self._store, seconds=EXCHANGE_SECONDS
                )
            except (OSError, TimeoutError) as exc:
                shown = hashed_address(address, key=self.table.key)
                log.info(
                    "BLE peripheral unreachable", extra={"peripheral": shown, "error": str(exc)}
                )
        self.queue.expire(now=self.clock())
        self.forward()

    async def _store(self, address: str, message: Message) -> bool:
        source = self.table.shown(address, show_addresses=self.settings().show_addresses)
        stored = self.queue.put(source=source, body=message.body, now=self.clock())
        self.metrics.ble_messages.labels(outcome="stored" if stored else "dropped").inc()
        return stored

    def forward(self) -> int:
        """Deliver queued messages in order until the queue is empty or a delivery fails."""
        sent = 0
        while batch := self.queue.peek():
            done: list[int] = []
            for message in batch:
                try:
                    ok = self.forwarder.deliver(message)
                except OSError as exc:
                    log.warning("BLE message forwarding failed", extra={"error": str(exc)})
                    ok = False
                if not ok:
                    break
                done.append(message.id)
            self.queue.remove(done)
            sent += len(done)
            self.metrics.ble_messages.labels(outcome="forwarded").inc(len(done))
            if len(done) < len(batch):
                break
        return sent
