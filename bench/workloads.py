"""The scheduler benchmark's synthetic cluster, and how any placement of it is scored.

Where it sits: below every section of `bench_scheduler.py`. The optimiser section hands these
jobs and nodes to the scheduling library; the kube-scheduler section turns the same jobs into
pods and the same nodes into kwok nodes, then scores what kube-scheduler chose with
`evaluate_placement`, the library's own objective model; the throughput section sizes its
FogJobs and nodes from them. Pure: no cluster, no timing, nothing printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from fogcompute_operator.scheduling import (
    DEFAULT_TIERS,
    EdgeReadings,
    JobRequest,
    NodeSnapshot,
    score_placement,
)
from fogcompute_operator.scheduling.encoding import encode
from fogcompute_operator.scheduling.filtering import filter_batch
from fogcompute_operator.scheduling.seeding import greedy

GIB = 1 << 30
MIB = 1 << 20
TIER = "gold"
SEED = 20240601

__all__ = [
    "GIB",
    "MIB",
    "SEED",
    "TIER",
    "Workload",
    "evaluate_placement",
    "make_workload",
    "mct_placement",
]


@dataclass(frozen=True)
class Workload:
    jobs: tuple[JobRequest, ...]
    nodes: tuple[NodeSnapshot, ...]

    @property
    def pods(self) -> int:
        return sum(job.pod_count for job in self.jobs)


def make_workload(n_jobs: int, n_nodes: int, seed: int) -> Workload:
    """A fog cluster: a quarter of the nodes are harvested edge devices (a fifth of those not
    harvestable now), speed 0.5-2.0, and faster nodes cost more. Jobs ask 250m-2000m cpu,
    0-3 replicas, 30-900 s; requests fill about 60 % of the free cpu."""
    rng = np.random.default_rng(seed)
    nodes = []
    for i in range(n_nodes):
        edge = None
        if i % 4 == 0:
            harvestable = bool(rng.random() > 0.2)
            edge = EdgeReadings(
                harvestable=harvestable,
                not_harvestable_reason="" if harvestable else "OnBattery",
                on_ac_power=harvestable,
                temperature_c=float(rng.uniform(30, 45)),
            )
        speed = float(rng.uniform(0.5, 2.0))
        nodes.append(
            NodeSnapshot(
                name=f"node-{i:04d}",
                cpu_millis=int(rng.choice([4000, 8000, 16000])),
                memory_bytes=int(rng.choice([16, 32, 64])) * GIB,
                edge=edge,
                latency_ms=float(rng.uniform(1, 20) if edge is None else rng.uniform(5, 80)),
                energy_per_cpu_second=float(rng.uniform(2, 8) if edge else rng.uniform(8, 30)),
                price_per_cpu_second=float(speed * rng.uniform(0.5, 1.5) * (0.3 if edge else 1.0))
                * 1e-4,
                reliability=float(rng.uniform(0.85, 0.97) if edge else rng.uniform(0.97, 0.999)),
                speed=speed,
            )
        )
    free = sum(n.cpu_millis for n in nodes if n.edge is None or n.edge.harvestable)
    target = 0.6 * free
    jobs: list[JobRequest] = []
    while len(jobs) < n_jobs:
        jobs.append(
            JobRequest(
                name=f"bench/job-{len(jobs):05d}",
                uid=f"uid-{len(jobs):05d}",
                cpu_millis=int(rng.choice([250, 500, 1000, 2000])),
                memory_bytes=int(rng.choice([256, 512, 1024])) * MIB,
                replicas=int(rng.integers(0, 4)),
                tier=TIER,
                estimated_seconds=float(rng.uniform(30, 900)),
            )
        )
    scale = target / sum(j.cpu_millis * j.pod_count for j in jobs)
    if scale < 1.0:
        jobs = [replace(job, cpu_millis=max(50, int(job.cpu_millis * scale))) for job in jobs]
    return Workload(jobs=tuple(jobs), nodes=tuple(nodes))


def evaluate_placement(
    workload: Workload, placement: Mapping[str, Sequence[str]]
) -> dict[str, float]:
    """Objectives of a placement (job name -> node per pod, primary first) by the library's
    own model, plus `capacity_overflow`; jobs missing from `placement` are left out."""
    jobs = [job for job in workload.jobs if job.name in placement]
    return score_placement(jobs=jobs, nodes=workload.nodes, placement=placement)


def mct_placement(workload: Workload) -> dict[str, list[str]]:
    """The minimum-completion-time greedy on its own, in the order the jobs come."""
    tier = DEFAULT_TIERS[TIER]
    found = filter_batch(jobs=workload.jobs, tier=tier, nodes=workload.nodes)
    jobs = [c.job for c in found if c.nodes]
    encoding = encode(
        jobs=jobs, candidates=[c.nodes for c in found if c.nodes], nodes=workload.nodes
    )
    result = greedy(encoding, "completion")
    rows = encoding.nodes_of(result.genes[None, :])[0]
    starts = np.searchsorted(encoding.pod_job, np.arange(len(jobs) + 1))
    return {
        job.name: [workload.nodes[int(n)].name for n in rows[starts[i] : starts[i + 1]]]
        for i, job in enumerate(jobs)
        if result.placed[i]
    }
