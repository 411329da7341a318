"""The scheduler benchmark's synthetic clusters, and how any placement of them is scored.

Where it sits: below every section of `bench_scheduler.py`. The optimiser section hands these
jobs and nodes to the scheduling library; the kube-scheduler section turns the same jobs into
pods and the same nodes into kwok nodes, then scores what kube-scheduler chose with
`evaluate_placement`, the library's own objective model; the throughput section sizes its
FogJobs and nodes from them. The heterogeneous section uses `make_tiered_workload` (cloud, fog
and edge nodes; platinum, gold and bronze jobs; more work than room) and the tier-by-tier
greedy baselines of `tiered_placement`. Pure: no cluster, no timing, nothing printed.
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
    Tier,
    score_placement,
)
from fogcompute_operator.scheduling.encoding import encode
from fogcompute_operator.scheduling.filtering import filter_batch
from fogcompute_operator.scheduling.packing import Packer
from fogcompute_operator.scheduling.planning import plan_round
from fogcompute_operator.scheduling.seeding import greedy
from fogcompute_operator.scheduling.tiers import by_priority

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
    "make_tiered_workload",
    "make_workload",
    "mct_placement",
    "placed_work",
    "tiered_placement",
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


def make_tiered_workload(seed: int) -> Workload:
    """Three node tiers and three job tiers, with about twice as much work as room.

    Nodes: 4 cloud nodes (32 cores, 128 GiB, speed 3, 60-90 ms away, dear, 25-35 J per
    cpu-second), 16 fog nodes (8 cores, 32 GiB, speed 1-1.5, 5-15 ms, 10-20 J) and 60 edge
    devices (2-4 cores, 2-8 GiB, speed 0.4-0.8, 1-5 ms, cheap, 2-5 J, less reliable), a quarter
    of them not harvestable now. Jobs: 40 platinum (a quarter to half a core, 1-2 replicas,
    10-60 s), 12 gold jobs of 12-24 cores and 48-96 GiB that only a cloud node can hold (0-1
    replica), 200 bronze batch jobs (half a core to 2 cores, 0-2 replicas, 5-30 min).
    """
    rng = np.random.default_rng(seed)
    nodes = [_cloud(i, rng) for i in range(4)]
    nodes += [_fog(i, rng) for i in range(16)]
    nodes += [_edge(i, rng) for i in range(60)]
    jobs = [
        _job(
            f"platinum-{i:03d}",
            tier="platinum",
            cpu=int(rng.choice([250, 500])),
            memory=int(rng.choice([128, 256])) * MIB,
            replicas=int(rng.integers(1, 3)),
            seconds=float(rng.uniform(10, 60)),
        )
        for i in range(40)
    ]
    jobs += [
        _job(
            f"large-{i:03d}",
            tier="gold",
            cpu=int(rng.choice([12000, 16000, 20000, 24000])),
            memory=int(rng.choice([48, 64, 96])) * GIB,
            replicas=int(rng.integers(0, 2)),
            seconds=float(rng.uniform(120, 600)),
        )
        for i in range(12)
    ]
    jobs += [
        _job(
            f"batch-{i:03d}",
            tier="bronze",
            cpu=int(rng.choice([500, 1000, 2000])),
            memory=int(rng.choice([512, 1024, 2048])) * MIB,
            replicas=int(rng.integers(0, 3)),
            seconds=float(rng.uniform(300, 1800)),
        )
        for i in range(200)
    ]
    return Workload(jobs=tuple(jobs), nodes=tuple(nodes))


def _job(
    name: str, *, tier: str, cpu: int, memory: int, replicas: int, seconds: float
) -> JobRequest:
    return JobRequest(
        name=f"tiered/{name}",
        uid=f"uid-{name}",
        cpu_millis=cpu,
        memory_bytes=memory,
        replicas=replicas,
        tier=tier,
        estimated_seconds=seconds,
    )


def _cloud(i: int, rng: np.random.Generator) -> NodeSnapshot:
    return NodeSnapshot(
        name=f"cloud-{i:02d}",
        cpu_millis=32000,
        memory_bytes=128 * GIB,
        labels={"fogcompute.io/tier": "cloud"},
        latency_ms=float(rng.uniform(60, 90)),
        energy_per_cpu_second=float(rng.uniform(25, 35)),
        price_per_cpu_second=float(rng.uniform(4, 6)) * 1e-4,
        reliability=0.999,
        speed=3.0,
    )


def _fog(i: int, rng: np.random.Generator) -> NodeSnapshot:
    speed = float(rng.uniform(1.0, 1.5))
    return NodeSnapshot(
        name=f"fog-{i:02d}",
        cpu_millis=8000,
        memory_bytes=32 * GIB,
        labels={"fogcompute.io/tier": "fog"},
        latency_ms=float(rng.uniform(5, 15)),
        energy_per_cpu_second=float(rng.uniform(10, 20)),
        price_per_cpu_second=float(speed * rng.uniform(0.8, 1.2)) * 1e-4,
        reliability=float(rng.uniform(0.98, 0.995)),
        speed=speed,
    )


def _edge(i: int, rng: np.random.Generator) -> NodeSnapshot:
    harvestable = i % 4 != 0
    return NodeSnapshot(
        name=f"edge-{i:02d}",
        cpu_millis=int(rng.choice([2000, 4000])),
        memory_bytes=int(rng.choice([2, 4, 8])) * GIB,
        labels={"fogcompute.io/tier": "edge"},
        edge=EdgeReadings(
            harvestable=harvestable,
            not_harvestable_reason="" if harvestable else "UserActive",
            on_ac_power=True,
            temperature_c=float(rng.uniform(30, 40)),
        ),
        latency_ms=float(rng.uniform(1, 5)),
        energy_per_cpu_second=float(rng.uniform(2, 5)),
        price_per_cpu_second=float(rng.uniform(0.1, 0.3)) * 1e-4,
        reliability=float(rng.uniform(0.85, 0.95)),
        speed=float(rng.uniform(0.4, 0.8)),
    )


def tiered_placement(
    workload: Workload, packer: Packer, *, tiers: Mapping[str, Tier] = DEFAULT_TIERS
) -> dict[str, list[str]]:
    """One packer on its own, tier by tier as a round goes (priority order, then deadlines and
    names), each tier seeing the capacity the tiers before it took: the round plan
    (`planning.plan_round`) of that packer alone."""
    groups: dict[str, list[JobRequest]] = {}
    for job in workload.jobs:
        groups.setdefault(job.tier, []).append(job)
    batches = [
        (tier, sorted(groups[tier.name], key=_round_order))
        for tier in by_priority(tiers[name] for name in groups if name in tiers)
    ]
    plan = plan_round(batches=batches, nodes=workload.nodes, packers=(packer,))
    by_uid = {job.uid: job.name for job in workload.jobs}
    return {
        by_uid[uid]: [workload.nodes[i].name for i in rows]
        for tier_plan in plan.tiers.values()
        for uid, rows in tier_plan.nodes_of.items()
    }


def _round_order(job: JobRequest) -> tuple[float, str]:
    deadline = job.seconds_to_deadline
    return (float("inf") if deadline is None else deadline, job.name)


def placed_work(workload: Workload, placement: Mapping[str, Sequence[str]]) -> float:
    """Reference cpu-seconds of the placed jobs (cores x runtime on a speed-1 core, all pods):
    what energy and cost are divided by, so placements of different job counts compare."""
    return sum(
        job.cpu_millis / 1000.0 * job.estimated_seconds * job.pod_count
        for job in workload.jobs
        if job.name in placement
    )
