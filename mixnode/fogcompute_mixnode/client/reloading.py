"""The client's routing table, reloaded at every epoch boundary (``fogctl send`` / ``mailbox``).

Sits in the client between ``running`` (which starts it beside the streams) and the directory
sources. A ``DirectorySource`` gives the routing table for an epoch: ``FileSource`` reads the
static ``--directory`` file again (the option for clients off the cluster), ``CircuitSource``
reads the Circuit's path and the operator's newest signed directory (``routing``).
``DirectoryReloader.run`` sleeps to the next boundary of the epoch clock (plus a small margin),
loads in a thread (the sources block on files and the API server), and swaps the packet
factory's ``directory``; packets built after that use the new table. A failed load keeps the
table it had, is logged and counted, and is retried every ``retry_s`` seconds until one
succeeds; nothing raises out of ``run``. Must not build or send packets itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fogcompute_mixnode.client.circuits import ClusterReader
from fogcompute_mixnode.client.routing import circuit_directory
from fogcompute_mixnode.directory import Clock, Directory, EpochClock, load_directory, wall_clock

__all__ = [
    "CircuitSource",
    "DirectoryReloader",
    "DirectorySource",
    "FileSource",
    "Routed",
]

log = logging.getLogger(__name__)


class DirectorySource(Protocol):
    """Where a routing table comes from; raises (anything) when it cannot be read now."""

    def load(self, *, epoch: int) -> Directory: ...


class Routed(Protocol):
    """What the reloader updates: the packet factory's current routing table."""

    directory: Directory


@dataclass(frozen=True)
class FileSource:
    """The static directory file, read again (an operator of the file may rewrite it)."""

    path: Path

    def load(self, *, epoch: int) -> Directory:
        del epoch  # the file holds its own keys per epoch
        return load_directory(self.path)


@dataclass(frozen=True)
class CircuitSource:
    """A Circuit's path with the keys of the newest published directory up to ``epoch``;
    mailboxes from the static ``recipients`` file."""

    reader: ClusterReader
    ref: str
    recipients: Path

    def load(self, *, epoch: int) -> Directory:
        mailboxes = load_directory(self.recipients)
        return circuit_directory(self.reader, ref=self.ref, recipients=mailboxes, epoch=epoch)


async def _sleep_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


@dataclass
class DirectoryReloader:
    """Reloads ``routed.directory`` from ``source`` once per epoch, right after its boundary.

    ``loaded_epoch`` is the epoch whose table ``routed`` holds (the caller's initial load);
    ``sleep`` and ``clock`` are seams for tests (a fake clock advanced by the fake sleep)."""

    source: DirectorySource
    routed: Routed
    epochs: EpochClock
    loaded_epoch: int
    clock: Clock = wall_clock
    sleep: Callable[[asyncio.Event, float], Awaitable[None]] = _sleep_or_stop
    on_reload: Callable[[int, Directory], None] | None = None
    retry_s: float = 1.0
    margin_s: float = 0.05
    reloads: int = 0
    failures: int = 0

    def next_wait(self, now: float) -> float:
        """Seconds until the next load: the next boundary, or ``retry_s`` while behind."""
        current = self.epochs.current(now)
        if self.loaded_epoch < current:
            return self.retry_s if self.failures else 0.0
        return max(0.0, self.epochs.start_of(current + 1) - now) + self.margin_s

    async def reload_once(self) -> bool:
        """Load the current epoch's table and swap it in; False (kept, logged) on failure."""
        epoch = self.epochs.current(self.clock())
        try:
            directory = await asyncio.to_thread(self.source.load, epoch=epoch)
        except Exception as exc:  # a source may fail in any way: keep the table we have
            self.failures += 1
            log.warning("event=directory_reload_failed epoch=%d error=%s", epoch, str(exc)[:300])
            return False
        self.routed.directory = directory
        self.loaded_epoch = epoch
        self.failures = 0
        self.reloads += 1
        if self.on_reload is not None:
            self.on_reload(epoch, directory)
        return True

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await self.sleep(stop, self.next_wait(self.clock()))
            if stop.is_set():
                return
            if self.epochs.current(self.clock()) > self.loaded_epoch:
                await self.reload_once()
