"""User idle time from systemd-logind (``IdleHint``, ``IdleSinceHint``) over the system D-Bus.

The better idle source of ``idleness`` when the agent runs with ``--logind`` and the host's
system bus socket is mounted: logind knows whether the desktop sessions are idle, which device
timestamps only approximate. ``LogindIdle.run`` polls the Manager's properties every few seconds
in the agent's event loop (dbus-fast, imported only here); ``reading`` gives the probing round
the latest answer, or None while logind cannot be reached, so the round falls back to devices.
IdleHint false means a user is active (0 s); IdleHint true with no ``IdleSinceHint`` means no
session ever was active (absent: no local user).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fogcompute_edge_agent.readings import Reading, Unknown

__all__ = ["LogindIdle", "idle_from_hints"]

log = logging.getLogger(__name__)

LOGIND = "org.freedesktop.login1"
MANAGER = "org.freedesktop.login1.Manager"
PATH = "/org/freedesktop/login1"


def idle_from_hints(*, idle_hint: bool, since_usec: int, now: float) -> Reading[int]:
    if not idle_hint:
        return 0
    if since_usec <= 0:
        return Unknown("absent", "logind: idle, and no session was ever active")
    return max(0, int(now - since_usec / 1_000_000))


@dataclass
class LogindIdle:
    bus_address: str
    interval: float = 5.0
    clock: Callable[[], float] = time.time
    _hints: tuple[bool, int] | None = None
    _bus: Any = field(default=None, repr=False)
    _failing: bool = False

    def reading(self) -> Reading[int] | None:
        if self._hints is None:
            return None
        idle_hint, since = self._hints
        return idle_from_hints(idle_hint=idle_hint, since_usec=since, now=self.clock())

    async def run(self, stop: asyncio.Event) -> None:
        try:
            while not stop.is_set():
                await self.refresh()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.interval)
        finally:
            self.close()

    def close(self) -> None:
        bus, self._bus = self._bus, None
        if bus is not None:
            with contextlib.suppress(Exception):  # already broken: nothing left to release
                bus.disconnect()

    async def refresh(self) -> None:
        from dbus_fast import Message, MessageType
        from dbus_fast.aio import MessageBus

        try:
            if self._bus is None or not self._bus.connected:
                self._bus = await MessageBus(bus_address=self.bus_address).connect()
            reply = await self._bus.call(
                Message(
                    destination=LOGIND,
                    path=PATH,
                    interface="org.freedesktop.DBus.Properties",
                    member="GetAll",
                    signature="s",
                    body=[MANAGER],
                )
            )
            if reply.message_type == MessageType.ERROR:
                raise OSError(f"logind: {reply.error_name}: {reply.body}")
            props = reply.body[0]
            self._hints = (bool(props["IdleHint"].value), int(props["IdleSinceHint"].value))
            self._failing = False
        except Exception as exc:  # any bus failure: fall back to devices, retry next interval
            self._hints = None
            self.close()
            if not self._failing:
                self._failing = True
                log.warning(
                    "logind unreachable; idle time from input devices", extra={"error": str(exc)}
                )
