"""Fluent builders for the scheduling tests: `make_job("a").cpu(500).replicas(3).build()`.

Named scheduling_builders (not builders) because test directories have no __init__.py and
share one module namespace.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from fogcompute_operator.scheduling import (
    EdgeReadings,
    JobRequest,
    NodeSnapshot,
    Taint,
    Toleration,
)

MIB = 1 << 20
GIB = 1 << 30


class JobBuilder:
    def __init__(self, name: str) -> None:
        self._job = JobRequest(
            name=f"default/{name}", uid=f"uid-{name}", cpu_millis=500, memory_bytes=256 * MIB
        )

    def _with(self, **changes: object) -> JobBuilder:
        self._job = replace(self._job, **changes)  # type: ignore[arg-type]
        return self

    def cpu(self, millis: int) -> JobBuilder:
        return self._with(cpu_millis=millis)

    def memory_mib(self, mib: int) -> JobBuilder:
        return self._with(memory_bytes=mib * MIB)

    def gpu(self, count: int) -> JobBuilder:
        return self._with(gpu=count)

    def replicas(self, count: int) -> JobBuilder:
        return self._with(replicas=count)

    def tier(self, name: str) -> JobBuilder:
        return self._with(tier=name)

    def seconds(self, estimated: float) -> JobBuilder:
        return self._with(estimated_seconds=estimated)

    def deadline(self, seconds: float) -> JobBuilder:
        return self._with(seconds_to_deadline=seconds)

    def selector(self, **labels: str) -> JobBuilder:
        return self._with(node_selector=labels)

    def tolerate(self, key: str, value: str = "", operator: str = "Equal") -> JobBuilder:
        toleration = Toleration(key=key, value=value, operator=operator)  # type: ignore[arg-type]
        return self._with(tolerations=(*self._job.tolerations, toleration))

    def no_harvest(self) -> JobBuilder:
        return self._with(allow_harvested=False)

    def build(self) -> JobRequest:
        return self._job


class NodeBuilder:
    def __init__(self, name: str) -> None:
        self._node = NodeSnapshot(name=name, cpu_millis=4000, memory_bytes=8 * GIB)

    def _with(self, **changes: object) -> NodeBuilder:
        self._node = replace(self._node, **changes)  # type: ignore[arg-type]
        return self

    def cpu(self, millis: int) -> NodeBuilder:
        return self._with(cpu_millis=millis)

    def memory_gib(self, gib: float) -> NodeBuilder:
        return self._with(memory_bytes=int(gib * GIB))

    def gpu(self, count: int) -> NodeBuilder:
        return self._with(gpu=count)

    def labels(self, **labels: str) -> NodeBuilder:
        return self._with(labels=labels)

    def taint(self, key: str, value: str = "", effect: str = "NoSchedule") -> NodeBuilder:
        taint = Taint(key=key, value=value, effect=effect)  # type: ignore[arg-type]
        return self._with(taints=(*self._node.taints, taint))

    def edge(self, *, harvestable: bool = True, reason: str = "") -> NodeBuilder:
        readings = EdgeReadings(harvestable=harvestable, not_harvestable_reason=reason)
        return self._with(edge=readings)

    def latency(self, ms: float) -> NodeBuilder:
        return self._with(latency_ms=ms)

    def energy(self, joules_per_cpu_second: float) -> NodeBuilder:
        return self._with(energy_per_cpu_second=joules_per_cpu_second)

    def price(self, per_cpu_second: float) -> NodeBuilder:
        return self._with(price_per_cpu_second=per_cpu_second)

    def reliability(self, value: float) -> NodeBuilder:
        return self._with(reliability=value)

    def speed(self, factor: float) -> NodeBuilder:
        return self._with(speed=factor)

    def build(self) -> NodeSnapshot:
        return self._node


def make_job(name: str) -> JobBuilder:
    return JobBuilder(name)


def make_node(name: str) -> NodeBuilder:
    return NodeBuilder(name)


def random_cluster(
    *, n_jobs: int, n_nodes: int, seed: int, tier: str = "gold", max_replicas: int = 2
) -> tuple[list[JobRequest], list[NodeSnapshot]]:
    """A heterogeneous cluster where the objectives conflict: fast and close nodes cost more."""
    rng = np.random.default_rng(seed)
    nodes = []
    for i in range(n_nodes):
        speed = float(rng.uniform(0.5, 2.0))
        node = (
            make_node(f"n{i:03d}")
            .cpu(int(rng.choice([2000, 4000, 8000])))
            .memory_gib(16)
            .speed(speed)
            .latency(float(rng.uniform(2, 80)))
            .energy(float(rng.uniform(3, 30)))
            .price(float(speed * rng.uniform(0.5, 1.5) * 1e-4))
            .reliability(float(rng.uniform(0.9, 0.999)))
        )
        if i % 4 == 0:
            node = node.edge(harvestable=True)
        nodes.append(node.build())
    jobs = [
        make_job(f"j{i:04d}")
        .cpu(int(rng.choice([250, 500, 1000])))
        .memory_mib(512)
        .replicas(int(rng.integers(0, max_replicas + 1)))
        .seconds(float(rng.uniform(30, 600)))
        .tier(tier)
        .build()
        for i in range(n_jobs)
    ]
    return jobs, nodes


def fog_cluster(
    *, n_jobs: int, n_nodes: int, seed: int
) -> tuple[list[JobRequest], list[NodeSnapshot]]:
    """Like the benchmark's workload: cheap, slow-to-reach edge devices beside fast, dear fog
    nodes, 4-16 cores, and jobs that ask for about 60 % of the cpu."""
    rng = np.random.default_rng(seed)
    nodes = []
    for i in range(n_nodes):
        edge = i % 4 == 0
        speed = float(rng.uniform(0.5, 2.0))
        node = (
            make_node(f"n{i:03d}")
            .cpu(int(rng.choice([4000, 8000, 16000])))
            .memory_gib(32)
            .speed(speed)
            .latency(float(rng.uniform(5, 80) if edge else rng.uniform(1, 20)))
            .energy(float(rng.uniform(2, 8) if edge else rng.uniform(8, 30)))
            .price(float(speed * rng.uniform(0.5, 1.5) * (0.3 if edge else 1.0) * 1e-4))
            .reliability(float(rng.uniform(0.85, 0.97) if edge else rng.uniform(0.97, 0.999)))
        )
        nodes.append((node.edge() if edge else node).build())
    jobs = [
        make_job(f"j{i:04d}")
        .cpu(int(rng.choice([250, 500, 1000, 2000])))
        .memory_mib(512)
        .replicas(int(rng.integers(0, 4)))
        .seconds(float(rng.uniform(30, 900)))
        .build()
        for i in range(n_jobs)
    ]
    scale = 0.6 * sum(n.cpu_millis for n in nodes) / sum(j.cpu_millis * j.pod_count for j in jobs)
    return [
        replace(j, cpu_millis=max(50, int(j.cpu_millis * min(scale, 1.0)))) for j in jobs
    ], nodes
