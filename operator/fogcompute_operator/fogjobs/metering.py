"""Prometheus metrics of the FogJob controller and its scheduler.

Written by ``queueing`` (the controller after each reconcile, the scheduler after each round)
and served with everything else on ``/metrics``. Families (names must not drift):

- ``fogcompute_fogjobs{phase}``: FogJobs this operator knows, by phase (gauge);
- ``fogcompute_scheduling_round_seconds``: one round, snapshot to placements (histogram);
- ``fogcompute_scheduling_optimiser_seconds``: optimiser time of a round (histogram);
- ``fogcompute_scheduling_front_size``: Pareto front size of the last round's tiers (gauge);
- ``fogcompute_scheduling_jobs_total{result}``: jobs a round placed or left pending;
- ``fogcompute_fogjob_pods_created_total``: pods the controller created.

Must not import kopf.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

PHASES = ("Pending", "Queued", "Scheduled", "Running", "Succeeded", "Failed")
ROUND_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass(frozen=True)
class FogJobMetrics:
    jobs: Gauge
    round_seconds: Histogram
    optimiser_seconds: Histogram
    front_size: Gauge
    scheduled_jobs: Counter
    pods_created: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> FogJobMetrics:
        """Register the families on ``registry`` (once per registry)."""
        jobs = Gauge("fogcompute_fogjobs", "FogJobs by phase", ["phase"], registry=registry)
        for phase in PHASES:
            jobs.labels(phase=phase)
        return cls(
            jobs=jobs,
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
            pods_created=Counter(
                "fogcompute_fogjob_pods_created_total",
                "Pods created for FogJobs",
                registry=registry,
            ),
        )

    def set_phases(self, counts: Mapping[str, int]) -> None:
        for phase in PHASES:
            self.jobs.labels(phase=phase).set(counts.get(phase, 0))


@functools.cache
def default_fogjob_metrics() -> FogJobMetrics:
    """The process-wide FogJob metrics on prometheus_client's default registry."""
    prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
    return FogJobMetrics.create(prometheus_client.REGISTRY)
