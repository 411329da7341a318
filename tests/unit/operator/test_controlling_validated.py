"""A reconcile's first step on the runtime (``Runtime.validated``): the object as its model, or,
when the models refuse it, None after the rejection's condition, status and Event."""

from __future__ import annotations

from datetime import UTC, datetime

from fogcompute_operator.controlling import Runtime
from fogcompute_operator.kube import FOGJOBS, ObjectKey
from fogcompute_operator.observing import ControllerMetrics
from operator_fakes import FakeKubeApi
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

KEY = ObjectKey("ns/a")


class _Spec(BaseModel):
    replicas: int


class _Thing(BaseModel):
    spec: _Spec


def _runtime(api: FakeKubeApi) -> Runtime:
    return Runtime(
        api=api,
        metrics=ControllerMetrics.create(CollectorRegistry()),
        clock=lambda: datetime(2030, 1, 1, tzinfo=UTC),
        instance="test",
    )


def _body(replicas: object) -> dict[str, object]:
    return {"metadata": {"name": "a", "namespace": "ns"}, "spec": {"replicas": replicas}}


async def test_a_valid_object_comes_back_as_its_model_and_nothing_is_written() -> None:
    api = FakeKubeApi()
    body = api.store(FOGJOBS, _body(3))
    runtime = _runtime(api)
    parsed = await runtime.validated(FOGJOBS, body, _Thing, condition_type="Ready")
    assert parsed == _Thing(spec=_Spec(replicas=3))
    assert api.calls["patch_status fogjobs"] == 0
    assert len(runtime.events) == 0


async def test_a_refused_object_is_none_with_its_condition_extra_and_event() -> None:
    api = FakeKubeApi()
    body = api.store(FOGJOBS, _body("many"))
    runtime = _runtime(api)
    parsed = await runtime.validated(
        FOGJOBS,
        body,
        _Thing,
        condition_type="Failed",
        condition_status="True",
        extra={"phase": "Failed"},
    )
    assert parsed is None
    status = api.objects[FOGJOBS][KEY]["status"]
    assert status["phase"] == "Failed"
    [condition] = status["conditions"]
    assert (condition["type"], condition["status"]) == ("Failed", "True")
    assert "spec.replicas" in condition["message"]
    assert len(runtime.events) == 1
