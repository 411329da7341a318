"""Exponential (Poisson-process) sampling of delays and inter-send times for node and client.

Sits under both the daemon (loop cover traffic) and the client (Loopix streams and per-hop
delays). The default source is ``secrets.SystemRandom`` (os.urandom), so an observer cannot
predict when cover traffic is sent; tests pass a seeded ``random.Random`` instead. Must not
use the module-level ``random`` functions, whose state is predictable.
"""

from __future__ import annotations

import math
import secrets
from typing import Protocol


class UniformSource(Protocol):
    """A source of floats uniformly distributed on [0, 1)."""

    def random(self) -> float: ...


class ExponentialSampler:
    """Draws from an exponential distribution with a fixed mean (any unit the caller likes)."""

    def __init__(self, *, mean: float, source: UniformSource | None = None) -> None:
        if not math.isfinite(mean) or mean < 0:
            raise ValueError(f"mean must be a finite number >= 0, got {mean!r}")
        self.mean = mean
        self._source: UniformSource = source if source is not None else secrets.SystemRandom()

    def sample(self) -> float:
        """One draw; 0 when the mean is 0 (no delay)."""
        if self.mean == 0:
            return 0.0
        # 1 - U lies in (0, 1], so the logarithm is always defined.
        return -self.mean * math.log(1.0 - self._source.random())


def interval_sampler(
    *, rate_per_s: float, source: UniformSource | None = None
) -> ExponentialSampler:
    """Inter-event times (seconds) of a Poisson process with ``rate_per_s`` events per second."""
    if not math.isfinite(rate_per_s) or rate_per_s <= 0:
        raise ValueError(f"rate_per_s must be a finite number > 0, got {rate_per_s!r}")
    return ExponentialSampler(mean=1.0 / rate_per_s, source=source)
