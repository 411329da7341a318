"""The key-epoch clock shared by daemon, client and keygen: which epoch is current, which live.

Sits in the directory layer so the daemon (``node``) and the client (``client``) read one
definition, and both CLIs take the same flags from ``add_epoch_flags``. Pure arithmetic, no
I/O: the daemon's ``rotating`` asks for the live set and for the next instant that set
changes, and arms one timer for that instant; packet builders (client streams, the daemon's
loop cover) ask for the current epoch and use the directory's keys for it.
``current = floor((now - genesis) / epoch_seconds)``; the live epochs are the current one,
the next one (published early so senders can build packets for it) and, for ``grace_s``
after a boundary, the previous one (so packets in flight at the boundary are still accepted).
Must not read a clock itself: ``now`` always comes from the caller's ``Clock``.
Only ``add_epoch_flags`` reads the environment (FOG_MIXNET_EPOCH_* as flag defaults).
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class Clock(Protocol):
    """The time seam: unix seconds now (``time.time`` in production, a fake in tests)."""

    def __call__(self) -> float: ...


def wall_clock() -> float:
    return time.time()


@dataclass(frozen=True)
class EpochClock:
    """Epoch arithmetic for ``--epoch-seconds``, ``--epoch-genesis``, ``--epoch-grace-seconds``."""

    epoch_seconds: float = 3600.0
    genesis: float = 0.0
    grace_s: float = 60.0

    def __post_init__(self) -> None:
        if not self.epoch_seconds > 0:
            raise ValueError(f"--epoch-seconds must be > 0, got {self.epoch_seconds}")
        if not 0 <= self.grace_s < self.epoch_seconds:
            raise ValueError(
                f"--epoch-grace-seconds must be in [0, --epoch-seconds={self.epoch_seconds}), "
                f"got {self.grace_s}"
            )

    def current(self, now: float) -> int:
        return math.floor((now - self.genesis) / self.epoch_seconds)

    def start_of(self, epoch: int) -> float:
        return self.genesis + epoch * self.epoch_seconds

    def live(self, now: float) -> frozenset[int]:
        """Current, next, and previous while in its grace period; never a negative epoch."""
        current = self.current(now)
        epochs = {current, current + 1}
        if now < self.start_of(current) + self.grace_s:
            epochs.add(current - 1)
        return frozenset(e for e in epochs if e >= 0)

    def next_change(self, now: float) -> float:
        """The first instant after ``now`` at which ``live`` may differ."""
        current = self.current(now)
        grace_end = self.start_of(current) + self.grace_s
        if self.grace_s > 0 and now < grace_end:
            return grace_end
        return self.start_of(current + 1)


DEFAULT_EPOCH_SECONDS = 3600.0
DEFAULT_EPOCH_GENESIS = 0.0
DEFAULT_EPOCH_GRACE_S = 60.0


def _env_default(name: str, default: float) -> float:
    """``default``, or the environment's ``name`` (the operator's FOG_MIXNET_* variable of the
    same meaning), so one variable sets the clock of operator, nodes and clients alike."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number; set e.g. {name}={default:g}") from None


def add_epoch_flags(parser: argparse.ArgumentParser, *, grace: bool = False) -> None:
    """``--epoch-seconds`` and ``--epoch-genesis`` (and ``--epoch-grace-seconds`` if ``grace``);
    their defaults come from FOG_MIXNET_EPOCH_SECONDS and FOG_MIXNET_EPOCH_GENESIS when set."""
    parser.add_argument(
        "--epoch-seconds",
        type=float,
        default=_env_default("FOG_MIXNET_EPOCH_SECONDS", DEFAULT_EPOCH_SECONDS),
        help="key epoch length (default: FOG_MIXNET_EPOCH_SECONDS, else 3600)",
    )
    parser.add_argument(
        "--epoch-genesis",
        type=float,
        default=_env_default("FOG_MIXNET_EPOCH_GENESIS", DEFAULT_EPOCH_GENESIS),
        help="unix seconds at which epoch 0 starts (default: FOG_MIXNET_EPOCH_GENESIS, else 0)",
    )
    if grace:
        parser.add_argument(
            "--epoch-grace-seconds",
            type=float,
            default=DEFAULT_EPOCH_GRACE_S,
            help="how long the previous epoch's key is kept after a boundary",
        )


def epoch_clock_from(args: argparse.Namespace) -> EpochClock:
    """The clock for the flags ``add_epoch_flags`` added; ValueError naming a bad flag."""
    grace = getattr(args, "epoch_grace_seconds", None)
    return EpochClock(
        epoch_seconds=args.epoch_seconds,
        genesis=args.epoch_genesis,
        grace_s=0.0 if grace is None else grace,  # only the daemon keeps a grace period
    )


def keygen_epochs(
    chosen: Sequence[int] | None, *, clock: EpochClock, now: float
) -> tuple[int, ...]:
    """``--epochs`` as given, or the clock's current and next epochs (never a negative one)."""
    if chosen:
        return tuple(chosen)
    current = clock.current(now)
    return tuple(e for e in (current, current + 1) if e >= 0)
