"""Scheduler benchmark (`make bench-scheduler`): optimiser, kube-scheduler baseline, throughput.

Where it sits: outside the product, driving the scheduling library the way the FogJob
controller does (`schedule_round`) on synthetic clusters (`workloads.py`), and comparing it, in
the same run, with the minimum-completion-time (MCT) greedy heuristic, with unseeded
NSGA-II/NSGA-III given the same budget, and with the placement the real kube-scheduler makes
for the same pods on the same (kwok) nodes (`kube_baseline.py`). The heterogeneous section
places a capacity-constrained cloud/fog/edge cluster with platinum, gold and bronze jobs
(`workloads.make_tiered_workload`) by ours, MCT, a least-allocated spread (kube-scheduler's
default scoring as a greedy) and the real kube-scheduler (our filter's rules as labels, the
tiers as PriorityClasses), and reports jobs placed and every objective; energy and cost are
also given per reference cpu-second of placed work, so placements of different job counts
compare. The throughput section (`fogjob_throughput.py`) runs the same pods first as 1,000
batch/v1 Jobs placed by the stock kube-scheduler (`job_baseline.py`), then a single FogJob at a
time on the idle cluster, then as 1,000 FogJobs through the operator, on one control plane and
the same nodes, and prints pods/s, time to all-Running and CPU per pod against that baseline
(`ratio_*`). It is not a test: it asserts nothing and
prints figures, the machine and its load average (the machine may be shared).

    python bench/bench_scheduler.py [--sections optimiser,kube-scheduler,heterogeneous,throughput]

Every section is a function returning a flat dict of figures, listed in SECTIONS; `main`
prints the machine, runs the chosen sections and ends with one JSON line holding every figure.
The optimiser runs of a size are cached, so the kube-scheduler section scores its placement
against the very fronts the optimiser section printed.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
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
    OptimiserSettings,
    RoundResult,
    schedule_round,
)
from fogcompute_operator.scheduling.choosing import hypervolume

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling modules, when imported

from workloads import (
    SEED,
    TIER,
    Workload,
    evaluate_placement,
    make_tiered_workload,
    make_workload,
    mct_placement,
    placed_work,
    tiered_placement,
)

__all__ = ["SECTIONS", "Workload", "evaluate_placement", "main", "make_workload", "mct_placement"]

SIZES = ((100, 50, 1.0), (1000, 200, 5.0))  # jobs, nodes, optimiser budget (the targets)
REPORTED = ("makespan", "energy", "cost")
RUNS = ("seeded", "unseeded_nsga2", "unseeded_nsga3")
THROUGHPUT_SIZE = (1000, 200)
TIERED_BUDGET = 1.0  # the operator's default round budget (FOG_SCHEDULER_BUDGET_SECONDS)
TIERED_PLACERS = ("ours", "mct", "least_allocated", "kube_scheduler")
TIERED_OBJECTIVES = ("latency", "energy", "cost", "makespan", "unreliability")


@dataclass(frozen=True)
class Comparison:
    """One size's optimiser runs and baselines, with their printed figures."""

    tag: str
    workload: Workload
    fronts: Mapping[str, np.ndarray]  # run -> objective matrix of its Pareto front
    chosen: Mapping[str, Mapping[str, float]]  # run or "mct" -> objectives of its placement
    figures: Mapping[str, Any]


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


def _point(scored: Mapping[str, float]) -> np.ndarray:
    return np.asarray([[scored[o.value] for o in ALL_OBJECTIVES]])


@functools.cache
def compare(n_jobs: int, n_nodes: int, budget: float) -> Comparison:
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
        chosen[name] = evaluate_placement(workload, {p.job: p.nodes for p in result.placements})
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
                f"{tag}_{name}_jobs_sharing_a_node": _sharing(
                    {p.job: p.nodes for p in result.placements}
                ),
            }
        )
        for objective in REPORTED:
            figures[f"{tag}_{name}_chosen_{objective}"] = round(chosen[name][objective], 4)
    mct = chosen["mct"] = evaluate_placement(workload, mct_placement(workload))
    for objective in REPORTED:
        figures[f"{tag}_mct_{objective}"] = round(mct[objective], 4)
    figures[f"{tag}_mct_capacity_overflow"] = mct["capacity_overflow"]
    figures[f"{tag}_mct_jobs_sharing_a_node"] = _sharing(mct_placement(workload))
    volumes = _volumes({**fronts, "mct": _point(mct)})
    for name, volume in volumes.items():
        figures[f"{tag}_{name}_hypervolume"] = round(volume, 5)
    for objective in REPORTED:
        for other in ("mct", "unseeded_nsga2", "unseeded_nsga3"):
            figures[f"{tag}_ratio_{objective}_seeded_vs_{other}"] = _ratio(
                chosen["seeded"][objective], chosen[other][objective]
            )
    figures[f"{tag}_ratio_best_makespan_seeded_vs_mct"] = _ratio(
        figures[f"{tag}_seeded_front_best_makespan"], mct["makespan"]
    )
    for other in ("mct", "unseeded_nsga2", "unseeded_nsga3"):
        figures[f"{tag}_ratio_hypervolume_seeded_vs_{other}"] = _ratio(
            volumes["seeded"], volumes[other]
        )
    return Comparison(tag=tag, workload=workload, fronts=fronts, chosen=chosen, figures=figures)


def _volumes(sets: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Hypervolume of each set under one normalisation (over all of them), so they compare."""
    together = np.vstack([s for s in sets.values() if len(s)])
    ideal, nadir = together.min(axis=0), together.max(axis=0)
    return {
        name: (hypervolume(s, ideal=ideal, nadir=nadir) if len(s) else 0.0)
        for name, s in sets.items()
    }


def _sharing(placement: Mapping[str, Sequence[str]]) -> int:
    """Jobs with two pods on one node: the library places a job's pods on distinct nodes."""
    return sum(len(set(nodes)) < len(nodes) for nodes in placement.values())


def _best(front: np.ndarray, objective: str) -> float | None:
    if not len(front):
        return None
    column = [o.value for o in ALL_OBJECTIVES].index(objective)
    return round(float(front[:, column].min()), 4)


def _ratio(value: float | None, base: float | None) -> float | None:
    if value is None or base is None or base == 0:
        return None
    return round(value / base, 4)


def _emit(part: Mapping[str, Any], figures: dict[str, Any]) -> None:
    for key, value in part.items():
        print(f"{key:<60} {value}", flush=True)
    figures.update(part)


def run_optimiser_section() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for n_jobs, n_nodes, budget in SIZES:
        _emit(compare(n_jobs, n_nodes, budget).figures, figures)
    return figures


def run_kube_scheduler_section() -> dict[str, Any]:
    """kube-scheduler places each size's pods on its kwok nodes; scored like ours."""
    from clusters import bench_plane
    from kube_baseline import node_specs, place_with_kube_scheduler

    figures: dict[str, Any] = {}
    comparisons = [compare(*size) for size in SIZES]  # optimiser first: not while the plane runs
    first = comparisons[0]
    with bench_plane(node_specs(first.workload.nodes, prefix=_prefix(first.tag))) as plane:
        for comparison in comparisons:
            kube = place_with_kube_scheduler(
                plane,
                jobs=comparison.workload.jobs,
                nodes=comparison.workload.nodes,
                prefix=_prefix(comparison.tag),
            )
            part = {
                f"{comparison.tag}_kube_scheduler_pods": kube.pods,
                f"{comparison.tag}_kube_scheduler_unscheduled_pods": kube.unscheduled_pods,
                f"{comparison.tag}_kube_scheduler_placed_jobs": len(kube.placement),
                f"{comparison.tag}_kube_scheduler_create_s": round(kube.create_s, 3),
                f"{comparison.tag}_kube_scheduler_bind_all_s": _round(kube.bind_all_s),
                f"{comparison.tag}_kube_scheduler_pods_per_s": _round(
                    kube.pods / kube.bind_all_s if kube.bind_all_s else None
                ),
                f"{comparison.tag}_kube_scheduler_bind_rate_pods_per_s": _round(kube.bind_rate),
            }
            part.update(
                _kube_scores(comparison, evaluate_placement(comparison.workload, kube.placement))
            )
            _emit(part, figures)
    return figures


def _kube_scores(comparison: Comparison, kube: Mapping[str, float]) -> dict[str, Any]:
    tag, chosen = comparison.tag, comparison.chosen
    part: dict[str, Any] = {f"{tag}_kube_scheduler_{o}": round(kube[o], 4) for o in REPORTED}
    part[f"{tag}_kube_scheduler_capacity_overflow"] = kube["capacity_overflow"]
    for objective in REPORTED:
        for mine in (*RUNS, "mct"):
            part[f"{tag}_ratio_{objective}_{mine}_vs_kube_scheduler"] = _ratio(
                chosen[mine][objective], kube[objective]
            )
    kube_point = _point(kube)
    sets = {**comparison.fronts, "mct": _point(chosen["mct"]), "kube_scheduler": kube_point}
    volumes = _volumes(sets)  # a normalisation that includes kube-scheduler's point
    for name, volume in volumes.items():
        part[f"{tag}_with_kube_{name}_hypervolume"] = round(volume, 5)
    for mine in (*RUNS, "mct"):
        part[f"{tag}_ratio_hypervolume_{mine}_vs_kube_scheduler"] = _ratio(
            volumes[mine], volumes["kube_scheduler"]
        )
    union = np.vstack([s for name, s in sets.items() if name != "kube_scheduler" and len(s)])
    together = np.vstack([s for s in sets.values() if len(s)])
    ideal, nadir = together.min(axis=0), together.max(axis=0)
    alone = hypervolume(union, ideal=ideal, nadir=nadir)
    joined = hypervolume(np.vstack([union, kube_point]), ideal=ideal, nadir=nadir)
    part[f"{tag}_kube_scheduler_hypervolume_contribution"] = round(joined - alone, 6)
    seeded = comparison.fronts["seeded"]
    part[f"{tag}_kube_scheduler_dominated_by_seeded_front"] = bool(
        len(seeded)
        and np.any(np.all(seeded <= kube_point, axis=1) & np.any(seeded < kube_point, axis=1))
    )
    return part


def run_heterogeneous_section() -> dict[str, Any]:
    """Cloud, fog and edge nodes; platinum, gold and bronze jobs; not everything fits."""
    from clusters import bench_plane
    from kube_baseline import node_specs, place_with_kube_scheduler

    workload, tag = make_tiered_workload(SEED), "tiered"
    figures: dict[str, Any] = {}
    part: dict[str, Any] = {
        f"{tag}_nodes": len(workload.nodes),
        f"{tag}_jobs": len(workload.jobs),
        f"{tag}_pods": workload.pods,
        f"{tag}_budget_s": TIERED_BUDGET,
    }
    result, wall = _run(workload, TIERED_BUDGET, OptimiserSettings())
    part[f"{tag}_ours_round_s"] = round(wall, 3)
    for tier in result.record.tiers:
        part[f"{tag}_ours_{tier.tier}_generations"] = tier.generations
        part[f"{tag}_ours_{tier.tier}_front_size"] = tier.front_size
    placements: dict[str, Mapping[str, Sequence[str]]] = {
        "ours": {p.job: list(p.nodes) for p in result.placements},
        "mct": tiered_placement(workload, "completion"),
        "least_allocated": tiered_placement(workload, "least_allocated"),
    }
    _emit(part, figures)  # before the control plane starts: it competes for the cores
    prefix = _prefix(tag)
    with bench_plane(node_specs(workload.nodes, prefix=prefix)) as plane:
        kube = place_with_kube_scheduler(
            plane, jobs=workload.jobs, nodes=workload.nodes, prefix=prefix, tiers=DEFAULT_TIERS
        )
    placements["kube_scheduler"] = kube.placement
    scores = {name: _tiered_scores(workload, p) for name, p in placements.items()}
    part = {f"{tag}_kube_scheduler_unscheduled_pods": kube.unscheduled_pods}
    for name in TIERED_PLACERS:
        part.update({f"{tag}_{name}_{key}": value for key, value in scores[name].items()})
    part.update(_tiered_ratios(tag, scores))
    _emit(part, figures)
    return figures


def _tiered_scores(workload: Workload, placement: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    scored = evaluate_placement(workload, placement)
    work = placed_work(workload, placement)
    by_name = {job.name: job for job in workload.jobs}
    figures: dict[str, Any] = {
        "placed_jobs": len(placement),
        "placed_pods": sum(by_name[name].pod_count for name in placement),
    }
    for tier in DEFAULT_TIERS:
        figures[f"placed_{tier}_jobs"] = sum(by_name[name].tier == tier for name in placement)
    figures.update({o: round(scored[o], 4) for o in TIERED_OBJECTIVES})
    figures["energy_per_work"] = round(scored["energy"] / work, 4) if work else None
    figures["cost_per_work"] = round(scored["cost"] / work, 8) if work else None
    figures["capacity_overflow"] = scored["capacity_overflow"]
    figures["jobs_sharing_a_node"] = _sharing(placement)
    return figures


def _tiered_ratios(tag: str, scores: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    ours = scores["ours"]
    part: dict[str, Any] = {}
    for other in TIERED_PLACERS[1:]:
        theirs = scores[other]
        for key in ("placed_jobs", "energy_per_work", "cost_per_work", "makespan"):
            part[f"{tag}_ratio_{key}_ours_vs_{other}"] = _ratio(ours[key], theirs[key])
        part[f"{tag}_ours_places_at_least_as_many_jobs_as_{other}"] = (
            ours["placed_jobs"] >= theirs["placed_jobs"]
        )
    kube = scores["kube_scheduler"]
    part[f"{tag}_ours_dominates_kube_scheduler_energy_cost_makespan"] = (
        ours["energy_per_work"] <= kube["energy_per_work"]
        and ours["cost_per_work"] <= kube["cost_per_work"]
        and ours["makespan"] <= kube["makespan"]
    )
    return part


def run_throughput_section() -> dict[str, Any]:
    from fogjob_throughput import run_throughput

    workload = make_workload(*THROUGHPUT_SIZE, SEED)
    figures: dict[str, Any] = {}
    _emit(run_throughput(jobs=workload.jobs, nodes=workload.nodes), figures)
    return figures


def _load() -> str:
    """1, 5 and 15-minute load averages: the machine may be shared while the figures are taken."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _prefix(tag: str) -> str:
    return tag.replace("_", "-")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "load_average": _load(),
        "cores": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pymoo": pymoo.__version__,
        "platform": platform.platform(),
    }


SECTIONS: dict[str, Callable[[], dict[str, Any]]] = {
    "optimiser": run_optimiser_section,
    "kube-scheduler": run_kube_scheduler_section,
    "heterogeneous": run_heterogeneous_section,
    "throughput": run_throughput_section,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, from {', '.join(SECTIONS)} (default: all, in that order)",
    )
    chosen = [s.strip() for s in parser.parse_args(argv).sections.split(",") if s.strip()]
    if unknown := [s for s in chosen if s not in SECTIONS]:
        parser.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")
    started = time.perf_counter()
    figures = {f"machine_{k}": v for k, v in machine().items()}
    _emit(dict(figures), {})
    print(
        "objectives:", ", ".join(o.value for o in ALL_OBJECTIVES), f"| tier {TIER} weights choose"
    )
    figures["sections"] = ",".join(chosen)
    for name in SECTIONS:  # always in the documented order
        if name in chosen:
            print(f"# section {name}", flush=True)
            figures.update(SECTIONS[name]())
    figures["run_s"] = round(time.perf_counter() - started, 1)
    figures["load_average_at_end"] = _load()
    print(f"{'run_s':<60} {figures['run_s']}")
    print(f"{'load_average_at_end':<60} {figures['load_average_at_end']}")
    print(json.dumps(figures, sort_keys=True))


if __name__ == "__main__":
    main()
