"""The FogJob controller on the runtime: informers and reconcile against an in-memory API.

What the throughput work relies on: reconciles read the cache, not the API server; a stale
cache costs one conflict and one GET, never a lost update; an absence of pods is confirmed by
a live list before it ends an attempt; created pods and written status go into the cache at
once, so the watch's echo of our own write queues nothing; Events leave the reconcile path.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fogcompute_operator.controlling import (
    EventPoster,
    Informer,
    InformerSpec,
    Runtime,
    WorkQueue,
)
from fogcompute_operator.fogjobs import FogJobMetrics, FogJobs, FogJobSettings, build_fogjobs
from fogcompute_operator.kube import FOGJOBS, NODES, PODS, ConflictError, ObjectKey
from fogcompute_operator.observing import ControllerMetrics
from fogcompute_operator.scheduling.batching import WORKLOAD_PODS, Scheduler
from fogcompute_operator.scheduling.metering import SchedulingMetrics
from fogjob_builders import at
from operator_fakes import FakeKubeApi
from prometheus_client import CollectorRegistry

NS = "ns"


def fogjob_body(name: str, *, replicas: int = 1, status: dict[str, Any] | None = None) -> Any:
    body: dict[str, Any] = {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "FogJob",
        "metadata": {"name": name, "namespace": NS, "uid": f"uid-{name}", "generation": 1},
        "spec": {
            "container": {"image": "busybox"},
            "tier": "bronze",
            "replicas": replicas,
            "minAvailable": replicas,
            "resources": {"cpu": "100m", "memory": "64Mi"},
        },
    }
    if status is not None:
        body["status"] = status
    return body


def pod_of(job: str, *, attempt: int, replica: int, rv: str = "7", phase: str = "Running") -> Any:
    return {
        "metadata": {
            "name": f"{job}-{attempt}-{replica}",
            "namespace": NS,
            "resourceVersion": rv,
            "labels": {
                "fogcompute.io/fogjob": job,
                "fogcompute.io/attempt": str(attempt),
                "fogcompute.io/replica": str(replica),
            },
            "ownerReferences": [
                {"kind": "FogJob", "name": job, "uid": f"uid-{job}", "controller": True}
            ],
        },
        "spec": {"nodeName": "fog-0"},
        "status": {"phase": phase, "conditions": [{"type": "Ready", "status": "True"}]},
    }


def running_status(replicas: int) -> dict[str, Any]:
    return {
        "phase": "Scheduled",
        "attempts": [
            {
                "number": 1,
                "outcome": "Running",
                "nodes": ["fog-0"] * replicas,
                "startTime": "2030-01-01T00:00:00Z",
            }
        ],
    }


def node(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {}},
        "spec": {},
        "status": {"allocatable": {"cpu": "8", "memory": "32Gi"}},
    }


class Harness:
    """The FogJob kind on a runtime over the fake API, with the names the tests read."""

    def __init__(self, runtime: Runtime, fogjobs: FogJobs) -> None:
        self.runtime = runtime
        self.fogjobs = fogjobs
        self.queue: WorkQueue = fogjobs.controller.queue
        self.scheduler: Scheduler = fogjobs.scheduler
        self.jobs: Informer = runtime.informers[FOGJOBS]
        self.pods: Informer = runtime.informers[PODS]

    def observe_job(self, event_type: str | None, body: dict[str, Any]) -> None:
        self.runtime.observe(FOGJOBS, event_type, body)

    def observe_pod(self, event_type: str | None, body: dict[str, Any]) -> None:
        self.runtime.observe(PODS, event_type, body)

    async def reconcile(self, key: str) -> None:
        await self.fogjobs.controller.reconcile(ObjectKey(key))


@pytest.fixture
async def controller_and_api() -> AsyncIterator[tuple[Harness, FakeKubeApi]]:
    api = FakeKubeApi()
    with ThreadPoolExecutor(1) as executor:
        runtime = Runtime(
            api=api,
            metrics=ControllerMetrics.create(CollectorRegistry()),
            clock=lambda: at(1),
            instance="test",
        )
        fogjobs = build_fogjobs(
            runtime,
            settings=FogJobSettings(budget_seconds=0.05),
            executor=executor,
            metrics=FogJobMetrics.create(CollectorRegistry()),
            scheduling_metrics=SchedulingMetrics.create(CollectorRegistry()),
        )
        await runtime.events.start()
        yield Harness(runtime, fogjobs), api
        await runtime.events.stop()


async def until(what: str, test: Callable[[], bool]) -> None:
    for _ in range(200):
        if test():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"waited 2s for {what}")


def test_cache_keeps_the_newer_version_and_reports_echoes_as_nothing_new() -> None:
    cache = Informer(InformerSpec(FOGJOBS))
    newer = fogjob_body("a")
    newer["metadata"]["resourceVersion"] = "12"
    older = copy.deepcopy(newer)
    older["metadata"]["resourceVersion"] = "11"
    assert cache.put(newer)
    assert not cache.put(older)  # a late watch event of a version our write superseded
    assert not cache.put(copy.deepcopy(newer))  # the echo of our own write
    assert cache.get(ObjectKey("ns/a")) == newer
    cache.forget(ObjectKey("ns/a"))
    assert cache.get(ObjectKey("ns/a")) is None


def test_cache_indexes_pods_by_their_controlling_fogjob() -> None:
    cache = Informer(WORKLOAD_PODS)
    job_a = ObjectKey("ns/a")
    assert cache.put(pod_of("a", attempt=1, replica=0))
    assert cache.owner_of(pod_of("a", attempt=1, replica=0)) == job_a
    assert not cache.put(pod_of("a", attempt=1, replica=0))  # same version
    stranger = pod_of("b", attempt=1, replica=0)
    stranger["metadata"]["ownerReferences"] = [{"kind": "ReplicaSet", "name": "rs"}]
    cache.put(stranger)
    assert cache.owner_of(stranger) is None
    assert cache.owned(ObjectKey("ns/b")) == []
    cache.put(pod_of("a", attempt=1, replica=1))
    assert sorted(p["metadata"]["name"] for p in cache.owned(job_a)) == ["a-1-0", "a-1-1"]
    cache.replace_owned(job_a, [pod_of("a", attempt=1, replica=1)])
    assert [p["metadata"]["name"] for p in cache.owned(job_a)] == ["a-1-1"]
    cache.forget(ObjectKey("ns/a-1-1"))
    assert cache.owned(job_a) == []


async def test_a_new_job_is_queued_from_the_cache_without_reading_the_api(
    controller_and_api: tuple[Harness, FakeKubeApi],
) -> None:
    controller, api = controller_and_api
    controller.observe_job(None, api.store_job(fogjob_body("a")))
    assert len(controller.queue) == 1
    await controller.reconcile("ns/a")
    assert api.jobs["ns/a"]["status"]["phase"] == "Queued"
    assert (api.calls["get fogjobs"], api.calls["list pods"]) == (0, 0)
    written = controller.jobs.get(ObjectKey("ns/a"))
    assert written is not None
    assert written["metadata"]["resourceVersion"] == api.jobs["ns/a"]["metadata"]["resourceVersion"]
    await until("the Queued Event", lambda: [e["reason"] for e in api.events] == ["Queued"])
    await controller.queue.get()  # the key the observation queued
    controller.observe_job("MODIFIED", copy.deepcopy(api.jobs["ns/a"]))
    assert len(controller.queue) == 0  # the watch's echo of our own write queues nothing


async def test_a_stale_cache_costs_one_conflict_and_one_get_never_an_overwrite(
    controller_and_api: tuple[Harness, FakeKubeApi],
) -> None:
    controller, api = controller_and_api
    controller.observe_job(None, api.store_job(fogjob_body("a")))
    changed = copy.deepcopy(api.jobs["ns/a"])
    changed["spec"]["backoffLimit"] = 1
    api.store_job(changed)  # the user's change, not yet seen by the watch
    with pytest.raises(ConflictError):
        await controller.reconcile("ns/a")
    assert api.calls["get fogjobs"] == 1
    await controller.reconcile("ns/a")
    held = api.jobs["ns/a"]
    assert held["spec"]["backoffLimit"] == 1
    assert held["status"]["phase"] == "Queued"


async def test_pods_missing_from_the_cache_are_listed_before_the_attempt_is_judged(
    controller_and_api: tuple[Harness, FakeKubeApi],
) -> None:
    controller, api = controller_and_api
    for replica in (0, 1):
        api.store_pod(pod_of("a", attempt=1, replica=replica))
    controller.observe_job(
        None, api.store_job(fogjob_body("a", replicas=2, status=running_status(2)))
    )
    await controller.reconcile("ns/a")
    assert api.calls["list pods"] == 1
    status = api.jobs["ns/a"]["status"]
    assert status["phase"] == "Running"
    assert status["attempts"][-1]["outcome"] == "Running"
    assert len(controller.pods.owned(ObjectKey("ns/a"))) == 2


async def test_pods_really_gone_end_the_attempt_as_evicted(
    controller_and_api: tuple[Harness, FakeKubeApi],
) -> None:
    controller, api = controller_and_api
    api.store_pod(pod_of("a", attempt=1, replica=0))
    controller.observe_job(
        None, api.store_job(fogjob_body("a", replicas=2, status=running_status(2)))
    )
    await controller.reconcile("ns/a")
    status = api.jobs["ns/a"]["status"]
    assert status["attempts"][-1]["outcome"] == "Evicted"
    assert status["phase"] == "Queued"


async def test_a_placed_job_creates_its_pods_and_the_cache_holds_them_at_once(
    controller_and_api: tuple[Harness, FakeKubeApi],
) -> None:
    controller, api = controller_and_api
    for name in ("fog-0", "fog-1", "fog-2"):
        controller.runtime.observe(NODES, "ADDED", api.store(NODES, node(name)))
    controller.observe_job(None, api.store_job(fogjob_body("a", replicas=3)))
    await controller.reconcile("ns/a")  # queued, and wanted by the scheduler
    assert await controller.scheduler.round_once() == 1
    await controller.reconcile("ns/a")  # takes the offer
    assert sorted(api.pods) == ["ns/a-1-0", "ns/a-1-1", "ns/a-1-2"]
    assert sorted(p["metadata"]["name"] for p in controller.pods.owned(ObjectKey("ns/a"))) == [
        "a-1-0",
        "a-1-1",
        "a-1-2",
    ]
    assert api.jobs["ns/a"]["status"]["phase"] == "Scheduled"
    while len(controller.queue):
        controller.queue.done(await controller.queue.get())
    for body in api.pods.values():
        controller.observe_pod("ADDED", copy.deepcopy(body))  # echoes of our creates
    assert len(controller.queue) == 0
    for name in ("ns/a-1-0", "ns/a-1-1"):  # the pods start together: one reconcile for both
        running = copy.deepcopy(api.pods[name])
        running["status"] = {"phase": "Running"}
        controller.observe_pod("MODIFIED", api.store_pod(running))
    assert len(controller.queue) == 0  # not yet: pod changes coalesce for a moment
    await until("the job queued by its pods' changes", lambda: len(controller.queue) == 1)


async def test_the_event_poster_drops_past_its_limit_and_survives_failures() -> None:
    api = FakeKubeApi()
    failures = 0

    async def flaky(body: dict[str, Any]) -> None:
        nonlocal failures
        if body["reason"] == "Bad":
            failures += 1
            raise RuntimeError("refused")
        api.events.append(body)

    api.create_event = flaky  # type: ignore[method-assign]
    poster = EventPoster(api=api, posters=2, limit=3)
    for reason in ("Bad", "One", "Two", "Dropped"):
        poster.post({"reason": reason})
    assert poster.dropped == 1
    await poster.start()
    await until("two Events posted", lambda: len(api.events) == 2)
    await poster.stop()
    assert failures == 1
    assert sorted(e["reason"] for e in api.events) == ["One", "Two"]


async def test_a_job_the_models_refuse_is_failed_with_the_field_named_once(
    controller_and_api: tuple[Harness, FakeKubeApi],
) -> None:
    controller, api = controller_and_api
    invalid = fogjob_body("bad")
    invalid["spec"]["replicas"] = 99  # past the models' maximum of 16
    controller.observe_job(None, api.store_job(invalid))
    await controller.reconcile("ns/bad")
    status = api.jobs["ns/bad"]["status"]
    assert status["phase"] == "Failed"
    (condition,) = status["conditions"]
    assert (condition["type"], condition["reason"]) == ("Failed", "InvalidSpec")
    assert "spec.replicas" in condition["message"]
    assert api.calls["patch_status fogjobs"] == 1
    await controller.reconcile("ns/bad")  # nothing new to say: no second write
    assert api.calls["patch_status fogjobs"] == 1
    assert api.calls["create pods"] == 0
