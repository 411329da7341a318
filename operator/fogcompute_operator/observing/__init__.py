"""Observing the operator from outside: JSON logs, Prometheus metrics, readiness.

Sits beside the handlers, below them in the flow: ``fogcompute_operator.handlers`` configures
logging and starts the metrics/readiness server at startup, and wraps each reconcile with
``record_reconcile``. This package must never import kopf (import-linter keeps kopf in the
handlers package), so kopf-specific decisions (which exception means "requeue") are passed in.
"""

from fogcompute_operator.observing.logs import (
    JsonLogFormatter,
    configure_logging,
    object_extra,
    parse_log_level,
)
from fogcompute_operator.observing.metrics import (
    RECONCILE_TIME_BUCKETS,
    ControllerMetrics,
    ReconcileResult,
    default_metrics,
)
from fogcompute_operator.observing.reconciles import (
    Classifier,
    classify_as_error,
    record_reconcile,
)
from fogcompute_operator.observing.serving import (
    ObservingServer,
    Readiness,
    ServingConfig,
)

__all__ = [
    "RECONCILE_TIME_BUCKETS",
    "Classifier",
    "ControllerMetrics",
    "JsonLogFormatter",
    "ObservingServer",
    "Readiness",
    "ReconcileResult",
    "ServingConfig",
    "classify_as_error",
    "configure_logging",
    "default_metrics",
    "object_extra",
    "parse_log_level",
    "record_reconcile",
]
