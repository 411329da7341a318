"""The decorator every kind's reconcile wears: kopf's outcomes mapped onto controller metrics.

Used by the per-kind modules (``fogjobs``, ``mixnodes``, ...) under their ``@kopf.on.*``
decorators. It only translates kopf's exceptions into controller-runtime's result labels; the
counting itself lives in ``fogcompute_operator.observing``, which must stay free of kopf.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

import kopf

from fogcompute_operator.observing import ControllerMetrics, ReconcileResult, record_reconcile

P = ParamSpec("P")
T = TypeVar("T")


def classify_kopf_outcome(exc: Exception) -> ReconcileResult:
    """``kopf.TemporaryError`` asks for a retry after a delay; anything else is an error."""
    if isinstance(exc, kopf.TemporaryError):
        return ReconcileResult.REQUEUE_AFTER
    return ReconcileResult.ERROR


def reconciled(
    controller: str, *, metrics: ControllerMetrics | None = None
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Record each call of the decorated async handler as one reconcile of ``controller``."""
    return record_reconcile(controller, metrics=metrics, classify=classify_kopf_outcome)
