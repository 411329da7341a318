"""Prometheus metrics under controller-runtime's names, so Go-operator dashboards work as-is.

Created once per process (``default_metrics``) on prometheus_client's default registry, which
also carries the process and platform collectors; tests build their own on a fresh registry.
Written by ``record_reconcile`` around each reconcile and read by the ``/metrics`` endpoint in
``serving``. Names and labels (must not drift, dashboards depend on them):

- ``controller_runtime_reconcile_total{controller,result}``: result is one of ReconcileResult;
- ``controller_runtime_reconcile_errors_total{controller}``;
- ``controller_runtime_reconcile_time_seconds{controller}``: histogram, controller-runtime's
  buckets;
- ``controller_runtime_active_workers{controller}``: reconciles running right now;
- ``workqueue_depth{name}``: objects waiting for a worker, set by whoever owns the queue.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ReconcileResult(enum.StrEnum):
    """The ``result`` label values of controller-runtime's reconcile counter."""

    SUCCESS = "success"
    ERROR = "error"
    REQUEUE = "requeue"
    REQUEUE_AFTER = "requeue_after"


# controller-runtime's reconcile-time buckets (pkg/internal/controller/metrics).
RECONCILE_TIME_BUCKETS: tuple[float, ...] = (
    *(0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7),
    *(0.8, 0.9, 1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 6.0, 7.0, 8.0, 9.0),
    *(10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0),
)


@dataclass(frozen=True)
class ControllerMetrics:
    """The operator's metric families on one registry."""

    registry: CollectorRegistry
    reconcile_total: Counter
    reconcile_errors_total: Counter
    reconcile_time_seconds: Histogram
    active_workers: Gauge
    workqueue_depth: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ControllerMetrics:
        """Register the families on ``registry`` (once per registry: a second call raises)."""
        return cls(
            registry=registry,
            reconcile_total=Counter(
                "controller_runtime_reconcile_total",
                "Total number of reconciliations per controller",
                ["controller", "result"],
                registry=registry,
            ),
            reconcile_errors_total=Counter(
                "controller_runtime_reconcile_errors_total",
                "Total number of reconciliation errors per controller",
                ["controller"],
                registry=registry,
            ),
            reconcile_time_seconds=Histogram(
                "controller_runtime_reconcile_time_seconds",
                "Length of time per reconciliation per controller",
                ["controller"],
                buckets=RECONCILE_TIME_BUCKETS,
                registry=registry,
            ),
            active_workers=Gauge(
                "controller_runtime_active_workers",
                "Number of currently used workers per controller",
                ["controller"],
                registry=registry,
            ),
            workqueue_depth=Gauge(
                "workqueue_depth", "Current depth of workqueue", ["name"], registry=registry
            ),
        )

    def register_controller(self, controller: str) -> None:
        """Expose zeros for ``controller`` before its first reconcile, as controller-runtime does.

        A rate() over a series that appears only at the first error hides that first error.
        """
        for result in ReconcileResult:
            self.reconcile_total.labels(controller=controller, result=result.value)
        self.reconcile_errors_total.labels(controller=controller)
        self.reconcile_time_seconds.labels(controller=controller)
        self.active_workers.labels(controller=controller)
        self.workqueue_depth.labels(name=controller)

    def observe(self, *, controller: str, result: ReconcileResult, seconds: float) -> None:
        """Count one finished reconcile and its duration."""
        self.reconcile_total.labels(controller=controller, result=result.value).inc()
        if result is ReconcileResult.ERROR:
            self.reconcile_errors_total.labels(controller=controller).inc()
        self.reconcile_time_seconds.labels(controller=controller).observe(seconds)

    def set_queue_depth(self, *, name: str, depth: int) -> None:
        """Record how many objects wait in the queue called ``name``."""
        self.workqueue_depth.labels(name=name).set(depth)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format, as served on ``/metrics``."""
        return prometheus_client.generate_latest(self.registry)


@functools.cache
def default_metrics() -> ControllerMetrics:
    """The process-wide metrics on prometheus_client's default registry (created on first use)."""
    # controller-runtime exposes no ``*_created`` series; leaving them on doubles every family.
    prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
    return ControllerMetrics.create(prometheus_client.REGISTRY)
