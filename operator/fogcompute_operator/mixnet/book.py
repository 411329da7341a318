"""The signed directories the operator has published, by epoch, in memory.

Filled by the directory publisher (``publishing``) and read by the Circuit controller, which
draws every path from the newest directory held and is told (``subscribe``) when a new one
arrives. A published epoch's directory never changes: circuits bind its digest, and ``fogctl
circuit verify`` must find the very bytes they were drawn from.
"""

from __future__ import annotations

from collections.abc import Callable

from fogcompute_mixnode.routing import EpochDirectory, OpenedDirectory

Listener = Callable[[EpochDirectory], None]


class DirectoryBook:
    def __init__(self, *, keep: int = 4) -> None:
        self._keep = keep
        self._held: dict[int, OpenedDirectory] = {}
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def put(self, opened: OpenedDirectory) -> None:
        epoch = opened.directory.epoch
        if epoch in self._held:
            return
        self._held[epoch] = opened
        for old in sorted(self._held)[: -self._keep]:
            del self._held[old]
        for listener in self._listeners:
            listener(opened.directory)

    def get(self, epoch: int) -> OpenedDirectory | None:
        return self._held.get(epoch)

    def latest(self, *, at_most: int | None = None) -> OpenedDirectory | None:
        """The newest directory held (of an epoch no later than ``at_most``)."""
        epochs = [e for e in self._held if at_most is None or e <= at_most]
        return self._held[max(epochs)] if epochs else None
