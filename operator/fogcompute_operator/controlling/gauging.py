"""Object-state metrics, kube-state-metrics style, read from the informer caches at scrape time.

Sits beside the runtime: ``expose_object_state`` registers one collector on a registry (the
operator's ``/metrics`` one at startup); each scrape walks the fogcompute.io informers the runtime
already holds, so nothing here calls the API server, writes anything or decides anything. The
chart's alerts and dashboard read these families (names and labels must not drift):

- ``fogcompute_objects{kind}``: objects of each kind in the cache;
- ``fogcompute_object_phase{kind,object_namespace,object_name,phase}``: 1 for the current
  ``status.phase`` of each object that has one (FogJob, Circuit, Stake, Proposal);
- ``fogcompute_object_condition{kind,object_namespace,object_name,condition,status}``: 1 for each
  condition in ``status.conditions`` with its current status (True, False, Unknown);
- ``fogcompute_mixnode_reliability{object_name}``: ``status.reliability`` of each MixNode that
  has one (0 to 1, the operator's measurement).

Object labels are ``object_namespace``/``object_name``, not ``namespace``/``name``: Prometheus
sets ``namespace`` to the operator's own namespace on every scraped series. Cluster-scoped
objects have an empty ``object_namespace``. A body of the wrong shape is skipped, never raised.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from typing import Any

import prometheus_client
from fogcompute_api.meta import GROUP
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from fogcompute_operator.controlling.caching import Informers

__all__ = ["ObjectStateCollector", "expose_object_state"]

_OBJECT = ["kind", "object_namespace", "object_name"]
# Keyed by the registry itself, held weakly: keyed by id(), a registry created after another was
# collected could get its id and "replace" a collector it never had (a flaky unit test found it).
_registered: weakref.WeakKeyDictionary[CollectorRegistry, ObjectStateCollector] = (
    weakref.WeakKeyDictionary()
)


def _families() -> tuple[GaugeMetricFamily, ...]:
    return (
        GaugeMetricFamily("fogcompute_objects", "Objects in the operator's cache", labels=["kind"]),
        GaugeMetricFamily(
            "fogcompute_object_phase",
            "1 for each object's status.phase",
            labels=[*_OBJECT, "phase"],
        ),
        GaugeMetricFamily(
            "fogcompute_object_condition",
            "1 for each condition of each object, with its status",
            labels=[*_OBJECT, "condition", "status"],
        ),
        GaugeMetricFamily(
            "fogcompute_mixnode_reliability",
            "status.reliability of each MixNode (0 to 1)",
            labels=["object_name"],
        ),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class ObjectStateCollector(Collector):
    """Families built from the fogcompute.io informers of ``informers`` at each collect."""

    def __init__(self, *, informers: Informers) -> None:
        self._informers = informers

    def describe(self) -> Iterator[Metric]:
        # Registration asks for the names only: never walk the caches for that.
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        objects, phases, conditions, reliability = _families()
        for informer in self._informers.all():
            resource = informer.resource
            if resource.group != GROUP:
                continue
            bodies = informer.items()
            objects.add_metric([resource.kind], len(bodies))
            for body in bodies:
                self._add(body, kind=resource.kind, phases=phases, conditions=conditions)
                if resource.kind == "MixNode":
                    _add_reliability(body, family=reliability)
        yield from (objects, phases, conditions, reliability)

    @staticmethod
    def _add(
        body: Mapping[str, Any],
        *,
        kind: str,
        phases: GaugeMetricFamily,
        conditions: GaugeMetricFamily,
    ) -> None:
        metadata, status = body.get("metadata"), body.get("status")
        if not isinstance(metadata, Mapping) or not isinstance(status, Mapping):
            return
        name = _text(metadata.get("name"))
        if name is None:
            return
        labels = [kind, _text(metadata.get("namespace")) or "", name]
        if (phase := _text(status.get("phase"))) is not None:
            phases.add_metric([*labels, phase], 1)
        found = status.get("conditions")
        for condition in found if isinstance(found, list) else ():
            if not isinstance(condition, Mapping):
                continue
            kind_of, state = _text(condition.get("type")), _text(condition.get("status"))
            if kind_of is not None and state is not None:
                conditions.add_metric([*labels, kind_of, state], 1)


def _add_reliability(body: Mapping[str, Any], *, family: GaugeMetricFamily) -> None:
    metadata, status = body.get("metadata"), body.get("status")
    if not isinstance(metadata, Mapping) or not isinstance(status, Mapping):
        return
    name, value = _text(metadata.get("name")), status.get("reliability")
    if name is not None and isinstance(value, int | float) and not isinstance(value, bool):
        family.add_metric([name], float(value))


def expose_object_state(
    informers: Informers, *, registry: CollectorRegistry | None = None
) -> ObjectStateCollector:
    """Serve ``informers``' object state on ``registry`` (the default one unless given).

    Idempotent per registry: a later call (a startup kopf retried) replaces the collector.
    """
    target = registry if registry is not None else prometheus_client.REGISTRY
    if (old := _registered.pop(target, None)) is not None:
        target.unregister(old)
    collector = _registered[target] = ObjectStateCollector(informers=informers)
    target.register(collector)
    return collector
