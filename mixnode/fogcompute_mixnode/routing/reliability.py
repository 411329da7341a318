"""Measured reliability of one mixnode: a sliding window of measurement packets, late = lost.

Sits in the routing core: the operator's reliability monitor (or an agent's loop cover) tells
an estimator per MixNode each measurement packet it sends through the node and each one that
comes back; the estimate goes into MixNode status (and, as ``reliability_ppm``, into the
signed directory), where path selection and rewards read it. Pure: the caller passes ``now``
(a fake clock in tests), nothing here reads a clock, sleeps or does I/O.

Outcomes: a packet back within ``deadline_s`` of its send is a success; one back later, or
not back by then (``expire``), is a loss. An outcome counts in the bucket of the instant it
became known; buckets are ``bucket_s = window_s / buckets`` wide and those wholly older than
``window_s`` are forgotten. The score is the Beta posterior mean
``(ok + prior_ok) / (n + prior_ok + prior_lost)``; the confidence is the Wilson score
interval at ``z`` over the same ``n`` outcomes.

Bound: if a node drops (or delays past ``deadline_s``) every packet from time ``t0`` on, then
from ``t0 + deadline_s + window_s + bucket_s`` on every outcome in the window is a loss, so
the score is at most ``prior_ok / (n + prior_ok + prior_lost)`` and the Wilson upper bound is
at most ``z**2 / (n + z**2)`` (with the defaults, 600 s window, 60 s buckets, 30 s deadline:
within 690 s; at one measurement packet a second the score is then below 0.002).

State survives a restart through MixNode ``status.reliabilityWindow`` (``to_window`` /
``from_window``, or ``to_state``/``from_state`` for its JSON): the buckets and counters (a few
hundred bytes), not the packets in flight, whose answers go to the old process and must not
count against the node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from fogcompute_api.mixnodes import ReliabilityBucket, ReliabilityWindow
from pydantic import ValidationError

__all__ = ["Estimate", "ReliabilityEstimator", "ReliabilitySettings"]

MAX_PENDING = 100_000


@dataclass(frozen=True)
class ReliabilitySettings:
    """Window, bucket count, deadline (late = lost), Beta prior and Wilson ``z``."""

    window_s: float = 600.0
    buckets: int = 10
    deadline_s: float = 30.0
    prior_ok: float = 1.0
    prior_lost: float = 1.0
    z: float = 1.96

    def __post_init__(self) -> None:
        if not (self.window_s > 0 and self.deadline_s > 0 and 1 <= self.buckets <= 1000):
            raise ValueError("reliability: window_s and deadline_s > 0, buckets 1..1000")
        if not (self.prior_ok > 0 and self.prior_lost > 0 and self.z > 0):
            raise ValueError("reliability: prior_ok, prior_lost and z must be > 0")

    @property
    def bucket_s(self) -> float:
        return self.window_s / self.buckets

    @property
    def detection_bound_s(self) -> float:
        """Time after a node starts losing everything until only losses are in the window."""
        return self.deadline_s + self.window_s + self.bucket_s


@dataclass(frozen=True)
class Estimate:
    """The score (posterior mean), its Wilson interval and the outcomes behind it."""

    score: float
    lower: float
    upper: float
    ok: int
    lost: int

    @property
    def samples(self) -> int:
        return self.ok + self.lost


@dataclass
class _Bucket:
    ok: int = 0
    lost: int = 0


class ReliabilityEstimator:
    """The window of one mixnode's measurement outcomes."""

    def __init__(self, settings: ReliabilitySettings | None = None) -> None:
        self.settings = settings or ReliabilitySettings()
        self._buckets: dict[int, _Bucket] = {}
        self._pending: dict[bytes, float] = {}
        self.unknown_returns = 0  # returns of packets never sent (or already resolved)
        self.refused_sends = 0  # sends beyond MAX_PENDING in flight, not measured
        self.restored = False  # set by from_state when a saved window was taken over

    def _bucket(self, now: float) -> _Bucket:
        return self._buckets.setdefault(math.floor(now / self.settings.bucket_s), _Bucket())

    def sent(self, packet_id: bytes, *, now: float) -> None:
        """A measurement packet left for the node at ``now``."""
        if len(self._pending) >= MAX_PENDING or packet_id in self._pending:
            self.refused_sends += 1
            return
        self._pending[packet_id] = now

    def returned(self, packet_id: bytes, *, now: float) -> None:
        """A measurement packet came back at ``now``: a success if within the deadline."""
        sent_at = self._pending.pop(packet_id, None)
        if sent_at is None:
            self.unknown_returns += 1
            return
        bucket = self._bucket(now)
        if now - sent_at <= self.settings.deadline_s:
            bucket.ok += 1
        else:
            bucket.lost += 1

    def record(self, *, ok: int, lost: int, now: float) -> None:
        """Outcomes resolved elsewhere (an agent's measurement counts), known at ``now``."""
        if ok < 0 or lost < 0:
            raise ValueError(f"reliability: ok and lost must be >= 0, got {ok}, {lost}")
        bucket = self._bucket(now)
        bucket.ok += ok
        bucket.lost += lost

    def expire(self, *, now: float) -> int:
        """Count every packet out longer than the deadline as lost; returns how many."""
        late = [p for p, t in self._pending.items() if now - t > self.settings.deadline_s]
        for packet_id in late:
            sent_at = self._pending.pop(packet_id)
            self._bucket(sent_at + self.settings.deadline_s).lost += 1
        return len(late)

    def _prune(self, now: float) -> None:
        # A bucket is forgotten once its end is at least window_s old.
        oldest = math.floor((now - self.settings.window_s) / self.settings.bucket_s)
        for index in [i for i in self._buckets if i < oldest]:
            del self._buckets[index]

    def estimate(self, *, now: float) -> Estimate:
        """Expire late packets, forget old buckets, and score the window."""
        self.expire(now=now)
        self._prune(now)
        ok = sum(b.ok for b in self._buckets.values())
        lost = sum(b.lost for b in self._buckets.values())
        s = self.settings
        n = ok + lost
        score = (ok + s.prior_ok) / (n + s.prior_ok + s.prior_lost)
        if n == 0:
            return Estimate(score=score, lower=0.0, upper=1.0, ok=0, lost=0)
        p, z2 = ok / n, s.z * s.z
        centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        half = s.z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
        return Estimate(
            score=score,
            lower=max(0.0, centre - half),
            upper=min(1.0, centre + half),
            ok=ok,
            lost=lost,
        )

    def to_window(self, *, now: float) -> ReliabilityWindow:
        """The window as MixNode ``status.reliabilityWindow`` holds it (not packets in flight)."""
        estimate = self.estimate(now=now)
        return ReliabilityWindow(
            bucket_seconds=self.settings.bucket_s,
            buckets=tuple(
                ReliabilityBucket(index=i, ok=b.ok, lost=b.lost)
                for i, b in sorted(self._buckets.items())
                if i >= 0
            ),
            unknown_returns=self.unknown_returns,
            lower=estimate.lower,
            upper=estimate.upper,
            samples=estimate.samples,
        )

    def to_state(self, *, now: float) -> dict[str, Any]:
        """``to_window`` as a JSON-ready document (camelCase, as in the MixNode status)."""
        return self.to_window(now=now).model_dump(by_alias=True, mode="json")

    @classmethod
    def from_window(
        cls, window: ReliabilityWindow | None, *, settings: ReliabilitySettings | None = None
    ) -> ReliabilityEstimator:
        """The estimator a saved window describes; an absent window or another width: empty.

        ``restored`` on the result says whether the saved window was taken over.
        """
        estimator = cls(settings)
        if window is None or window.bucket_seconds != estimator.settings.bucket_s:
            return estimator  # other bucket widths: the indices would mean other times
        newest = sorted(window.buckets, key=lambda b: b.index)[-(estimator.settings.buckets + 1) :]
        estimator._buckets = {b.index: _Bucket(ok=b.ok, lost=b.lost) for b in newest}
        estimator.unknown_returns = window.unknown_returns
        estimator.restored = True
        return estimator

    @classmethod
    def from_state(
        cls, state: Any, *, settings: ReliabilitySettings | None = None
    ) -> ReliabilityEstimator:
        """``from_window`` for a JSON document; a malformed one starts empty, never raises."""
        try:
            window = ReliabilityWindow.model_validate(state)
        except ValidationError:
            window = None
        return cls.from_window(window, settings=settings)
