"""An EdgeDevice's reports written as its agent writes them: a status merge patch, repeated.

``ReportingAgent`` patches ``status`` (readings, ``harvestable``, ``lastReportTime``) through
the status subresource with the admin kubeconfig from a thread, every ``interval`` seconds
until ``stop`` (then the device falls silent, as when an agent dies).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any


def now_stamp() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ReportingAgent:
    def __init__(self, control_plane: Any, device: str, *, interval: float = 1.0) -> None:
        self._plane = control_plane
        self._device = device
        self._interval = interval
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._readings: dict[str, Any] = {}
        self._thread: threading.Thread | None = None
        self.reports = 0

    def set(self, **readings: Any) -> None:
        """What the next reports say (``harvestable``, ``harvestReason`` ...)."""
        with self._lock:
            self._readings = dict(readings)

    def report(self) -> None:
        with self._lock:
            status = {**self._readings, "lastReportTime": now_stamp()}
        self._plane.kubectl(
            "patch",
            "edgedevice",
            self._device,
            "--subresource=status",
            "--type=merge",
            "-p",
            json.dumps({"status": status}),
        )
        self.reports += 1

    def start(self) -> None:
        self.report()
        self._thread = threading.Thread(target=self._run, name="agent", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.report()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
