"""The FogJob controller's and its scheduler's configuration, parsed once at startup.

Read by the FogJob handlers' startup activity; a wrong value stops the operator with a message
naming the variable. Variables (defaults in brackets): FOG_SCHEDULER_ROUND_SECONDS [2] between
scheduling rounds, FOG_SCHEDULER_BUDGET_SECONDS [1] of optimiser time per round,
FOG_SCHEDULER_SEED [0] base of each round's seed, FOG_BACKOFF_BASE_SECONDS [10] and
FOG_BACKOFF_MAX_SECONDS [360] of the retry backoff, FOG_FOGJOB_WORKERS [16] concurrent reconciles
(reconciles read the informers; they wait only for their writes),
FOG_PRIORITY_CLASS_PREFIX [empty: no priorityClassName] (a pod of tier gold then gets
``<prefix>gold``; the PriorityClasses must exist), and the EdgeDevice silence bound the
scheduler shares with the EdgeDevice controller (``scheduling.heartbeats``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fogcompute_operator.controlling import env_number
from fogcompute_operator.fogjobs.deciding import TrackingSettings
from fogcompute_operator.scheduling.heartbeats import (
    DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
    heartbeat_timeout_from_environ,
)


@dataclass(frozen=True)
class FogJobSettings:
    round_seconds: float = 2.0
    budget_seconds: float = 1.0
    seed: int = 0
    workers: int = 16
    priority_class_prefix: str = ""
    heartbeat_timeout_seconds: float = DEFAULT_HEARTBEAT_TIMEOUT_SECONDS
    tracking: TrackingSettings = field(default_factory=TrackingSettings)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> FogJobSettings:
        base = env_number(environ, "FOG_BACKOFF_BASE_SECONDS", 10.0, minimum=0.0)
        return cls(
            round_seconds=env_number(environ, "FOG_SCHEDULER_ROUND_SECONDS", 2.0, minimum=0.05),
            budget_seconds=env_number(environ, "FOG_SCHEDULER_BUDGET_SECONDS", 1.0, minimum=0.01),
            seed=int(env_number(environ, "FOG_SCHEDULER_SEED", 0, minimum=0)),
            workers=int(env_number(environ, "FOG_FOGJOB_WORKERS", 16, minimum=1)),
            priority_class_prefix=environ.get("FOG_PRIORITY_CLASS_PREFIX", "").strip(),
            heartbeat_timeout_seconds=heartbeat_timeout_from_environ(environ),
            tracking=TrackingSettings(
                backoff_base_seconds=base,
                backoff_max_seconds=env_number(
                    environ, "FOG_BACKOFF_MAX_SECONDS", 360.0, minimum=base
                ),
            ),
        )
