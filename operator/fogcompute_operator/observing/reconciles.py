"""Recording one reconcile: count it by result, time it, and track the workers busy on it.

Wraps the async reconcile functions of ``fogcompute_operator.handlers`` (one controller per
kind). What counts as a requeue rather than an error is framework knowledge, so the handlers
pass a ``classify`` function; this module must not import kopf. A cancelled reconcile (the
operator is stopping) is neither a success nor an error and is not counted.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from fogcompute_operator.observing.metrics import (
    ControllerMetrics,
    ReconcileResult,
    default_metrics,
)

P = ParamSpec("P")
T = TypeVar("T")
Classifier = Callable[[Exception], ReconcileResult]


def classify_as_error(exc: Exception) -> ReconcileResult:
    """The default: every exception a reconcile raises is an error."""
    del exc
    return ReconcileResult.ERROR


def record_reconcile(
    controller: str,
    *,
    metrics: ControllerMetrics | None = None,
    classify: Classifier = classify_as_error,
    clock: Callable[[], float] = time.perf_counter,
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Decorate an async reconcile of ``controller`` so each call is recorded in ``metrics``.

    The wrapped function's result and exceptions pass through unchanged.
    """

    def decorate(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        target = metrics if metrics is not None else default_metrics()
        target.register_controller(controller)
        workers = target.active_workers.labels(controller=controller)

        @functools.wraps(fn)
        async def recorded(*args: P.args, **kwargs: P.kwargs) -> T:
            started = clock()
            workers.inc()
            result: ReconcileResult | None = None
            try:
                value = await fn(*args, **kwargs)
                result = ReconcileResult.SUCCESS
                return value
            except Exception as exc:
                result = classify(exc)
                raise
            finally:
                workers.dec()
                if result is not None:
                    target.observe(controller=controller, result=result, seconds=clock() - started)

        return recorded

    return decorate
