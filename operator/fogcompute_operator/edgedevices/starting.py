"""Putting the EdgeDevice controller on the runtime, once, at startup.

Called by the EdgeDevice handlers' startup activity. Registers the informers the kind reads
(EdgeDevices; Nodes, to say whether a device's Node exists; the workload pods, to find the
harvest pods on a device's node), and says which changes queue which device: its own; its
Node's (by ``spec.nodeName``); a harvest pod's on its node. Lists Nodes and pods once before
the first reconcile, so no device is called Node-less for a Node not seen yet. No kopf here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fogcompute_api.meta import LABEL_HARVEST

from fogcompute_operator.controlling import Controller, Informer, InformerSpec, Runtime
from fogcompute_operator.edgedevices.reconciling import EdgeDeviceReconciler
from fogcompute_operator.edgedevices.settings import EdgeDeviceSettings
from fogcompute_operator.kube import EDGEDEVICES, NODES, PODS, ObjectKey, key_of
from fogcompute_operator.scheduling.batching import WORKLOAD_PODS


@dataclass(frozen=True)
class EdgeDevices:
    """The EdgeDevice kind on the runtime."""

    controller: Controller
    reconciler: EdgeDeviceReconciler


def _devices_on(devices: Informer, node: str) -> tuple[ObjectKey, ...]:
    return tuple(
        key_of(d) for d in devices.items() if (d.get("spec") or {}).get("nodeName") == node
    )


def build_edgedevices(runtime: Runtime, *, settings: EdgeDeviceSettings) -> EdgeDevices:
    devices = runtime.informer(InformerSpec(EDGEDEVICES))
    runtime.informer(InformerSpec(NODES))
    runtime.informer(WORKLOAD_PODS)
    reconciler = EdgeDeviceReconciler(
        runtime=runtime, heartbeat_timeout_seconds=settings.heartbeat_timeout_seconds
    )
    controller = runtime.controller(reconciler, workers=settings.workers)

    def node_devices(node: Mapping[str, Any]) -> tuple[ObjectKey, ...]:
        return _devices_on(devices, (node.get("metadata") or {}).get("name") or "")

    def harvest_pod_devices(pod: Mapping[str, Any]) -> tuple[ObjectKey, ...]:
        labels = (pod.get("metadata") or {}).get("labels") or {}
        node = (pod.get("spec") or {}).get("nodeName")
        if labels.get(LABEL_HARVEST) != "true" or not node:
            return ()
        return _devices_on(devices, node)

    runtime.watch(NODES, controller, mapper=node_devices)
    runtime.watch(PODS, controller, mapper=harvest_pod_devices)
    return EdgeDevices(controller=controller, reconciler=reconciler)


async def start_edgedevices(runtime: Runtime, edgedevices: EdgeDevices) -> None:
    await runtime.prime(NODES, PODS)
    await runtime.run(edgedevices.controller)
