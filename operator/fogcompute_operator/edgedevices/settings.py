"""The EdgeDevice controller's configuration, parsed once from the environment at startup.

Read by the EdgeDevice handlers' startup activity; a wrong value stops the operator with a
message naming the variable. Variables (defaults in brackets):
FOG_EDGEDEVICE_HEARTBEAT_TIMEOUT_SECONDS [45] after which a silent agent's device is Ready
Unknown (shared with the scheduler, ``scheduling.heartbeats``), FOG_EDGEDEVICE_WORKERS [2]
concurrent reconciles.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from fogcompute_operator.controlling import env_number
from fogcompute_operator.scheduling.heartbeats import (
    DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
    heartbeat_timeout_from_environ,
)


@dataclass(frozen=True)
class EdgeDeviceSettings:
    heartbeat_timeout_seconds: float = DEFAULT_HEARTBEAT_TIMEOUT_SECONDS
    workers: int = 2

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> EdgeDeviceSettings:
        return cls(
            heartbeat_timeout_seconds=heartbeat_timeout_from_environ(environ),
            workers=int(env_number(environ, "FOG_EDGEDEVICE_WORKERS", 2, minimum=1)),
        )
