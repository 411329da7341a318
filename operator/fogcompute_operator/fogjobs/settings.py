"""The FogJob controller's configuration, parsed once from the environment at startup.

Read by the FogJob handlers' startup activity; a wrong value stops the operator with a message
naming the variable. Variables (defaults in brackets): FOG_SCHEDULER_ROUND_SECONDS [2] between
scheduling rounds, FOG_SCHEDULER_BUDGET_SECONDS [1] of optimiser time per round,
FOG_SCHEDULER_SEED [0] base of each round's seed, FOG_BACKOFF_BASE_SECONDS [10] and
FOG_BACKOFF_MAX_SECONDS [360] of the retry backoff, FOG_FOGJOB_WORKERS [16] concurrent reconciles
(reconciles read the cache; they wait only for their writes),
FOG_PRIORITY_CLASS_PREFIX [empty: no priorityClassName] (a pod of tier gold then gets
``<prefix>gold``; the PriorityClasses must exist).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fogcompute_operator.tracking import TrackingSettings


def _number(environ: Mapping[str, str], name: str, default: float, *, minimum: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number; set e.g. {name}={default:g}") from None
    if value < minimum:
        raise ValueError(f"{name}={raw!r} is below {minimum:g}; set at least {minimum:g}")
    return value


@dataclass(frozen=True)
class FogJobSettings:
    round_seconds: float = 2.0
    budget_seconds: float = 1.0
    seed: int = 0
    workers: int = 16
    priority_class_prefix: str = ""
    tracking: TrackingSettings = field(default_factory=TrackingSettings)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> FogJobSettings:
        base = _number(environ, "FOG_BACKOFF_BASE_SECONDS", 10.0, minimum=0.0)
        return cls(
            round_seconds=_number(environ, "FOG_SCHEDULER_ROUND_SECONDS", 2.0, minimum=0.05),
            budget_seconds=_number(environ, "FOG_SCHEDULER_BUDGET_SECONDS", 1.0, minimum=0.01),
            seed=int(_number(environ, "FOG_SCHEDULER_SEED", 0, minimum=0)),
            workers=int(_number(environ, "FOG_FOGJOB_WORKERS", 16, minimum=1)),
            priority_class_prefix=environ.get("FOG_PRIORITY_CLASS_PREFIX", "").strip(),
            tracking=TrackingSettings(
                backoff_base_seconds=base,
                backoff_max_seconds=_number(
                    environ, "FOG_BACKOFF_MAX_SECONDS", 360.0, minimum=base
                ),
            ),
        )
