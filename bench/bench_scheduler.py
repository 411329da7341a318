"""Scheduler benchmark (`make bench-scheduler`): the optimiser section.

Where it sits: outside the product, driving the scheduling library the way the FogJob
controller will (`schedule_round`) on synthetic clusters, and comparing it, in the same run,
with the minimum-completion-time (MCT) greedy heuristic and with unseeded NSGA-II/NSGA-III
given the same budget. It is not a test: it asserts nothing and prints figures.

Extending it: every section is a function returning a flat dict of figures, listed in
SECTIONS; `main` prints the machine, runs the sections and ends with one JSON line holding
every figure. A control-plane section can reuse `make_workload` (the same pods and nodes) and
`evaluate_placement` (to score kube-scheduler's placement with the same objectives).
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pymoo
from fogcompute_operator.scheduling import (
    ALL_OBJECTIVES,
    DEFAULT_TIERS,
    EdgeReadings,
    JobRequest,
    NodeSnapshot,
    OptimiserSettings,
    RoundResult,
    schedule_round,
    score_placement,
)
from fogcompute_operator.scheduling.choosing import hypervolume
from fogcompute_operator.scheduling.encoding import encode
from fogcompute_operator.scheduling.filtering import filter_batch
from fogcompute_operator.scheduling.seeding import greedy

GIB = 1 << 30
MIB = 1 << 20
TIER = "gold"
SIZES = ((100, 50, 1.0), (1000, 200, 5.0))  # jobs, nodes, optimiser budget (the targets)
SEED = 20240601
REPORTED = ("makespan", "energy", "cost")


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
        jobs = [_scaled(job, scale) for job in jobs]
    return Workload(jobs=tuple(jobs), nodes=tuple(nodes))


def _scaled(job: JobRequest, scale: float) -> JobRequest:
    from dataclasses import replace

    return replace(job, cpu_millis=max(50, int(job.cpu_millis * scale)))


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


def _run(
    workload: Workload, budget: float, settings: OptimiserSettings
) -> tuple[RoundResult, float]:
    started = time.perf_counter()
    result = schedule_round(
        jobs=workload.jobs,
        nodes=workload.nodes,
        tiers=DEFAULT_TIERS,
        budget_seconds=budget,
        seed=SEED,
        settings=settings,
    )
    return result, time.perf_counter() - started


def _chosen(workload: Workload, result: RoundResult) -> dict[str, float]:
    return evaluate_placement(workload, {p.job: p.nodes for p in result.placements})


def _section_for(n_jobs: int, n_nodes: int, budget: float) -> dict[str, Any]:
    workload = make_workload(n_jobs, n_nodes, SEED)
    tag = f"j{n_jobs}_n{n_nodes}"
    figures: dict[str, Any] = {f"{tag}_pods": workload.pods, f"{tag}_budget_s": budget}
    runs = {
        "seeded": OptimiserSettings(),
        "unseeded_nsga2": OptimiserSettings(seeded=False, algorithm="nsga2"),
        "unseeded_nsga3": OptimiserSettings(seeded=False, algorithm="nsga3"),
    }
    fronts: dict[str, np.ndarray] = {}
    chosen: dict[str, dict[str, float]] = {}
    for name, settings in runs.items():
        result, wall = _run(workload, budget, settings)
        tier = result.record.tiers[0]
        fronts[name] = (
            np.asarray(tier.front) if tier.feasible else np.empty((0, len(ALL_OBJECTIVES)))
        )
        chosen[name] = _chosen(workload, result)
        figures.update(
            {
                f"{tag}_{name}_round_s": round(wall, 3),
                f"{tag}_{name}_optimiser_s": round(tier.seconds, 3),
                f"{tag}_{name}_algorithm": tier.algorithm,
                f"{tag}_{name}_generations": tier.generations,
                f"{tag}_{name}_stopped_by": tier.stopped_by,
                f"{tag}_{name}_feasible": tier.feasible,
                f"{tag}_{name}_front_size": tier.front_size if tier.feasible else 0,
                f"{tag}_{name}_placed_jobs": len(result.placements),
                f"{tag}_{name}_front_best_makespan": _best(fronts[name], "makespan"),
            }
        )
        for objective in REPORTED:
            figures[f"{tag}_{name}_chosen_{objective}"] = round(chosen[name][objective], 4)
    mct = evaluate_placement(workload, mct_placement(workload))
    mct_point = np.asarray([[mct[o.value] for o in ALL_OBJECTIVES]])
    for objective in REPORTED:
        figures[f"{tag}_mct_{objective}"] = round(mct[objective], 4)
    figures[f"{tag}_mct_capacity_overflow"] = mct["capacity_overflow"]
    # One normalisation for every set, so their hypervolumes compare.
    together = np.vstack([mct_point, *[f for f in fronts.values() if len(f)]])
    ideal, nadir = together.min(axis=0), together.max(axis=0)
    volumes = {
        name: (hypervolume(f, ideal=ideal, nadir=nadir) if len(f) else 0.0)
        for name, f in fronts.items()
    }
    volumes["mct"] = hypervolume(mct_point, ideal=ideal, nadir=nadir)
    for name, volume in volumes.items():
        figures[f"{tag}_{name}_hypervolume"] = round(volume, 5)
    for objective in REPORTED:
        for other in ("mct", "unseeded_nsga2", "unseeded_nsga3"):
            base = mct[objective] if other == "mct" else chosen[other][objective]
            figures[f"{tag}_ratio_{objective}_seeded_vs_{other}"] = _ratio(
                chosen["seeded"][objective], base
            )
    figures[f"{tag}_ratio_best_makespan_seeded_vs_mct"] = _ratio(
        figures[f"{tag}_seeded_front_best_makespan"], mct["makespan"]
    )
    for other in ("mct", "unseeded_nsga2", "unseeded_nsga3"):
        figures[f"{tag}_ratio_hypervolume_seeded_vs_{other}"] = _ratio(
            volumes["seeded"], volumes[other]
        )
    return figures


def _best(front: np.ndarray, objective: str) -> float | None:
    if not len(front):
        return None
    column = [o.value for o in ALL_OBJECTIVES].index(objective)
    return round(float(front[:, column].min()), 4)


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base == 0:
        return None
    return round(value / base, 4)


def run_optimiser_section() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for n_jobs, n_nodes, budget in SIZES:
        part = _section_for(n_jobs, n_nodes, budget)
        for key, value in part.items():
            print(f"{key:<60} {value}")
        figures.update(part)
    return figures


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pymoo": pymoo.__version__,
        "platform": platform.platform(),
    }


SECTIONS: list[Callable[[], dict[str, Any]]] = [run_optimiser_section]


def main() -> None:
    figures = {f"machine_{k}": v for k, v in machine().items()}
    for key, value in figures.items():
        print(f"{key:<60} {value}")
    print(
        "objectives:", ", ".join(o.value for o in ALL_OBJECTIVES), f"| tier {TIER} weights choose"
    )
    for section in SECTIONS:
        figures.update(section())
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
