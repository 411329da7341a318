"""The table of nearby peripherals that goes into ``status.blePeripherals``.

Fed by the bridge after every scan. A peripheral heard in a scan is (re)listed with its name,
RSSI and time; one not heard gains a missed scan and is dropped after ``expire_after`` misses.
The table keeps at most ``limit`` entries (the status allows 64): when full, the weakest signal
goes first, counted. Addresses are shown as a keyed hash (HMAC-SHA256 under a per-node secret,
first 6 bytes written like a MAC address, so the status model's pattern holds) unless the admin
asked for real addresses (``spec.ble.showAddresses``, passed to ``status`` each time, so a change
applies at the next report): a passer-by's phone is not published to everyone who can read the API.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from fogcompute_edge_agent.ble.advertising import Advertisement

__all__ = ["PeripheralTable", "hashed_address"]


def hashed_address(address: str, *, key: bytes) -> str:
    digest = hmac.new(key, address.upper().encode(), hashlib.sha256).digest()[:6]
    return ":".join(f"{b:02X}" for b in digest)


@dataclass
class _Entry:
    name: str | None
    rssi: int | None
    speaks_platform: bool
    last_seen: float
    missed: int = 0


@dataclass
class PeripheralTable:
    key: bytes
    expire_after: int = 3
    limit: int = 64
    dropped: int = 0
    _entries: dict[str, _Entry] = field(default_factory=dict)

    def observe(self, seen: Sequence[Advertisement], *, now: float) -> None:
        heard = {ad.address.upper(): ad for ad in seen}
        for address, entry in list(self._entries.items()):
            if address not in heard:
                entry.missed += 1
                if entry.missed >= self.expire_after:
                    del self._entries[address]
        for address, ad in heard.items():
            old = self._entries.get(address)
            self._entries[address] = _Entry(
                name=ad.name or (old.name if old else None),
                rssi=ad.rssi if ad.rssi is None or -127 <= ad.rssi <= 20 else None,
                speaks_platform=ad.speaks_platform,
                last_seen=now,
            )
        while len(self._entries) > self.limit:
            weakest = min(self._entries, key=lambda a: self._rank(self._entries[a]))
            del self._entries[weakest]
            self.dropped += 1

    @staticmethod
    def _rank(entry: _Entry) -> tuple[float, int]:
        return (entry.last_seen, entry.rssi if entry.rssi is not None else -128)

    def platform_addresses(self) -> list[str]:
        """Real addresses of peripherals offering the platform service and heard last scan."""
        return [a for a, e in self._entries.items() if e.speaks_platform and e.missed == 0]

    def shown(self, address: str, *, show_addresses: bool) -> str:
        """The address as published: real only when the admin asked for it."""
        return address.upper() if show_addresses else hashed_address(address, key=self.key)

    def status(self, *, rfc3339: Any, show_addresses: bool = False) -> list[dict[str, Any]]:
        rows = []
        shown = {a: self.shown(a, show_addresses=show_addresses) for a in self._entries}
        for address, entry in sorted(self._entries.items(), key=lambda item: shown[item[0]]):
            row: dict[str, Any] = {
                "address": shown[address],
                "speaksPlatform": entry.speaks_platform,
                "lastSeen": rfc3339(entry.last_seen),
                "missedScans": entry.missed,
            }
            if entry.name:
                row["name"] = entry.name
            if entry.rssi is not None:
                row["rssi"] = entry.rssi
            rows.append(row)
        return rows

    def __len__(self) -> int:
        return len(self._entries)
