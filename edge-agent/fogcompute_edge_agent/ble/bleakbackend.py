"""``BleBackend`` over bleak: passive scans and GATT message exchange (BlueZ on Linux).

Imported only when the agent runs with ``--ble-backend bleak``. Passive scanning on BlueZ needs
advertisement-monitor "or patterns"; the patterns here match every advertisement whose Flags
field is one of the common LE values, which in practice is every connectable or discoverable
peripheral. Message framing on ``MESSAGE_CHAR``: one notification per message, an 8-byte
big-endian sequence number followed by the body; the ack is that sequence number written to
``ACK_CHAR`` with response, after the message is stored.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.args.bluez import OrPattern
from bleak.assigned_numbers import AdvertisementDataType
from bleak.exc import BleakError

from fogcompute_edge_agent.ble.advertising import (
    ACK_CHAR,
    MESSAGE_CHAR,
    Advertisement,
    Message,
    from_bleak,
)
from fogcompute_edge_agent.ble.backend import MessageSink

__all__ = ["BleakBackend", "strongest"]

_FLAGS = (b"\x02", b"\x04", b"\x05", b"\x06", b"\x1a", b"\x1e")
IDLE_SECONDS = 2.0


def strongest(found: dict[str, Advertisement], ad: Advertisement) -> None:
    """Keep, per address, the advertisement with the strongest RSSI."""
    old = found.get(ad.address)
    if old is None or (ad.rssi or -128) >= (old.rssi or -128):
        found[ad.address] = ad


class BleakBackend:
    def __init__(self, *, adapter: str | None = None, passive: bool = True) -> None:
        self._adapter, self._passive = adapter, passive

    async def scan(self, *, seconds: float) -> Sequence[Advertisement]:
        found: dict[str, Advertisement] = {}

        def seen(device: Any, advertisement: Any) -> None:
            strongest(found, from_bleak(device, advertisement))

        bluez: dict[str, Any] = {}
        if self._adapter:
            bluez["adapter"] = self._adapter
        if self._passive:
            bluez["or_patterns"] = [OrPattern(0, AdvertisementDataType.FLAGS, f) for f in _FLAGS]
        mode = "passive" if self._passive else "active"
        try:
            async with BleakScanner(detection_callback=seen, scanning_mode=mode, bluez=bluez):  # type: ignore[arg-type]
                await asyncio.sleep(seconds)
        except BleakError as exc:
            raise OSError(f"BLE scan failed: {exc}") from exc
        return list(found.values())

    async def exchange(self, *, address: str, sink: MessageSink, seconds: float) -> int:
        inbox: asyncio.Queue[bytes] = asyncio.Queue(maxsize=256)

        def notified(_: Any, data: bytearray) -> None:
            with contextlib.suppress(asyncio.QueueFull):  # the peripheral re-sends unacked ones
                inbox.put_nowait(bytes(data))

        acked = 0
        try:
            async with asyncio.timeout(seconds), BleakClient(address) as client:
                await client.start_notify(MESSAGE_CHAR, notified)
                while True:
                    try:
                        frame = await asyncio.wait_for(inbox.get(), IDLE_SECONDS)
                    except TimeoutError:
                        break
                    if len(frame) < 8:
                        continue
                    message = Message(sequence=int.from_bytes(frame[:8], "big"), body=frame[8:])
                    if await sink(address, message):
                        await client.write_gatt_char(ACK_CHAR, frame[:8], response=True)
                        acked += 1
        except BleakError as exc:
            raise OSError(f"{address}: {exc}") from exc
        return acked
