"""The eviction webhook's metrics: reviews by result and how long an answer took.

Registered once per registry (``on``: a retried startup reuses the families) on the runtime's
registry, so they are served on the operator's ``/metrics``. Results: ``allowed``,
``refused`` (the decision said no), ``malformed`` (the review could not be read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry, Counter, Histogram

Result = Literal["allowed", "refused", "malformed"]
RESULTS: tuple[Result, ...] = ("allowed", "refused", "malformed")
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


@dataclass(frozen=True)
class EvictionMetrics:
    reviews: Counter
    seconds: Histogram

    def observe(self, *, result: Result, seconds: float) -> None:
        self.reviews.labels(result=result).inc()
        self.seconds.observe(seconds)


_BY_REGISTRY: WeakKeyDictionary[CollectorRegistry, EvictionMetrics] = WeakKeyDictionary()


def eviction_metrics(registry: CollectorRegistry) -> EvictionMetrics:
    """The families on ``registry``, created on first use."""
    held = _BY_REGISTRY.get(registry)
    if held is None:
        held = EvictionMetrics(
            reviews=Counter(
                "fogcompute_eviction_reviews_total",
                "Edge agent evictions reviewed by the operator's webhook, by result",
                ["result"],
                registry=registry,
            ),
            seconds=Histogram(
                "fogcompute_eviction_review_seconds",
                "Time to answer one eviction review (pod read included)",
                buckets=_BUCKETS,
                registry=registry,
            ),
        )
        for result in RESULTS:
            held.reviews.labels(result=result)
        _BY_REGISTRY[registry] = held
    return held
