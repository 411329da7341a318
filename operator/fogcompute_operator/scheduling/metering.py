"""Prometheus metrics of the scheduler, written after each round (``batching``).

Served with everything else on ``/metrics``. Families (names must not drift):

- ``fogcompute_scheduling_round_seconds``: one round, snapshot to placements (histogram);
- ``fogcompute_scheduling_optimiser_seconds``: optimiser time of a round (histogram);
- ``fogcompute_scheduling_front_size``: Pareto front size of the last round's tiers (gauge);
- ``fogcompute_scheduling_jobs_total{result}``: jobs a round placed or left pending;
- ``fogcompute_scheduling_tier_weight{tier,objective}``: each SLA tier's objective weights the
  last round used (governed: a passed Proposal changes them; 0 for a tier without weights).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

ROUND_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class SchedulingMetrics:
    round_seconds: Histogram
    optimiser_seconds: Histogram
    front_size: Gauge
    scheduled_jobs: Counter
    tier_weight: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> SchedulingMetrics:
        """Register the families on ``registry`` (once per registry)."""
        return cls(
            round_seconds=Histogram(
                "fogcompute_scheduling_round_seconds",
                "Duration of one scheduling round",
                buckets=ROUND_BUCKETS,
                registry=registry,
            ),
            optimiser_seconds=Histogram(
                "fogcompute_scheduling_optimiser_seconds",
                "Optimiser time of one scheduling round",
                buckets=ROUND_BUCKETS,
                registry=registry,
            ),
            front_size=Gauge(
                "fogcompute_scheduling_front_size",
                "Pareto front size of the last round, per tier",
                ["tier"],
                registry=registry,
            ),
            scheduled_jobs=Counter(
                "fogcompute_scheduling_jobs_total",
                "Jobs considered by scheduling rounds, by result",
                ["result"],
                registry=registry,
            ),
            tier_weight=Gauge(
                "fogcompute_scheduling_tier_weight",
                "Objective weight of each SLA tier in the last scheduling round",
                ["tier", "objective"],
                registry=registry,
            ),
        )


@functools.cache
def default_scheduling_metrics() -> SchedulingMetrics:
    """The process-wide scheduler metrics on prometheus_client's default registry."""
    prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
    return SchedulingMetrics.create(prometheus_client.REGISTRY)
