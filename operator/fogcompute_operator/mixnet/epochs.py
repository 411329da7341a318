"""The key epoch clock the operator shares with every mixnode and client. Pure.

``epoch = floor((t - genesis) / epoch_seconds)`` in unix seconds: the same rule as the
mixnode's own clock (``fogcompute_mixnode.directory.epochs``, which the operator may not
import), so the directory of epoch N names the keys the nodes use in epoch N. Both sides read
the length and genesis from settings that must agree (``FOG_MIXNET_EPOCH_SECONDS`` here,
``--epoch-seconds`` on the nodes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class EpochClock:
    epoch_seconds: float = 3600.0
    genesis: float = 0.0

    def __post_init__(self) -> None:
        if not self.epoch_seconds > 0:
            raise ValueError(f"epoch_seconds must be > 0, got {self.epoch_seconds}")

    def epoch_at(self, now: datetime) -> int:
        return math.floor((now.timestamp() - self.genesis) / self.epoch_seconds)

    def start_of(self, epoch: int) -> datetime:
        return datetime.fromtimestamp(self.genesis + epoch * self.epoch_seconds, UTC)

    def seconds_to_next(self, now: datetime) -> float:
        """Seconds from ``now`` to the start of the next epoch (> 0)."""
        nxt = self.start_of(self.epoch_at(now) + 1)
        return max((nxt - now).total_seconds(), 0.0)
