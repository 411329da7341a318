"""The EdgeDevice controller on the runtime, against the in-memory API: the status it writes,
the harvest pods it evicts, and what the scheduler's snapshot makes of the same device."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fogcompute_operator.controlling import Runtime
from fogcompute_operator.edgedevices import EdgeDevices, EdgeDeviceSettings, build_edgedevices
from fogcompute_operator.kube import EDGEDEVICES, NODES, PODS, ObjectKey
from fogcompute_operator.observing import ControllerMetrics
from fogcompute_operator.scheduling.snapshots import node_snapshots
from operator_fakes import FakeKubeApi
from prometheus_client import CollectorRegistry

T0 = datetime(2030, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def edge_device(*, harvestable: bool = True) -> dict[str, Any]:
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "EdgeDevice",
        "metadata": {"name": "edge-0", "generation": 1},
        "spec": {"nodeName": "edge-0"},
        "status": {
            "harvestable": harvestable,
            "harvestReason": "Idle" if harvestable else "TooHot",
            "lastReportTime": "2030-01-01T00:00:00Z",
        },
    }


def node(name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "labels": {"fogcompute.io/edge": "true"}},
        "spec": {},
        "status": {"allocatable": {"cpu": "4", "memory": "8Gi"}},
    }


def harvest_pod(name: str, *, on: str, phase: str = "Running") -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": "ns",
            "labels": {"fogcompute.io/fogjob": "j", "fogcompute.io/harvest": "true"},
            "ownerReferences": [{"kind": "FogJob", "name": "j", "controller": True}],
        },
        "spec": {"nodeName": on},
        "status": {"phase": phase},
    }


@pytest.fixture
async def kind() -> AsyncIterator[tuple[Runtime, EdgeDevices, FakeKubeApi, Clock]]:
    api, clock = FakeKubeApi(), Clock()
    runtime = Runtime(
        api=api,
        metrics=ControllerMetrics.create(CollectorRegistry()),
        clock=clock,
        instance="test",
    )
    edgedevices = build_edgedevices(runtime, settings=EdgeDeviceSettings())
    await runtime.events.start()
    yield runtime, edgedevices, api, clock
    await runtime.events.stop()


async def until(what: str, test: Callable[[], bool]) -> None:
    for _ in range(300):
        if test():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"waited 3s for {what}")


def ready(api: FakeKubeApi) -> tuple[str, str]:
    status = api.objects[EDGEDEVICES][ObjectKey("edge-0")]["status"]
    found = next(c for c in status["conditions"] if c["type"] == "Ready")
    return found["status"], found["reason"]


async def test_a_silent_device_goes_unknown_and_loses_its_harvest_pods(
    kind: tuple[Runtime, EdgeDevices, FakeKubeApi, Clock],
) -> None:
    runtime, edgedevices, api, clock = kind
    runtime.observe(NODES, "ADDED", api.store(NODES, node("edge-0")))
    for name, on, phase in (
        ("p0", "edge-0", "Running"),
        ("p1", "edge-0", "Succeeded"),
        ("p2", "fog-1", "Running"),
    ):
        runtime.observe(PODS, "ADDED", api.store(PODS, harvest_pod(name, on=on, phase=phase)))
    runtime.observe(EDGEDEVICES, "ADDED", api.store(EDGEDEVICES, edge_device()))
    key = ObjectKey("edge-0")

    clock.now = T0 + timedelta(seconds=10)
    result = await edgedevices.controller.reconcile(key)
    assert ready(api) == ("True", "AgentReporting")
    assert result.requeue_after == pytest.approx(35)
    assert api.evicted == []

    clock.now = T0 + timedelta(seconds=46)
    await edgedevices.controller.reconcile(key)
    assert ready(api) == ("Unknown", "AgentSilent")
    assert api.evicted == ["ns/p0"]  # not the finished one, not the one on another node
    await until(
        "the eviction Event",
        lambda: "HarvestPodsEvicted" in [e["reason"] for e in api.events],
    )
    writes = api.calls["patch_status edgedevices"]
    await edgedevices.controller.reconcile(key)  # nothing new: no write
    assert api.calls["patch_status edgedevices"] == writes


async def test_a_missing_node_is_a_condition(
    kind: tuple[Runtime, EdgeDevices, FakeKubeApi, Clock],
) -> None:
    runtime, edgedevices, api, _ = kind
    runtime.observe(EDGEDEVICES, "ADDED", api.store(EDGEDEVICES, edge_device()))
    await edgedevices.controller.reconcile(ObjectKey("edge-0"))
    status = api.objects[EDGEDEVICES][ObjectKey("edge-0")]["status"]
    found = {c["type"]: c for c in status["conditions"]}["NodeFound"]
    assert (found["status"], found["reason"]) == ("False", "NodeNotFound")
    assert "spec.nodeName" in found["message"]
    # The Node appearing queues the device again.
    runtime.observe(NODES, "ADDED", api.store(NODES, node("edge-0")))
    assert len(edgedevices.controller.queue) == 1


def test_the_scheduler_stops_harvesting_a_silent_device_in_the_same_round() -> None:
    nodes, devices = [node("edge-0")], [edge_device()]
    (fresh,) = node_snapshots(nodes=nodes, devices=devices, pods=[], reserved={}, now=T0)
    assert fresh.edge is not None
    assert fresh.edge.harvestable
    late = T0 + timedelta(seconds=45)
    (silent,) = node_snapshots(nodes=nodes, devices=devices, pods=[], reserved={}, now=late)
    assert silent.edge is not None
    assert not silent.edge.harvestable
    assert silent.edge.not_harvestable_reason == "AgentSilent"
