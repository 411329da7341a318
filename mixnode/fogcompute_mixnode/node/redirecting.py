"""Reloading the directory file while the node runs: the routing table follows each epoch.

Sits beside key rotation in each worker. The hosting edge agent rewrites the directory file
(atomically, by rename) when the operator publishes a new epoch's signed directory; every
``interval_s`` (at most a quarter epoch, so a new directory is in use within that long of
being written) the worker compares the file's mtime and, when it changed, parses it and hands
it to every user (the packet handler's next-hop lookup, loop cover's route choice). A file
that does not parse is logged and counted, and the previous table is kept (retried next
time), so a bad write never takes a running node down. Each reload is one log line.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from fogcompute_mixnode.directory import Directory, load_directory

log = logging.getLogger(__name__)
Use = Callable[[Directory], None]


class DirectoryReloader:
    def __init__(
        self,
        *,
        path: Path,
        users: Sequence[Use],
        interval_s: float,
        load: Callable[[Path], Directory] = load_directory,
    ) -> None:
        self._path = path
        self._users = tuple(users)
        self._interval = interval_s
        self.reloads: Counter[str] = Counter()  # "ok" / "error"
        self._load = load
        self._mtime_ns = self._file_mtime_ns()
        self._handle: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        self._handle = loop.call_later(self._interval, self._tick, loop)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        self.reload_if_changed()
        self._handle = loop.call_later(self._interval, self._tick, loop)

    def reload_if_changed(self) -> bool:
        """Reload when the file's mtime moved; True when a new table is in use."""
        mtime_ns = self._file_mtime_ns()
        if mtime_ns is None or mtime_ns == self._mtime_ns:
            return False
        try:
            directory = self._load(self._path)
        except (OSError, ValueError, KeyError, TypeError) as error:
            self.reloads["error"] += 1
            log.error(
                "event=directory_reload_failed directory=%s error=%r kept=previous",
                self._path,
                str(error),
            )
            return False
        self._mtime_ns = mtime_ns
        for use in self._users:
            use(directory)
        self.reloads["ok"] += 1
        log.info("event=directory_reloaded directory=%s nodes=%d", self._path, len(directory.nodes))
        return True

    def _file_mtime_ns(self) -> int | None:
        try:
            return self._path.stat().st_mtime_ns
        except OSError:
            return None
