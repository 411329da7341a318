"""The runtime every kind shares, against the in-memory API: informers and their owner index,
the guarded status patch, per-key backoff and requeues, rejection of refused objects."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fogcompute_operator.controlling import (
    EventNote,
    Informer,
    InformerSpec,
    Result,
    Runtime,
    merge_patch,
    reject_invalid,
)
from fogcompute_operator.kube import FOGJOBS, NODES, PODS, ConflictError, ObjectKey, Resource
from fogcompute_operator.observing import ControllerMetrics
from operator_fakes import FakeKubeApi
from prometheus_client import CollectorRegistry
from pydantic import BaseModel, Field, ValidationError

NOW = datetime(2030, 1, 1, tzinfo=UTC)


def runtime(api: FakeKubeApi) -> Runtime:
    return Runtime(
        api=api,
        metrics=ControllerMetrics.create(CollectorRegistry()),
        clock=lambda: NOW,
        instance="test",
    )


def job(name: str, **status: Any) -> dict[str, Any]:
    return {
        "apiVersion": "fogcompute.io/v1alpha1",
        "kind": "FogJob",
        "metadata": {"name": name, "namespace": "ns", "uid": f"uid-{name}", "generation": 2},
        "spec": {},
        "status": status,
    }


async def until(what: str, test: Callable[[], bool]) -> None:
    for _ in range(300):
        if test():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"waited 3s for {what}")


@pytest.mark.parametrize(
    ("old", "new", "patch"),
    [
        ({"a": 1}, {"a": 1}, {}),
        ({"a": 1, "b": 2}, {"a": 1}, {"b": None}),
        ({"p": {"x": 1, "y": 2}}, {"p": {"x": 1}}, {"p": {"y": None}}),
        ({"l": [1, 2]}, {"l": [2]}, {"l": [2]}),
        ({}, {"c": {"d": 1}}, {"c": {"d": 1}}),
    ],
    ids=["equal", "key-gone", "nested-key-gone", "list-replaced", "added"],
)
def test_merge_patch_turns_old_into_new(
    old: dict[str, Any], new: dict[str, Any], patch: dict[str, Any]
) -> None:
    assert merge_patch(old, new) == patch


def test_informer_tells_subscribers_of_news_only_and_indexes_owners() -> None:
    informer = Informer(InformerSpec(PODS, owner_kind="FogJob"))
    heard: list[tuple[str, bool]] = []
    informer.subscribe(lambda body, deleted: heard.append((body["metadata"]["name"], deleted)))
    pod = {
        "metadata": {
            "name": "p",
            "namespace": "ns",
            "resourceVersion": "5",
            "ownerReferences": [{"kind": "FogJob", "name": "j", "controller": True}],
        }
    }
    informer.observe("ADDED", pod)
    informer.observe("MODIFIED", copy.deepcopy(pod))  # an echo: nothing new
    assert heard == [("p", False)]
    assert [p["metadata"]["name"] for p in informer.owned(ObjectKey("ns/j"))] == ["p"]
    informer.observe("DELETED", pod)
    assert heard[-1] == ("p", True)
    assert informer.owned(ObjectKey("ns/j")) == []


def test_a_kind_is_cached_one_way_only() -> None:
    rt = runtime(FakeKubeApi())
    rt.informer(InformerSpec(PODS, label_selector="a"))
    assert rt.informer(InformerSpec(PODS, label_selector="a")) is rt.informers[PODS]
    with pytest.raises(ValueError, match="pods is cached as"):
        rt.informer(InformerSpec(PODS, label_selector="b"))


async def test_status_is_patched_only_when_changed_and_a_conflict_refreshes() -> None:
    api = FakeKubeApi()
    rt = runtime(api)
    informer = rt.informer(InformerSpec(FOGJOBS))
    stored = api.store(FOGJOBS, job("a", phase="Queued", pendingReason="none fits"))
    informer.put(stored)
    assert (
        await rt.statuses.write(FOGJOBS, stored, {"phase": "Queued", "pendingReason": "none fits"})
        is None
    )
    assert api.calls["patch_status fogjobs"] == 0
    written = await rt.statuses.write(FOGJOBS, stored, {"phase": "Scheduled"})
    assert written is not None
    assert api.jobs["ns/a"]["status"] == {"phase": "Scheduled"}  # the stale key is gone
    assert informer.get(ObjectKey("ns/a")) == written
    with pytest.raises(ConflictError):
        await rt.statuses.write(FOGJOBS, stored, {"phase": "Running"})  # stored is stale now
    assert api.calls["get fogjobs"] == 1
    assert informer.get(ObjectKey("ns/a")) == api.jobs["ns/a"]


class _Flaky:
    """A reconciler that fails its first ``failures`` calls, then asks for one requeue."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[ObjectKey] = []

    @property
    def name(self) -> str:
        return "flaky"

    @property
    def resource(self) -> Resource:
        return NODES

    async def reconcile(self, key: ObjectKey) -> Result:
        self.calls.append(key)
        if len(self.calls) <= self.failures:
            raise ConflictError("409")
        return Result(requeue_after=0.01 if len(self.calls) == self.failures + 1 else None)


async def test_workers_retry_a_failing_key_with_backoff_then_honour_its_requeue() -> None:
    rt = runtime(FakeKubeApi())
    rt.informer(InformerSpec(NODES))
    reconciler = _Flaky(failures=2)
    controller = rt.controller(reconciler, workers=2)
    await rt.run(controller)
    try:
        rt.observe(NODES, "ADDED", {"metadata": {"name": "n1", "resourceVersion": "1"}})
        await until("two failures, a success and its requeue", lambda: len(reconciler.calls) == 4)
    finally:
        await rt.stop()
    assert reconciler.calls == ["n1"] * 4
    assert len(controller._backoff) == 0  # forgotten after the success


class _Spec(BaseModel):
    replicas: int = Field(le=16)


def test_a_refused_object_gets_one_condition_naming_the_field_and_keeps_the_others() -> None:
    other = {
        "type": "Queued",
        "status": "True",
        "reason": "Queued",
        "message": "",
        "lastTransitionTime": "2029-01-01T00:00:00Z",
        "observedGeneration": 1,
    }
    body = job("bad", phase="Queued", conditions=[other])
    try:
        _Spec.model_validate({"replicas": 99})
    except ValidationError as exc:
        error = exc
    rejection = reject_invalid(
        body,
        error,
        condition_type="Failed",
        condition_status="True",
        extra={"phase": "Failed"},
        now=NOW,
    )
    assert rejection.changed
    assert rejection.status["phase"] == "Failed"
    assert rejection.status["observedGeneration"] == 2
    types = [c["type"] for c in rejection.status["conditions"]]
    assert types == ["Queued", "Failed"]
    assert "replicas" in rejection.message
    assert rejection.event == EventNote(
        type="Warning", reason="InvalidSpec", message=rejection.message
    )
    again = reject_invalid(
        {**body, "status": rejection.status},
        error,
        condition_type="Failed",
        condition_status="True",
        extra={"phase": "Failed"},
        now=NOW,
    )
    assert not again.changed


async def test_events_name_the_object_of_the_resource_and_cluster_ones_go_to_default() -> None:
    api = FakeKubeApi()
    rt = runtime(api)
    await rt.events.start()
    try:
        rt.post_event(
            FOGJOBS,
            {"metadata": {"name": "a", "namespace": "ns", "uid": "u"}},
            EventNote(type="Normal", reason="Queued", message="m"),
        )
        rt.post_event(
            NODES,
            {"metadata": {"name": "n1"}},
            EventNote(type="Warning", reason="Gone", message="m"),
        )
        await until("two Events", lambda: len(api.events) == 2)
    finally:
        await rt.events.stop()
    by_reason = {e["reason"]: e for e in api.events}
    assert by_reason["Queued"]["involvedObject"]["kind"] == "FogJob"
    assert by_reason["Queued"]["metadata"]["namespace"] == "ns"
    assert by_reason["Gone"]["involvedObject"]["kind"] == "Node"
    assert by_reason["Gone"]["metadata"]["namespace"] == "default"


def test_events_within_one_second_keep_their_order_by_event_time() -> None:
    from fogcompute_operator.controlling.eventing import EventNote, build_event

    about = {"metadata": {"name": "job", "namespace": "ns", "uid": "u-1"}}
    first, second = (
        build_event(
            FOGJOBS,
            about,
            note=EventNote("Normal", reason, "m"),
            now=datetime(2026, 1, 1, 0, 0, 0, micro, tzinfo=UTC),
            instance="op-0",
        )
        for reason, micro in (("Queued", 900_000), ("Scheduled", 100_001))
    )
    # Same legacy (whole-second) timestamp, but eventTime says which came first.
    assert first["firstTimestamp"] == second["firstTimestamp"]
    assert first["eventTime"] == "2026-01-01T00:00:00.900000Z"
    assert second["eventTime"] < first["eventTime"]
    assert second["action"] == "Scheduled"
