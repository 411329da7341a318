"""Controller metrics: controller-runtime's names and labels, recorded around each reconcile."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from fogcompute_operator.observing import (
    ControllerMetrics,
    ReconcileResult,
    record_reconcile,
)
from prometheus_client import CollectorRegistry


class BoomError(Exception):
    """An error a reconcile raises."""


class LaterError(Exception):
    """An error the test's classifier treats as a requeue."""


def fake_clock(*ticks: float) -> Callable[[], float]:
    times: Iterator[float] = iter(ticks)
    return lambda: next(times)


def value(metrics: ControllerMetrics, sample: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(sample, labels)


@pytest.fixture
def metrics() -> ControllerMetrics:
    return ControllerMetrics.create(CollectorRegistry())


def test_registering_a_controller_exposes_zeros_under_controller_runtime_names(
    metrics: ControllerMetrics,
) -> None:
    metrics.register_controller("fogjobs")

    text = metrics.exposition().decode()

    for result in ("success", "error", "requeue", "requeue_after"):
        line = f'controller_runtime_reconcile_total{{controller="fogjobs",result="{result}"}} 0.0'
        assert line in text
    assert 'controller_runtime_reconcile_errors_total{controller="fogjobs"} 0.0' in text
    assert 'controller_runtime_reconcile_time_seconds_count{controller="fogjobs"} 0.0' in text
    assert (
        'controller_runtime_reconcile_time_seconds_bucket{controller="fogjobs",le="60.0"}' in text
    )
    assert 'workqueue_depth{name="fogjobs"} 0.0' in text
    assert 'controller_runtime_active_workers{controller="fogjobs"} 0.0' in text


def test_queue_depth_is_set_per_queue_name(metrics: ControllerMetrics) -> None:
    metrics.set_queue_depth(name="fogjobs", depth=7)
    metrics.set_queue_depth(name="stakes", depth=2)

    assert value(metrics, "workqueue_depth", name="fogjobs") == 7
    assert value(metrics, "workqueue_depth", name="stakes") == 2


@dataclass(frozen=True)
class Case:
    name: str
    raises: Exception | None
    result: str
    errors: float


def classify(exc: Exception) -> ReconcileResult:
    if isinstance(exc, LaterError):
        return ReconcileResult.REQUEUE_AFTER
    return ReconcileResult.ERROR


CASES = [
    Case("returns", raises=None, result="success", errors=0),
    Case("raises", raises=BoomError("no"), result="error", errors=1),
    Case("asks for a retry", raises=LaterError("wait"), result="requeue_after", errors=0),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
async def test_a_reconcile_is_counted_by_result_and_timed(
    metrics: ControllerMetrics, case: Case
) -> None:
    seen_workers: list[float | None] = []

    @record_reconcile("fogjobs", metrics=metrics, classify=classify, clock=fake_clock(10.0, 10.25))
    async def reconcile(name: str) -> str:
        seen_workers.append(
            value(metrics, "controller_runtime_active_workers", controller="fogjobs")
        )
        if case.raises is not None:
            raise case.raises
        return f"done {name}"

    if case.raises is None:
        assert await reconcile("a") == "done a"
    else:
        with pytest.raises(type(case.raises)):
            await reconcile("a")

    total = "controller_runtime_reconcile_total"
    assert value(metrics, total, controller="fogjobs", result=case.result) == 1
    others = {r.value for r in ReconcileResult} - {case.result}
    assert all(value(metrics, total, controller="fogjobs", result=r) == 0 for r in others)
    errors = "controller_runtime_reconcile_errors_total"
    assert value(metrics, errors, controller="fogjobs") == case.errors
    seconds = "controller_runtime_reconcile_time_seconds"
    assert value(metrics, f"{seconds}_count", controller="fogjobs") == 1
    assert value(metrics, f"{seconds}_sum", controller="fogjobs") == pytest.approx(0.25)
    assert value(metrics, f"{seconds}_bucket", controller="fogjobs", le="0.2") == 0
    assert value(metrics, f"{seconds}_bucket", controller="fogjobs", le="0.25") == 1
    assert seen_workers == [1]
    assert value(metrics, "controller_runtime_active_workers", controller="fogjobs") == 0


async def test_a_cancelled_reconcile_is_not_counted(metrics: ControllerMetrics) -> None:
    @record_reconcile("stakes", metrics=metrics, clock=fake_clock(1.0, 2.0))
    async def reconcile() -> None:
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await reconcile()

    total = "controller_runtime_reconcile_total"
    assert all(
        value(metrics, total, controller="stakes", result=r.value) == 0 for r in ReconcileResult
    )
    assert (
        value(metrics, "controller_runtime_reconcile_time_seconds_count", controller="stakes") == 0
    )
    assert value(metrics, "controller_runtime_active_workers", controller="stakes") == 0


async def test_without_a_classifier_every_exception_is_an_error(metrics: ControllerMetrics) -> None:
    @record_reconcile("circuits", metrics=metrics, clock=fake_clock(0.0, 0.0))
    async def reconcile() -> None:
        raise LaterError("even this")

    with pytest.raises(LaterError):
        await reconcile()

    assert value(metrics, "controller_runtime_reconcile_errors_total", controller="circuits") == 1
