"""Downtime slashing: when a stake is cut, by how much, and how long it stays jailed.

Pure decisions with the clock passed in. The Stake controller asks, each epoch, whether the
resource behind a stake was down (``mixnode_down``: reliability below the threshold;
``edge_device_down``: Unknown for longer than the window) and then ``decide`` whether to slash:
a stake is slashed at most once per jail (no second cut for the same outage while jailed), by a
fraction of what it holds (``Slash`` in the ledger rounds down), and jailed for ``jail_epochs``.
The ledger's idempotency key ``(stake uid, "slash", epoch)`` makes a repeated decision harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

__all__ = ["SlashDecision", "SlashingParams", "decide", "edge_device_down", "mixnode_down"]


@dataclass(frozen=True, kw_only=True)
class SlashingParams:
    reliability_threshold: Fraction = Fraction(1, 2)
    unknown_window: timedelta = timedelta(minutes=10)
    downtime_fraction: Fraction = Fraction(1, 100)
    jail_epochs: int = 6

    def __post_init__(self) -> None:
        if not 0 <= self.reliability_threshold <= 1:
            raise ValueError(f"reliability_threshold={self.reliability_threshold}: use 0..1")
        if not 0 < self.downtime_fraction <= 1:
            raise ValueError(f"downtime_fraction={self.downtime_fraction}: use a value in (0, 1]")
        if self.jail_epochs < 0:
            raise ValueError(f"jail_epochs={self.jail_epochs}: cannot be negative")
        if self.unknown_window <= timedelta(0):
            raise ValueError(f"unknown_window={self.unknown_window}: must be positive")


@dataclass(frozen=True, kw_only=True)
class SlashDecision:
    fraction: Fraction
    jailed_until_epoch: int
    reason: str


def mixnode_down(*, reliability: Fraction, params: SlashingParams) -> bool:
    """A MixNode is down for the epoch when its measured reliability is below the threshold."""
    return reliability < params.reliability_threshold


def edge_device_down(
    *, unknown_since: datetime | None, now: datetime, params: SlashingParams
) -> bool:
    """An EdgeDevice is down once it has been Unknown for longer than the window."""
    return unknown_since is not None and now - unknown_since > params.unknown_window


def decide(
    *,
    down: bool,
    epoch: int,
    jailed_until_epoch: int | None,
    reason: str,
    params: SlashingParams,
) -> SlashDecision | None:
    """Slash and jail a stake that was down, unless it is still serving a jail term."""
    if not down:
        return None
    if jailed_until_epoch is not None and epoch < jailed_until_epoch:
        return None
    return SlashDecision(
        fraction=params.downtime_fraction,
        jailed_until_epoch=epoch + params.jail_epochs,
        reason=reason,
    )
