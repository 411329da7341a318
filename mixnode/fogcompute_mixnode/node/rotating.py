"""Key-epoch rotation inside one worker: load new keys, drop dead epochs, on one timer.

Sits beside packet handling in each worker (started by ``working``). At every instant the live
set of ``directory.epochs.EpochClock`` changes (an epoch boundary, or the end of a grace
period) one timer fires: the key file is re-read if its mtime changed (so an operator can
append the next epochs' keys), keys for live epochs the processor lacks are added, and every
epoch no longer live is dropped with its replay Bloom filter (``SphinxNode.drop_epoch``);
packets for it then drop as ``unknown_epoch``. A key file that fails to load keeps the keys
already held, is logged and counted (``result="error"``), and never stops the worker. Never
logs key material.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Protocol

from fogcompute_mixnode.directory.epochs import Clock, EpochClock
from fogcompute_mixnode.keyfiles import NodeKeys, read_node_keys
from fogcompute_mixnode.node.counting import WorkerStats
from fogcompute_mixnode.sphinx import EpochKey

log = logging.getLogger(__name__)


class KeyedProcessor(Protocol):
    """The part of ``SphinxNode`` rotation needs."""

    @property
    def epochs(self) -> tuple[int, ...]: ...

    def add_key(self, key: EpochKey) -> None: ...

    def drop_epoch(self, epoch: int) -> None: ...


class KeyRotator:
    """Keeps a processor's keys equal to the live epochs the key file has keys for."""

    def __init__(
        self,
        *,
        processor: KeyedProcessor,
        keys: NodeKeys,
        key_file: Path,
        epochs: EpochClock,
        clock: Clock,
        stats: WorkerStats,
        read_keys: Callable[[Path], NodeKeys] = read_node_keys,
    ) -> None:
        self._processor = processor
        self._node_id = keys.node_id
        self._known = {key.epoch: key for key in keys.epoch_keys}
        self._key_file = key_file
        self._epochs = epochs
        self._clock = clock
        self._stats = stats
        self._read_keys = read_keys
        self._mtime_ns = self._file_mtime_ns()
        self._handle: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Apply the live set now, then once at every change of it."""
        self.rotate()
        self._arm(loop)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def rotate(self) -> None:
        """Reload the key file if it changed, add live keys, drop dead epochs."""
        now = self._clock()
        self._reload_if_changed()
        live = self._epochs.live(now)
        held = set(self._processor.epochs)
        added = sorted(e for e in live - held if e in self._known)
        dropped = sorted(held - live)
        for epoch in added:
            self._processor.add_key(self._known[epoch])
        for epoch in dropped:
            self._processor.drop_epoch(epoch)
        current = self._epochs.current(now)
        self._stats.key_epoch = current
        self._stats.live_keys = len(self._processor.epochs)
        if added or dropped:
            log.info(
                "event=keys_rotated current=%d added=%s dropped=%s held=%s",
                current,
                _epochs_text(added),
                _epochs_text(dropped),
                _epochs_text(self._processor.epochs),
            )
        if current not in self._processor.epochs:
            log.error(
                "event=no_key_for_current_epoch current=%d key_file=%s held=%s "
                "fix='append a key for epoch %d to the key file'",
                current,
                self._key_file,
                _epochs_text(self._processor.epochs),
                current,
            )

    def _reload_if_changed(self) -> None:
        mtime_ns = self._file_mtime_ns()
        if mtime_ns is not None and mtime_ns == self._mtime_ns:
            return
        try:
            keys = self._read_keys(self._key_file)
            if keys.node_id != self._node_id:
                raise ValueError(
                    f"{self._key_file}: node_id changed; a running node keeps its identity, "
                    "restart it to change node_id"
                )
        except (OSError, ValueError, KeyError, TypeError) as error:
            # The mtime is not recorded, so a fixed file (even by chmod alone) is retried.
            self._stats.key_reloads["error"] += 1
            log.error(
                "event=key_reload_failed key_file=%s error=%r kept=%s",
                self._key_file,
                str(error),
                _epochs_text(self._processor.epochs),
            )
            return
        self._mtime_ns = mtime_ns
        self._known = {key.epoch: key for key in keys.epoch_keys}
        self._stats.key_reloads["ok"] += 1
        log.info(
            "event=key_file_reloaded key_file=%s epochs=%s",
            self._key_file,
            _epochs_text(sorted(self._known)),
        )

    def _file_mtime_ns(self) -> int | None:
        try:
            return self._key_file.stat().st_mtime_ns
        except OSError:
            return None

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        now = self._clock()
        delay = max(0.0, self._epochs.next_change(now) - now)
        self._handle = loop.call_later(delay, self._tick, loop)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            self.rotate()
        except Exception:  # a rotation bug must not stop the timer or the worker
            log.exception("event=rotation_failed")
        self._arm(loop)


def _epochs_text(epochs: Iterable[int]) -> str:
    return ",".join(str(e) for e in epochs) or "none"
