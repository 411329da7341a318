"""Prometheus metrics of the FogJob controller (the scheduler's are in ``scheduling.metering``).

Written by the reconciler after each reconcile and served with everything else on
``/metrics``. Families (names must not drift):

- ``fogcompute_fogjobs{phase}``: FogJobs this operator knows, by phase (gauge);
- ``fogcompute_fogjob_pods_created_total``: pods the controller created.
"""

from __future__ import annotations

import functools
from collections import Counter as Tally
from dataclasses import dataclass, field

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge

from fogcompute_operator.kube import ObjectKey

PHASES = ("Pending", "Queued", "Scheduled", "Running", "Succeeded", "Failed")


@dataclass(frozen=True)
class FogJobMetrics:
    jobs: Gauge
    pods_created: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> FogJobMetrics:
        """Register the families on ``registry`` (once per registry)."""
        jobs = Gauge("fogcompute_fogjobs", "FogJobs by phase", ["phase"], registry=registry)
        for phase in PHASES:
            jobs.labels(phase=phase)
        return cls(
            jobs=jobs,
            pods_created=Counter(
                "fogcompute_fogjob_pods_created_total",
                "Pods created for FogJobs",
                registry=registry,
            ),
        )


@dataclass
class PhaseCounts:
    """The phase each known job is in, kept as the ``fogcompute_fogjobs`` gauge."""

    metrics: FogJobMetrics
    phases: dict[ObjectKey, str] = field(default_factory=dict)
    counts: Tally[str] = field(default_factory=Tally)

    def set(self, key: ObjectKey, phase: str | None) -> None:
        """``key`` is in ``phase`` now (None: the job is gone)."""
        before = self.phases.pop(key, None) if phase is None else self.phases.get(key)
        if before == phase:
            return
        if before is not None:
            self.counts[before] -= 1
        if phase is not None:
            self.phases[key] = phase
            self.counts[phase] += 1
        for known in PHASES:
            self.metrics.jobs.labels(phase=known).set(self.counts.get(known, 0))


@functools.cache
def default_fogjob_metrics() -> FogJobMetrics:
    """The process-wide FogJob metrics on prometheus_client's default registry."""
    prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
    return FogJobMetrics.create(prometheus_client.REGISTRY)
