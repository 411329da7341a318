"""The agent's settings: one frozen value built by the command line from flags and environment.

Read by ``agent`` and ``cli``; no logic beyond defaults. Every flag has an environment variable
(``FOG_EDGE_<NAME>``) so the DaemonSet can set it from the downward API (``NODE_NAME``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["AgentSettings", "BleBackendName"]

BleBackendName = Literal["none", "bleak"]


@dataclass(frozen=True)
class AgentSettings:
    node: str
    host_root: Path
    kubeconfig: Path | None
    state_dir: Path
    spool_dir: Path
    probe_interval: float = 1.0
    report_interval: float | None = None
    """Overrides ``spec.reporting.reportIntervalSeconds`` when set (benchmarks, tests)."""
    metrics_host: str = "0.0.0.0"  # noqa: S104 - the pod's metrics port, scraped by Prometheus
    metrics_port: int = 9102
    ble_backend: BleBackendName = "none"
    evict_selector: str | None = None
    logind: bool = False
    """Read idle time from logind over the host's system D-Bus (``probing.logind``)."""
    log_level: str = "INFO"
