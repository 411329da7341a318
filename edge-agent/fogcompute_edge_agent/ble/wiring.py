"""Builds the BLE bridge with the bleak backend from the agent's settings (used by ``cli``).

The per-node hashing key lives in the state directory (created once, mode 0600), so hashed
addresses stay stable across restarts but mean nothing off the node.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from fogcompute_edge_agent.ble.bleakbackend import BleakBackend
from fogcompute_edge_agent.ble.bridging import BleBridge
from fogcompute_edge_agent.ble.forwarding import SpoolDirectory
from fogcompute_edge_agent.ble.peripherals import PeripheralTable
from fogcompute_edge_agent.ble.storing import MessageQueue
from fogcompute_edge_agent.observing.metrics import AgentMetrics
from fogcompute_edge_agent.settings import AgentSettings
from fogcompute_edge_agent.specs import BleSettings

__all__ = ["address_key", "bleak_bridge"]


def address_key(state_dir: Path) -> bytes:
    path = state_dir / "ble-address.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        state_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
        return key


def bleak_bridge(
    *, settings: AgentSettings, metrics: AgentMetrics, ble_settings: Callable[[], BleSettings]
) -> BleBridge:
    """The bridge; it follows ``spec.ble`` of the device once the agent has read it."""
    queue = MessageQueue(
        settings.state_dir / "ble-queue.sqlite3",
        on_drop=lambda reason, n: metrics.queue_drops.labels(reason=reason).inc(n),
    )
    return BleBridge(
        backend=BleakBackend(),
        table=PeripheralTable(key=address_key(settings.state_dir)),
        queue=queue,
        forwarder=SpoolDirectory(settings.spool_dir),
        metrics=metrics,
        settings=ble_settings,
    )
