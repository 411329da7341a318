"""User idle time: seconds since the last input-device or terminal activity.

Part of one probing round. Sources, best first:
1. logind's ``IdleSinceHint`` over the system D-Bus (``logind`` module), when the host's bus
   socket is mounted and dbus-fast is installed;
2. the newest access or modification time of the host's ``/dev/input/event*``, ``/dev/input/mice``
   and ``/dev/pts/*`` (what BOINC's Linux client reads). Device nodes on a ``relatime`` mount only
   refresh atime when it is older than mtime, so this source can over-report idleness on a
   desktop; it is exact for terminals.
A machine with none of these files has no local user: ``absent``.
"""

from __future__ import annotations

import os

from fogcompute_edge_agent.probing.hostfs import HostRoot
from fogcompute_edge_agent.readings import Reading, Unknown

__all__ = ["read_idle_from_devices"]


def _activity_files(host: HostRoot) -> list[str]:
    inputs = [
        f"dev/input/{name}"
        for name in host.entries("dev/input")
        if name.startswith("event") or name == "mice"
    ]
    terminals = [f"dev/pts/{name}" for name in host.entries("dev/pts") if name.isdigit()]
    return inputs + terminals


def read_idle_from_devices(host: HostRoot, *, now: float) -> Reading[int]:
    files = _activity_files(host)
    if not files:
        return Unknown("absent", "no input devices or terminals (no local user)")
    newest: float | None = None
    for rel in files:
        try:
            stat = os.stat(host.path(rel))
        except OSError:
            continue
        latest = max(stat.st_atime, stat.st_mtime)
        newest = latest if newest is None else max(newest, latest)
    if newest is None:
        return Unknown("unreadable", f"none of {len(files)} input devices could be stat'ed")
    return max(0, int(now - newest))
