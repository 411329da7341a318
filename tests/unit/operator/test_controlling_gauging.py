"""Object-state metrics read from the informer caches: families, labels, bad bodies skipped."""

from __future__ import annotations

from typing import Any

import pytest
from fogcompute_operator.controlling import Informers, InformerSpec
from fogcompute_operator.controlling.gauging import expose_object_state
from fogcompute_operator.kube import EDGEDEVICES, FOGJOBS, MIXNODES, PODS
from prometheus_client import CollectorRegistry


def body(name: str, *, namespace: str | None = None, **status: Any) -> dict[str, Any]:
    metadata = {"name": name, "uid": f"uid-{name}", "resourceVersion": "1"}
    if namespace is not None:
        metadata["namespace"] = namespace
    return {"metadata": metadata, "status": status}


def ready(state: str) -> list[dict[str, str]]:
    return [{"type": "Ready", "status": state, "reason": "R", "message": ""}]


@pytest.fixture
def informers() -> Informers:
    held = Informers()
    held.register(InformerSpec(resource=FOGJOBS)).prime(
        [
            body("waiting", namespace="team-a", phase="Pending"),
            body("done", namespace="team-a", phase="Succeeded", conditions=ready("False")),
            {
                "metadata": {
                    "name": "new",
                    "namespace": "team-b",
                    "uid": "u",
                    "resourceVersion": "1",
                }
            },
        ]
    )
    held.register(InformerSpec(resource=EDGEDEVICES)).prime(
        [body("edge-1", conditions=ready("Unknown")), body("edge-2", conditions="not a list")]
    )
    held.register(InformerSpec(resource=MIXNODES)).prime(
        [body("mix-1", reliability=0.42), body("mix-2", reliability="high"), body("mix-3")]
    )
    held.register(InformerSpec(resource=PODS)).prime(
        [body("p", namespace="team-a", phase="Running")]
    )
    return held


def test_families_come_from_the_fog_informers_only(informers: Informers) -> None:
    registry = CollectorRegistry()
    expose_object_state(informers, registry=registry)
    value = registry.get_sample_value

    assert value("fogcompute_objects", {"kind": "FogJob"}) == 3
    assert value("fogcompute_objects", {"kind": "EdgeDevice"}) == 2
    assert value("fogcompute_objects", {"kind": "Pod"}) is None
    job = {"kind": "FogJob", "object_namespace": "team-a", "object_name": "waiting"}
    assert value("fogcompute_object_phase", {**job, "phase": "Pending"}) == 1
    assert value("fogcompute_object_phase", {**job, "phase": "Running"}) is None
    device = {"kind": "EdgeDevice", "object_namespace": "", "object_name": "edge-1"}
    labels = {**device, "condition": "Ready", "status": "Unknown"}
    assert value("fogcompute_object_condition", labels) == 1
    assert value("fogcompute_mixnode_reliability", {"object_name": "mix-1"}) == 0.42
    assert value("fogcompute_mixnode_reliability", {"object_name": "mix-2"}) is None
    assert value("fogcompute_mixnode_reliability", {"object_name": "mix-3"}) is None


def test_each_scrape_reads_the_cache_as_it_is_now(informers: Informers) -> None:
    registry = CollectorRegistry()
    expose_object_state(informers, registry=registry)
    informers[FOGJOBS].put(
        {
            **body("waiting", namespace="team-a", phase="Running"),
            "metadata": {
                "name": "waiting",
                "namespace": "team-a",
                "uid": "uid-waiting",
                "resourceVersion": "2",
            },
        }
    )
    job = {"kind": "FogJob", "object_namespace": "team-a", "object_name": "waiting"}

    assert registry.get_sample_value("fogcompute_object_phase", {**job, "phase": "Running"}) == 1
    assert registry.get_sample_value("fogcompute_object_phase", {**job, "phase": "Pending"}) is None


def test_registering_again_replaces_the_collector(informers: Informers) -> None:
    registry = CollectorRegistry()
    expose_object_state(Informers(), registry=registry)
    expose_object_state(informers, registry=registry)

    assert registry.get_sample_value("fogcompute_objects", {"kind": "MixNode"}) == 3


def test_a_new_registry_at_a_collected_ones_address_starts_clean(informers: Informers) -> None:
    """CPython reuses a collected object's address at once; keyed by id(), the new registry
    was taken for the old one and unregistering a collector it never had raised."""
    import gc

    for _ in range(20):
        old = CollectorRegistry()
        expose_object_state(Informers(), registry=old)
        del old
        gc.collect()
        registry = CollectorRegistry()
        expose_object_state(informers, registry=registry)
        assert registry.get_sample_value("fogcompute_objects", {"kind": "FogJob"}) == 3
