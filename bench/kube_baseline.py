"""The kube-scheduler baseline: the benchmark's workload placed by the real kube-scheduler.

Where it sits: called by the kube-scheduler section of `bench_scheduler.py` on a control plane
from `clusters.bench_plane`. It turns the workload's nodes into kwok nodes (allocatable cpu and
memory = the snapshot's free capacity, the edge label, and a NoSchedule taint on edge devices
that are not harvestable now, the one hard rule our filter applies to this workload that
kube-scheduler would otherwise ignore) and every pod of every job into a bare Pod (requests as
in the workload, no nodeName), lets kube-scheduler bind them, and reads back `spec.nodeName`.
Scoring the placement is the caller's job; nothing here knows the objectives.

Each workload gets its own node names and a label that its pods select, so two workloads can
share one control plane without seeing each other's nodes.

With `tiers` (the heterogeneous section), every hard rule our filter applies is given to
kube-scheduler too, the way a user would: each distinct set of nodes our filter allows a job
(tier rules such as platinum's no-harvesting and minimum reliability, harvestability, selectors)
becomes a node label the job's pods select, and each tier becomes a PriorityClass of the tier's
priority (preemptionPolicy Never, so the figures are placements, not evictions) that the pods
name, so kube-scheduler's queue takes the tiers in the same order as our round.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from clusters import Watcher, api_client
from fogcompute_operator.scheduling import JobRequest, NodeSnapshot, Tier
from fogcompute_operator.scheduling.filtering import filter_batch
from fogcompute_testbed.controlplane import ControlPlane, NodeSpec
from kubernetes import client
from kubernetes.client.exceptions import ApiException

WORKLOAD_LABEL = "bench.fogcompute.io/workload"
JOB_LABEL = "bench.fogcompute.io/job"
SLOT_LABEL = "bench.fogcompute.io/slot"
ELIGIBLE_LABEL = "bench.fogcompute.io/eligible-{}"  # one per distinct set of allowed nodes
PRIORITY_CLASS = "bench-{}"  # one per tier
NOT_HARVESTABLE_TAINT = "fogcompute.io/not-harvestable"
IMAGE = "registry.k8s.io/pause:3.9"
CREATE_THREADS = 16
STALL_S = 30.0  # no pod bound for this long: the rest are unschedulable
BIND_TIMEOUT_S = 240.0

__all__ = ["KubePlacement", "node_specs", "place_with_kube_scheduler"]


@dataclass(frozen=True)
class KubePlacement:
    """What kube-scheduler did with one workload; `placement` holds only fully bound jobs."""

    placement: dict[str, list[str]]
    pods: int
    unscheduled_pods: int
    create_s: float
    bind_all_s: float | None  # from the first create until the last pod was seen bound
    bind_rate: float | None  # pods bound per second, from the first bind to the last


def cluster_name(prefix: str, node: NodeSnapshot) -> str:
    return f"{prefix}-{node.name}"


def node_specs(
    nodes: Sequence[NodeSnapshot],
    *,
    prefix: str,
    extra_labels: Mapping[str, tuple[tuple[str, str], ...]] | None = None,
) -> list[NodeSpec]:
    extra = extra_labels or {}
    return [
        NodeSpec(
            name=cluster_name(prefix, node),
            cpu=f"{node.cpu_millis}m",
            memory=str(node.memory_bytes),
            edge=node.harvested,
            labels=((WORKLOAD_LABEL, prefix), *extra.get(node.name, ())),
        )
        for node in nodes
    ]


@dataclass(frozen=True)
class Eligibility:
    """Our filter's verdicts as labels: `job_label[i]` is job i's label key (None: no rule)."""

    node_labels: dict[str, tuple[tuple[str, str], ...]]
    job_label: list[str | None]


def eligibility(
    jobs: Sequence[JobRequest], nodes: Sequence[NodeSnapshot], tiers: Mapping[str, Tier]
) -> Eligibility:
    """One label per distinct set of nodes our filter allows a job; all nodes: no label."""
    sets: dict[frozenset[int], str] = {}
    job_label: list[str | None] = []
    for job in jobs:
        found = filter_batch(jobs=[job], tier=tiers[job.tier], nodes=nodes)[0]
        allowed = frozenset(found.nodes)
        if len(allowed) == len(nodes):
            job_label.append(None)
            continue
        job_label.append(sets.setdefault(allowed, ELIGIBLE_LABEL.format(len(sets))))
    node_labels: dict[str, list[tuple[str, str]]] = {node.name: [] for node in nodes}
    for allowed, label in sets.items():
        for index in allowed:
            node_labels[nodes[index].name].append((label, "true"))
    return Eligibility(
        node_labels={name: tuple(labels) for name, labels in node_labels.items()},
        job_label=job_label,
    )


def place_with_kube_scheduler(
    plane: ControlPlane,
    *,
    jobs: Sequence[JobRequest],
    nodes: Sequence[NodeSnapshot],
    prefix: str,
    tiers: Mapping[str, Tier] | None = None,
) -> KubePlacement:
    """Create the nodes and pods of one workload under `prefix` and return kube-scheduler's
    placement, mapped back to the workload's job and node names. With `tiers`, our filter's
    rules become node labels and the tiers PriorityClasses (see the module docstring)."""
    rules = eligibility(jobs, nodes, tiers) if tiers is not None else None
    specs = node_specs(nodes, prefix=prefix, extra_labels=rules.node_labels if rules else None)
    plane.apply_nodes(specs)
    blocked = [cluster_name(prefix, n) for n in nodes if n.edge and not n.edge.harvestable]
    if blocked:
        taint = f"{NOT_HARVESTABLE_TAINT}=true:NoSchedule"
        plane.kubectl("taint", "nodes", *blocked, taint, "--overwrite")
    plane.wait_nodes_ready([s.name for s in specs])
    namespace = f"{prefix}-pods"
    plane.create_namespace(namespace)
    manifests = [
        _pod(
            job,
            index=i,
            slot=slot,
            prefix=prefix,
            eligible=rules.job_label[i] if rules else None,
            priority_class=PRIORITY_CLASS.format(job.tier) if tiers is not None else None,
        )
        for i, job in enumerate(jobs)
        for slot in range(job.pod_count)
    ]
    api = api_client(plane)
    core = client.CoreV1Api(api)
    if tiers is not None:
        _priority_classes(client.SchedulingV1Api(api), tiers)
    bound: dict[str, tuple[str, float]] = {}
    lock = threading.Lock()

    def seen(_kind: str, pod: dict[str, Any], at: float) -> None:
        node = pod.get("spec", {}).get("nodeName")
        if node:
            with lock:
                bound.setdefault(pod["metadata"]["name"], (node, at))

    watcher = Watcher(functools.partial(core.list_namespaced_pod, namespace), seen).start()
    try:
        started = time.time()
        with ThreadPoolExecutor(CREATE_THREADS) as pool:
            # The raw response: deserialising each created Pod into a model costs more CPU than
            # the request itself on this 2-core machine.
            list(pool.map(lambda body: _create(core, namespace, body), manifests))
        created = time.time()
        _wait_bound(bound, lock, total=len(manifests), watcher=watcher)
    finally:
        watcher.stop()
        api.close()  # type: ignore[no-untyped-call]
    return _result(jobs, nodes, prefix=prefix, bound=bound, started=started, created=created)


def _create(core: client.CoreV1Api, namespace: str, body: dict[str, Any]) -> None:
    create: Any = core.create_namespaced_pod  # typed for models; a dict body is accepted too
    response = create(namespace, body, _preload_content=False)
    response.drain_conn()  # read the body, or the pooled connection is left mid-response
    response.release_conn()


def _priority_classes(scheduling: client.SchedulingV1Api, tiers: Mapping[str, Tier]) -> None:
    for tier in tiers.values():
        body = {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": PRIORITY_CLASS.format(tier.name)},
            "value": tier.priority,
            "preemptionPolicy": "Never",
            "description": f"fog-compute benchmark: tier {tier.name}",
        }
        create: Any = scheduling.create_priority_class  # typed for models; a dict works too
        try:
            create(body)
        except ApiException as error:
            if error.status != 409:  # already there from an earlier workload
                raise


def _pod(
    job: JobRequest,
    *,
    index: int,
    slot: int,
    prefix: str,
    eligible: str | None = None,
    priority_class: str | None = None,
) -> dict[str, Any]:
    requests = {"cpu": f"{job.cpu_millis}m", "memory": str(job.memory_bytes)}
    selector = {WORKLOAD_LABEL: prefix, **({eligible: "true"} if eligible else {})}
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": _pod_name(index, slot),
            "labels": {JOB_LABEL: f"job-{index:05d}", SLOT_LABEL: str(slot)},
        },
        "spec": {
            "containers": [{"name": "work", "image": IMAGE, "resources": {"requests": requests}}],
            "nodeSelector": selector,
            # Our scheduler puts a job's pods on distinct nodes; kube-scheduler gets the same rule.
            "affinity": {
                "podAntiAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": [
                        {
                            "labelSelector": {"matchLabels": {JOB_LABEL: f"job-{index:05d}"}},
                            "topologyKey": "kubernetes.io/hostname",
                        }
                    ]
                }
            },
            "terminationGracePeriodSeconds": 0,
            "automountServiceAccountToken": False,
        },
    }
    if priority_class:
        pod["spec"]["priorityClassName"] = priority_class
    return pod


def _pod_name(index: int, slot: int) -> str:
    return f"job-{index:05d}-{slot}"


def _wait_bound(
    bound: dict[str, tuple[str, float]], lock: threading.Lock, *, total: int, watcher: Watcher
) -> None:
    deadline = time.monotonic() + BIND_TIMEOUT_S
    last, last_change = -1, time.monotonic()
    while time.monotonic() < deadline and watcher.error is None:
        with lock:
            count = len(bound)
        if count >= total:
            return
        if count != last:
            last, last_change = count, time.monotonic()
        elif time.monotonic() - last_change > STALL_S:
            return
        time.sleep(0.2)


def _result(
    jobs: Sequence[JobRequest],
    nodes: Sequence[NodeSnapshot],
    *,
    prefix: str,
    bound: dict[str, tuple[str, float]],
    started: float,
    created: float,
) -> KubePlacement:
    back = {cluster_name(prefix, n): n.name for n in nodes}
    placement: dict[str, list[str]] = {}
    missing = 0
    for i, job in enumerate(jobs):
        names = [bound.get(_pod_name(i, slot)) for slot in range(job.pod_count)]
        missing += sum(1 for name in names if name is None)
        if all(name is not None for name in names):
            placement[job.name] = [back[name[0]] for name in names if name is not None]
    pods = sum(job.pod_count for job in jobs)
    times = sorted(at for _, at in bound.values())
    last_bound = times[-1] if times else None
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return KubePlacement(
        placement=placement,
        pods=pods,
        unscheduled_pods=missing,
        create_s=created - started,
        bind_all_s=(last_bound - started) if missing == 0 and last_bound else None,
        bind_rate=(len(times) - 1) / span if span > 0 else None,
    )
