"""What a BLE scan yields, and the platform's GATT service: the vocabulary of the bridge.

Bottom of the ``ble`` package: frozen values only. ``Advertisement`` is what every backend
(bleak, the fake in tests) reports per scan; ``from_bleak`` converts bleak's own ``BLEDevice``
and ``AdvertisementData`` without importing bleak here (duck-typed, so the agent can run with no
BLE stack installed). The platform's GATT service has two characteristics: the peripheral
notifies messages on ``MESSAGE_CHAR`` and the bridge acknowledges each one by writing its
8-byte sequence number to ``ACK_CHAR`` once the message is safely on disk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

__all__ = [
    "ACK_CHAR",
    "MESSAGE_CHAR",
    "PLATFORM_SERVICE",
    "Advertisement",
    "Message",
    "from_bleak",
]

PLATFORM_SERVICE: Final = "6f67c0de-0001-4f0b-9a6e-66f6f67e0001"
MESSAGE_CHAR: Final = "6f67c0de-0002-4f0b-9a6e-66f6f67e0001"
ACK_CHAR: Final = "6f67c0de-0003-4f0b-9a6e-66f6f67e0001"


@dataclass(frozen=True)
class Advertisement:
    """One peripheral seen in one scan."""

    address: str
    name: str | None
    rssi: int | None
    service_uuids: tuple[str, ...] = ()

    @property
    def speaks_platform(self) -> bool:
        return PLATFORM_SERVICE in self.service_uuids


@dataclass(frozen=True)
class Message:
    """One message a peripheral sent: its sequence number (for the ack) and its bytes."""

    sequence: int
    body: bytes


def from_bleak(device: Any, advertisement: Any) -> Advertisement:
    """Convert bleak's ``(BLEDevice, AdvertisementData)`` pair of a detection callback."""
    name = advertisement.local_name or device.name
    return Advertisement(
        address=str(device.address).upper(),
        name=str(name)[:248] if name else None,
        rssi=int(advertisement.rssi) if advertisement.rssi is not None else None,
        service_uuids=tuple(str(u).lower() for u in advertisement.service_uuids),
    )
