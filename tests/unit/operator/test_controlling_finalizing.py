"""The runtime's finalizers: the pure add/remove decision as a table, and the guarded merge
patch against the in-memory API (a stale resourceVersion is refused and the informer
refreshed; removing the last finalizer of a deleted object lets it go and forgets it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fogcompute_operator.controlling import (
    FinalizerStep,
    InformerSpec,
    Runtime,
    finalizer_step,
    finalizers_of,
)
from fogcompute_operator.kube import STAKES, ConflictError, ObjectKey
from fogcompute_operator.observing import ControllerMetrics
from operator_fakes import FakeKubeApi
from prometheus_client import CollectorRegistry

MINE = "fogcompute.io/unbond"
KEY = ObjectKey("ns/s")


@pytest.mark.parametrize(
    ("present", "holds", "deleting", "step"),
    [
        pytest.param(False, True, False, "add", id="about-to-hold: add before acting"),
        pytest.param(True, True, False, None, id="holding: keep"),
        pytest.param(True, True, True, None, id="deleted while holding: keep until given back"),
        pytest.param(True, False, True, "remove", id="deleted, given back: remove, it goes"),
        pytest.param(True, False, False, "remove", id="released while alive: remove"),
        pytest.param(False, False, False, None, id="never held: nothing"),
        pytest.param(False, False, True, None, id="deleted before holding: nothing, it goes"),
        pytest.param(False, True, True, None, id="deleted without it: never added now"),
    ],
)
def test_finalizer_step(present: bool, holds: bool, deleting: bool, step: FinalizerStep) -> None:
    assert finalizer_step(present=present, holds=holds, deleting=deleting) == step


def _runtime(api: FakeKubeApi) -> Runtime:
    made = Runtime(
        api=api,
        metrics=ControllerMetrics.create(CollectorRegistry()),
        clock=lambda: datetime(2030, 1, 1, tzinfo=UTC),
        instance="test",
    )
    made.informer(InformerSpec(STAKES))
    return made


def _stake(**metadata: Any) -> dict[str, Any]:
    return {"metadata": {"name": "s", "namespace": "ns", **metadata}, "spec": {}}


async def test_add_keeps_other_finalizers_and_updates_the_informer() -> None:
    api = FakeKubeApi()
    runtime = _runtime(api)
    body = api.store(STAKES, _stake(finalizers=["other.io/x"]))
    written = await runtime.finalizers.add(STAKES, body, MINE)
    assert finalizers_of(api.objects[STAKES][KEY]) == ("other.io/x", MINE)
    assert runtime.informers[STAKES].get(KEY) == written
    again = await runtime.finalizers.add(STAKES, written, MINE)
    assert again is written  # already there: no call
    assert api.calls["patch stakes"] == 1


async def test_a_stale_version_is_refused_and_the_informer_refreshed() -> None:
    api = FakeKubeApi()
    runtime = _runtime(api)
    stale = api.store(STAKES, _stake())
    api.store(STAKES, _stake(finalizers=["other.io/x"]))  # someone else moved it on
    with pytest.raises(ConflictError):
        await runtime.finalizers.add(STAKES, stale, MINE)
    assert finalizers_of(api.objects[STAKES][KEY]) == ("other.io/x",)  # not overwritten
    fresh = runtime.informers[STAKES].get(KEY)
    assert fresh is not None
    assert finalizers_of(fresh) == ("other.io/x",)


async def test_removing_the_last_finalizer_of_a_deleted_object_lets_it_go() -> None:
    api = FakeKubeApi()
    runtime = _runtime(api)
    body = api.store(STAKES, _stake(finalizers=[MINE], deletionTimestamp="2030-01-01T00:00:00Z"))
    runtime.informers[STAKES].put(body)
    assert await runtime.finalizers.remove(STAKES, body, MINE) is None
    assert KEY not in api.objects[STAKES]
    assert runtime.informers[STAKES].get(KEY) is None


async def test_removing_one_of_two_keeps_the_object() -> None:
    api = FakeKubeApi()
    runtime = _runtime(api)
    body = api.store(
        STAKES, _stake(finalizers=[MINE, "other.io/x"], deletionTimestamp="2030-01-01T00:00:00Z")
    )
    written = await runtime.finalizers.remove(STAKES, body, MINE)
    assert written is not None
    assert finalizers_of(written) == ("other.io/x",)
    assert await runtime.finalizers.remove(STAKES, written, MINE) is written  # absent: no call


async def test_hold_adds_only_before_holding_something_on_a_live_object() -> None:
    api = FakeKubeApi()
    runtime = _runtime(api)
    body = api.store(STAKES, _stake())
    assert await runtime.finalizers.hold(STAKES, body, MINE, holds=False, deleting=False) is body
    going = await runtime.finalizers.hold(STAKES, body, MINE, holds=True, deleting=True)
    assert going is body  # the API server refuses a new finalizer on a deleted object
    assert api.calls["patch stakes"] == 0
    held = await runtime.finalizers.hold(STAKES, body, MINE, holds=True, deleting=False)
    assert finalizers_of(held) == (MINE,)
    assert await runtime.finalizers.hold(STAKES, held, MINE, holds=True, deleting=False) is held
    assert api.calls["patch stakes"] == 1


async def test_release_removes_only_once_nothing_is_held() -> None:
    api = FakeKubeApi()
    runtime = _runtime(api)
    body = api.store(STAKES, _stake(finalizers=[MINE], deletionTimestamp="2030-01-01T00:00:00Z"))
    assert not await runtime.finalizers.release(STAKES, body, MINE, holds=True, deleting=True)
    assert KEY in api.objects[STAKES]
    assert await runtime.finalizers.release(STAKES, body, MINE, holds=False, deleting=True)
    assert KEY not in api.objects[STAKES]  # the last finalizer gone: the deletion completes
    assert not await runtime.finalizers.release(
        STAKES, _stake(), MINE, holds=False, deleting=False
    )  # never had it: nothing to do
