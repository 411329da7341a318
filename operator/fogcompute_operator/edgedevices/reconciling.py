"""The EdgeDevice reconcile: get, decide, evict what must go, write status once.

The runtime's EdgeDevice controller calls ``EdgeDeviceReconciler.reconcile`` with a device's
key when the device changed (an agent's report), when its Node appeared or went, when a
harvest pod landed on its node, or when it asked to be looked at again (the instant its agent
would turn silent):

1. get: the device, its Node and the harvest pods on that node, from the informers;
2. decide: ``deciding.decide`` (pure) with the time and the silence bound;
3. act: while the device is not both Ready and Harvestable, evict (policy/v1 Eviction) every
   harvest pod still running on its node; the FogJob controller sees them go and places
   their work again elsewhere (the scheduler already skips the device);
4. write status once, only if it changed, through the runtime's guarded status patch;

then Events go to the background poster. A device the models refuse gets Ready=False with
the fields named. No kopf here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from fogcompute_api.edgedevices import EdgeDevice
from fogcompute_api.meta import LABEL_HARVEST

from fogcompute_operator.controlling import EventNote, Result, Runtime
from fogcompute_operator.edgedevices.deciding import decide
from fogcompute_operator.kube import EDGEDEVICES, NODES, PODS, ObjectKey, Resource, key_of
from fogcompute_operator.observing import object_extra

logger = logging.getLogger("fogcompute_operator.edgedevices")
CONTROLLER = "edgedevices"
_REQUEUE_SLACK = (
    0.05  # a little late rather than early: a wake-up before the instant decides nothing
)
_ENDED = frozenset({"Succeeded", "Failed"})


def is_live_harvest_pod(pod: Mapping[str, Any], *, node: str) -> bool:
    """A harvest pod on ``node`` that still runs and is not on its way out already."""
    metadata = pod.get("metadata") or {}
    return (
        (metadata.get("labels") or {}).get(LABEL_HARVEST) == "true"
        and (pod.get("spec") or {}).get("nodeName") == node
        and (pod.get("status") or {}).get("phase") not in _ENDED
        and metadata.get("deletionTimestamp") is None
    )


class EdgeDeviceReconciler:
    def __init__(self, *, runtime: Runtime, heartbeat_timeout_seconds: float) -> None:
        self._runtime = runtime
        self._devices = runtime.informers[EDGEDEVICES]
        self._nodes = runtime.informers[NODES]
        self._pods = runtime.informers[PODS]
        self._timeout = heartbeat_timeout_seconds

    @property
    def name(self) -> str:
        return CONTROLLER

    @property
    def resource(self) -> Resource:
        return EDGEDEVICES

    async def reconcile(self, key: ObjectKey) -> Result:
        body = self._devices.get(key)  # 1. get
        if body is None:
            return Result()
        device = await self._runtime.validated(
            EDGEDEVICES, body, EdgeDevice, condition_type="Ready"
        )
        if device is None:
            return Result()
        node = device.spec.node_name
        decision = decide(  # 2. decide
            device=device,
            body=body,
            node_exists=self._nodes.get(ObjectKey(node)) is not None,
            now=self._runtime.clock(),
            timeout_seconds=self._timeout,
        )
        notes = list(decision.events)
        if decision.evict:  # 3. act
            notes += await self._evict(key, node)
        written = None
        if decision.changed:  # 4. write status once
            written = await self._runtime.statuses.write(EDGEDEVICES, body, decision.status)
        for note in notes:
            self._runtime.post_event(EDGEDEVICES, written or body, note)
        return Result(requeue_after=decision.requeue_after)

    async def _evict(self, key: ObjectKey, node: str) -> list[EventNote]:
        doomed = [key_of(p) for p in self._pods.items() if is_live_harvest_pod(p, node=node)]
        if not doomed:
            return []
        evicted = await asyncio.gather(*(self._runtime.api.evict(pod) for pod in doomed))
        names = ", ".join(pod for pod, done in zip(doomed, evicted, strict=True) if done)
        if not names:
            return []
        message = f"evicted harvest pod(s) {names}: the device is not Ready and Harvestable"
        logger.info(message, extra=object_extra(name=key, kind="EdgeDevice"))
        return [EventNote(type="Warning", reason="HarvestPodsEvicted", message=message[:1024])]
