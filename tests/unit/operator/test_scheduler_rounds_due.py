"""When the scheduler starts a round, and how much optimiser time a small batch gets.

A job arriving at an idle scheduler starts a round at once (single-job latency on an idle
cluster is one round, not a tick plus a round); arrivals right after a round wait for the
cadence (a burst is batched); nothing waiting means no round at all.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fogcompute_operator.controlling import Informer, InformerSpec
from fogcompute_operator.kube import EDGEDEVICES, NODES, ObjectKey
from fogcompute_operator.scheduling import DEFAULT_TIERS, JobRequest
from fogcompute_operator.scheduling.batching import (
    WORKLOAD_PODS,
    ClusterView,
    RoundConfig,
    Scheduler,
    Wanted,
)
from fogcompute_operator.scheduling.metering import SchedulingMetrics
from prometheus_client import CollectorRegistry

ROUND_SECONDS = 30.0  # far longer than any test waits: a round that starts did not wait for it


def config(**changes: float) -> RoundConfig:
    values = {"round_seconds": ROUND_SECONDS, "budget_seconds": 1.0, **changes}
    values.setdefault("arrival_gap_seconds", 0.2)
    return RoundConfig(
        seed=0,
        tiers=DEFAULT_TIERS,
        heartbeat_timeout_seconds=60.0,
        **values,
    )


def scheduler(executor: ThreadPoolExecutor, **changes: float) -> Scheduler:
    view = ClusterView(
        nodes=Informer(InformerSpec(NODES)),
        devices=Informer(InformerSpec(EDGEDEVICES)),
        pods=Informer(WORKLOAD_PODS),
    )
    return Scheduler(
        view=view,
        config=config(**changes),
        executor=executor,
        metrics=SchedulingMetrics.create(CollectorRegistry()),
        notify=lambda key: None,
    )


def wanted(name: str) -> Wanted:
    request = JobRequest(name=f"ns/{name}", uid=f"uid-{name}", cpu_millis=100, memory_bytes=1)
    return Wanted(key=ObjectKey(f"ns/{name}"), request=request, deadline=None)


@pytest.mark.parametrize(
    ("pods", "expected"),
    [
        pytest.param(1, 0.02, id="one pod: the floor"),
        pytest.param(50, 0.1, id="fifty pods: per pod"),
        pytest.param(2500, 1.0, id="a thousand jobs: the whole budget"),
    ],
)
def test_a_small_batch_gets_a_budget_in_proportion(pods: int, expected: float) -> None:
    assert config().budget_for(pods) == pytest.approx(expected)


async def test_nothing_waiting_means_no_round() -> None:
    with ThreadPoolExecutor(1) as executor:
        due = asyncio.create_task(scheduler(executor)._due())
        await asyncio.sleep(0.05)
        assert not due.done()
        due.cancel()


async def test_a_job_arriving_at_an_idle_scheduler_starts_a_round_at_once() -> None:
    with ThreadPoolExecutor(1) as executor:
        sched = scheduler(executor)
        due = asyncio.create_task(sched._due())
        await asyncio.sleep(0.01)
        sched.want(wanted("a"))
        await asyncio.wait_for(due, timeout=5.0)  # long before ROUND_SECONDS


async def test_arrivals_right_after_a_round_wait_for_the_arrival_gap() -> None:
    with ThreadPoolExecutor(1) as executor:
        sched = scheduler(executor, arrival_gap_seconds=0.2)
        sched._last_round = time.monotonic()  # what round_once records as it begins
        sched.want(wanted("b"))
        due = asyncio.create_task(sched._due())
        await asyncio.sleep(0.05)
        assert not due.done()  # batched with whatever else arrives within the gap
        await asyncio.wait_for(due, timeout=5.0)  # then at once, not after ROUND_SECONDS


async def test_jobs_left_pending_are_retried_at_the_round_pace_only() -> None:
    with ThreadPoolExecutor(1) as executor:
        sched = scheduler(executor, arrival_gap_seconds=0.01)
        sched.want(wanted("a"))
        sched._last_round, sched._new = time.monotonic(), False  # as round_once leaves it
        sched.want(wanted("a"))  # a reconcile refreshing a pending job: not an arrival
        due = asyncio.create_task(sched._due())
        await asyncio.sleep(0.1)
        assert not due.done()
        sched.want(wanted("b"))  # a new job: a round after the arrival gap
        await asyncio.wait_for(due, timeout=5.0)
