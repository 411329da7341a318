"""The hosted mixnode's settings, read once from the agent's environment. Pure.

Variables (defaults in brackets): FOG_EDGE_MIXNODE [true] host the node's MixNode at all;
FOG_EDGE_MIXNODE_HOST [127.0.0.1] the address the daemon binds and publishes;
FOG_EDGE_MIXNODE_PORT [9001] its UDP port; FOG_EDGE_MIXNODE_METRICS_PORT [9103];
FOG_EDGE_MIXNODE_WORKERS [the cores this process may run on]; FOG_EDGE_MIXNODE_EPOCH_SECONDS
[3600] and FOG_EDGE_MIXNODE_EPOCH_GENESIS [0] (must match the operator's FOG_MIXNET_*);
FOG_EDGE_MIXNODE_EPOCH_GRACE_SECONDS [a quarter epoch, at most 60] the previous epoch's key
stays live after a boundary;
FOG_EDGE_MIXNODE_INTERVAL [5] seconds between status reports; FOG_EDGE_MIXNODE_LOOP_RATE [1]
loop cover packets per second; FOG_EDGE_MIXNODE_MAX_DELAY_US [2000000];
FOG_EDGE_MIXNODE_MEASURE [true] send measurement packets through every MixNode each round;
FOG_EDGE_MIXNODE_MEASURE_DEADLINE_SECONDS [10] after which one counts as lost;
FOG_EDGE_MIXNODE_RECIPIENTS [none] a directory file (JSON/YAML, as ``fogctl`` reads) whose
``recipients`` are the mailboxes this node delivers to as an exit hop (read every round).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


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


def _file(environ: Mapping[str, str], name: str) -> Path | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    path = Path(raw)
    if not path.is_file():
        raise ValueError(f"{name}={raw!r} is not a file; point it at a directory file or unset it")
    return path


def allowed_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class MixingSettings:
    enabled: bool = True
    host: str = "127.0.0.1"
    port: int = 9001
    metrics_port: int = 9103
    workers: int = 1
    epoch_seconds: float = 3600.0
    epoch_genesis: float = 0.0
    epoch_grace: float = 60.0
    interval: float = 5.0
    loop_rate: float = 1.0
    max_delay_us: int = 2_000_000
    measure: bool = True
    measure_deadline: float = 10.0
    recipients_file: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> MixingSettings:
        epoch_seconds = _number(environ, "FOG_EDGE_MIXNODE_EPOCH_SECONDS", 3600, minimum=1)
        return cls(
            enabled=environ.get("FOG_EDGE_MIXNODE", "true").strip().lower() != "false",
            host=environ.get("FOG_EDGE_MIXNODE_HOST", "").strip() or "127.0.0.1",
            port=int(_number(environ, "FOG_EDGE_MIXNODE_PORT", 9001, minimum=1)),
            metrics_port=int(_number(environ, "FOG_EDGE_MIXNODE_METRICS_PORT", 9103, minimum=1)),
            workers=int(_number(environ, "FOG_EDGE_MIXNODE_WORKERS", allowed_cores(), minimum=1)),
            epoch_seconds=epoch_seconds,
            epoch_genesis=_number(environ, "FOG_EDGE_MIXNODE_EPOCH_GENESIS", 0, minimum=0),
            epoch_grace=_number(
                environ,
                "FOG_EDGE_MIXNODE_EPOCH_GRACE_SECONDS",
                min(60.0, epoch_seconds / 4),
                minimum=0,
            ),
            interval=_number(environ, "FOG_EDGE_MIXNODE_INTERVAL", 5, minimum=0.1),
            loop_rate=_number(environ, "FOG_EDGE_MIXNODE_LOOP_RATE", 1, minimum=0),
            max_delay_us=int(
                _number(environ, "FOG_EDGE_MIXNODE_MAX_DELAY_US", 2_000_000, minimum=0)
            ),
            measure=environ.get("FOG_EDGE_MIXNODE_MEASURE", "true").strip().lower() != "false",
            measure_deadline=_number(
                environ, "FOG_EDGE_MIXNODE_MEASURE_DEADLINE_SECONDS", 10, minimum=0.1
            ),
            recipients_file=_file(environ, "FOG_EDGE_MIXNODE_RECIPIENTS"),
        )

    def __post_init__(self) -> None:
        if not 0 <= self.epoch_grace < self.epoch_seconds:
            raise ValueError(
                f"FOG_EDGE_MIXNODE_EPOCH_GRACE_SECONDS={self.epoch_grace:g} must be below the "
                f"epoch ({self.epoch_seconds:g}s); set e.g. {self.epoch_seconds / 4:g}"
            )

    def epoch_at(self, now: float) -> int:
        return int((now - self.epoch_genesis) // self.epoch_seconds)
