"""Where stored messages go next: the ``Forwarder`` seam and its spool-directory implementation.

The bridge's forwarding loop drains ``storing.MessageQueue`` into a ``Forwarder``. Until the
mixnet issue plugs in the node's mixnode client, messages go to a local spool directory: each one
a file written to a temporary name, fsynced, then renamed into place (and the directory fsynced),
so a reader never sees half a message and a crash never loses an acknowledged one. File names
sort in arrival order: ``<received-ns>-<queue-id>.msg``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from fogcompute_edge_agent.ble.storing import Queued

__all__ = ["Forwarder", "SpoolDirectory"]


class Forwarder(Protocol):
    def deliver(self, message: Queued) -> bool:
        """Hand one message on; True once it is durably someone else's."""
        ...


class SpoolDirectory:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)

    def deliver(self, message: Queued) -> bool:
        name = f"{int(message.received * 1e9):020d}-{message.id:012d}.msg"
        final = self.path / name
        tmp = self.path / f".{name}.tmp"
        with tmp.open("wb") as handle:
            handle.write(message.body)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return True
