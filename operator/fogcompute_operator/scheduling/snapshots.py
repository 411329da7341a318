"""The cluster as a scheduling round sees it: Nodes + EdgeDevices + bound pods -> NodeSnapshots.

Called by the scheduler (``batching``) at the start of each round, with what its informers
hold: Nodes, EdgeDevices and the FogJob pods that still hold resources. Free capacity is
allocatable minus the requests of those pods, minus what earlier rounds placed but whose pods
are not created yet. A node with an EdgeDevice, or labelled ``fogcompute.io/edge=true``, is a
harvested device: harvestable only when its EdgeDevice says so and its agent is not silent
(``heartbeats``; no report means not harvestable, ``NoReport``; a silent agent,
``AgentSilent``). Plain nodes get the library's default latency, energy, price and
reliability. Pure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fogcompute_api.meta import LABEL_EDGE

from fogcompute_operator.kube import GPU_RESOURCE, millis, units
from fogcompute_operator.scheduling import models as scheduling
from fogcompute_operator.scheduling.heartbeats import (
    DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
    is_silent,
)

Obj = Mapping[str, Any]
SILENT = "AgentSilent"
_EFFECTS = frozenset({"NoSchedule", "PreferNoSchedule", "NoExecute"})
_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


@dataclass(frozen=True)
class Usage:
    cpu_millis: int = 0
    memory_bytes: int = 0
    gpu: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.cpu_millis + other.cpu_millis,
            self.memory_bytes + other.memory_bytes,
            self.gpu + other.gpu,
        )


def pod_usage(pod: Obj) -> Usage:
    """What a pod's containers request (limits where a request is missing)."""
    total = Usage()
    for container in (pod.get("spec") or {}).get("containers") or ():
        resources = container.get("resources") or {}
        amounts = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
        total += Usage(
            millis(amounts.get("cpu", 0)),
            units(amounts.get("memory", 0)),
            units(amounts.get(GPU_RESOURCE, 0)),
        )
    return total


def _taints(node: Obj) -> tuple[scheduling.Taint, ...]:
    spec = node.get("spec") or {}
    taints = [
        scheduling.Taint(key=t["key"], value=t.get("value") or "", effect=t["effect"])
        for t in spec.get("taints") or ()
        if t.get("effect") in _EFFECTS
    ]
    if spec.get("unschedulable") and not any(t.key == _UNSCHEDULABLE for t in taints):
        taints.append(scheduling.Taint(key=_UNSCHEDULABLE, effect="NoSchedule"))
    return tuple(taints)


def _readings(device: Obj | None, *, silent: bool) -> scheduling.EdgeReadings:
    if device is None:
        return scheduling.EdgeReadings(harvestable=False, not_harvestable_reason="NoReport")
    status = device.get("status") or {}
    if not (device.get("spec") or {}).get("harvestEnabled", True):
        return scheduling.EdgeReadings(harvestable=False, not_harvestable_reason="HarvestDisabled")
    harvestable = status.get("harvestable") is True and not silent
    reason = "" if harvestable else (status.get("harvestReason") or "NoReport")
    if silent and status.get("lastReportTime"):
        reason = SILENT
    power = (status.get("power") or {}).get("source")
    return scheduling.EdgeReadings(
        harvestable=harvestable,
        not_harvestable_reason=reason,
        on_ac_power=None if power in (None, "Unknown") else power == "AC",
        temperature_c=(status.get("thermal") or {}).get("temperatureCelsius"),
    )


def _figures(device: Obj | None) -> dict[str, float]:
    status = (device or {}).get("status") or {}
    figures: dict[str, float] = {}
    for key, field in (
        ("latencyMs", "latency_ms"),
        ("energyJoulesPerCpuSecond", "energy_per_cpu_second"),
        ("pricePerCpuSecond", "price_per_cpu_second"),
        ("reliability", "reliability"),
    ):
        if status.get(key) is not None:
            figures[field] = float(status[key])
    return figures


def node_snapshots(
    *,
    nodes: Sequence[Obj],
    devices: Sequence[Obj],
    pods: Sequence[Obj],
    reserved: Mapping[str, Usage],
    now: datetime | None = None,
    heartbeat_timeout_seconds: float = DEFAULT_HEARTBEAT_TIMEOUT_SECONDS,
) -> list[scheduling.NodeSnapshot]:
    """One snapshot per node, free capacity net of bound pods and ``reserved`` (by node); a
    device whose agent is silent at ``now`` is not harvestable (no ``now``: none is silent)."""
    used: dict[str, Usage] = defaultdict(Usage)
    for pod in pods:
        node_name = (pod.get("spec") or {}).get("nodeName")
        if node_name:
            used[node_name] += pod_usage(pod)
    by_node = {(d.get("spec") or {}).get("nodeName"): d for d in devices}
    snapshots = []
    for node in nodes:
        metadata = node.get("metadata") or {}
        name = metadata.get("name", "")
        labels = metadata.get("labels") or {}
        allocatable = (node.get("status") or {}).get("allocatable") or {}
        taken = used[name] + reserved.get(name, Usage())
        device = by_node.get(name)
        edge = device is not None or labels.get(LABEL_EDGE) == "true"
        snapshots.append(
            scheduling.NodeSnapshot(
                name=name,
                cpu_millis=max(millis(allocatable.get("cpu", 0)) - taken.cpu_millis, 0),
                memory_bytes=max(units(allocatable.get("memory", 0)) - taken.memory_bytes, 0),
                gpu=max(units(allocatable.get(GPU_RESOURCE, 0)) - taken.gpu, 0),
                labels=dict(labels),
                taints=_taints(node),
                edge=_readings(device, silent=_silent(device, now, heartbeat_timeout_seconds))
                if edge
                else None,
                **_figures(device),
            )
        )
    return snapshots


def _silent(device: Obj | None, now: datetime | None, timeout: float) -> bool:
    if device is None or now is None:
        return False
    return is_silent(device, now=now, timeout_seconds=timeout)
