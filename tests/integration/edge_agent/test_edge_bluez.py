"""The real bleak scanner (the agent's ``BleakBackend``) against a mocked BlueZ on a private bus.

Covers scanning only, in active mode: the template has no AdvertisementMonitorManager1, which
BlueZ passive scanning needs, and no GATT server, so connecting and message exchange are covered
by the fake backend in the unit tests and by the smoke script on a machine with a radio.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bluez_mock import bluez_mock
from fogcompute_edge_agent.ble import (
    PLATFORM_SERVICE,
    BleBridge,
    MessageQueue,
    PeripheralTable,
    SpoolDirectory,
    hashed_address,
)
from fogcompute_edge_agent.ble.bleakbackend import BleakBackend
from fogcompute_edge_agent.observing import AgentMetrics
from fogcompute_edge_agent.specs import BleSettings

SENSOR = "AA:BB:CC:DD:EE:01"
PHONE = "11:22:33:44:55:66"


async def test_bleak_scan_through_the_bridge(tmp_path: Path) -> None:
    with bluez_mock(tmp_path) as bluez:
        backend = BleakBackend(passive=False)

        async def appear() -> None:
            await asyncio.sleep(0.8)
            await asyncio.to_thread(bluez.add_device, SENSOR, "sensor", -48, PLATFORM_SERVICE)
            await asyncio.to_thread(bluez.add_device, PHONE, "phone", -70)

        key = b"k" * 32
        bridge = BleBridge(
            backend=backend,
            table=PeripheralTable(key=key),
            queue=MessageQueue(tmp_path / "q.db"),
            forwarder=SpoolDirectory(tmp_path / "spool"),
            metrics=AgentMetrics(),
            settings=lambda: BleSettings(enabled=True),
        )
        # The scan inside the cycle lasts SCAN_SECONDS; the devices appear while it runs.
        adding = asyncio.create_task(appear())
        await bridge.cycle()
        await adding
        rows = {row["name"]: row for row in bridge.peripherals()}
        assert set(rows) == {"sensor", "phone"}
        assert rows["sensor"]["rssi"] == -48
        assert rows["sensor"]["speaksPlatform"] is True
        assert rows["phone"]["speaksPlatform"] is False
        assert rows["sensor"]["address"] == hashed_address(SENSOR, key=key)
        assert SENSOR not in str(bridge.peripherals())
