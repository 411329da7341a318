"""The host's /proc, /sys and /dev as the probes see them: a root directory and error counts.

First seam of the probing flow. In a pod the host's trees are mounted read-only under a root
such as ``/host``; in the test bed each agent reads a fixture tree shaped like them. Every probe
reads through ``HostRoot`` so that a missing file is ``None`` (the hardware is absent) and a
malformed one is one counted error (``ProbeErrors``), never an exception that stops the agent.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["HostRoot", "ProbeErrors"]

log = logging.getLogger(__name__)

ErrorListener = Callable[[str, str], None]


@dataclass
class ProbeErrors:
    """Counts of probe errors by (probe, kind); each path is logged once, not every round."""

    listener: ErrorListener | None = None
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)
    _logged: set[str] = field(default_factory=set)

    def record(self, *, probe: str, kind: str, path: str, why: str) -> None:
        self.counts[(probe, kind)] += 1
        if self.listener is not None:
            self.listener(probe, kind)
        if path not in self._logged:
            self._logged.add(path)
            log.warning(
                "probe error", extra={"probe": probe, "kind": kind, "path": path, "why": why}
            )

    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class HostRoot:
    """Reads below ``root``; relative paths look like absolute host paths without the slash."""

    root: Path
    errors: ProbeErrors

    def path(self, rel: str) -> Path:
        return self.root / rel

    def read(self, rel: str, *, probe: str) -> str | None:
        """The file's text, or None if absent; an unreadable file is counted and gives None."""
        path = self.root / rel
        try:
            with path.open("rb") as handle:
                data = handle.read(1 << 20)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            # Some sysfs attributes raise (ENODEV, EIO) when the device is asleep.
            self.errors.record(probe=probe, kind="unreadable", path=str(path), why=str(exc))
            return None
        return data.decode("utf-8", errors="replace")

    def malformed(self, rel: str, *, probe: str, why: str) -> None:
        """Count a file whose content made no sense."""
        self.errors.record(probe=probe, kind="malformed", path=str(self.root / rel), why=why)

    def entries(self, rel: str) -> list[str]:
        """Sorted names in a directory; empty when it is absent or unreadable."""
        try:
            return sorted(os.listdir(self.root / rel))
        except OSError:
            return []

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()
