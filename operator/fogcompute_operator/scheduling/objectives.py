"""Vectorised evaluation of placements: objectives and capacity violation for a population.

Called by the optimiser on every generation (a whole population matrix at once: no Python loop
over individuals or pods), by seeding to score greedy solutions, and by `score_placement` so a
placement made elsewhere (kube-scheduler, a benchmark baseline) is judged by the same numbers.

The model: a pod on node n runs `seconds / speed[n]` and burns `cores x that` cpu-seconds,
paid for in joules and price per cpu-second. Pods of a batch share a node's free cores, so a
node finishes its share after `work / (free cores x speed)`; the makespan is the latest node.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from fogcompute_operator.scheduling.encoding import Encoding, FloatArray, IntArray, encode
from fogcompute_operator.scheduling.models import (
    ALL_OBJECTIVES,
    JobRequest,
    NodeSnapshot,
    Objective,
)

OBJECTIVE_COLUMN: Mapping[Objective, int] = {o: i for i, o in enumerate(ALL_OBJECTIVES)}


def evaluate(encoding: Encoding, node_rows: IntArray) -> tuple[FloatArray, FloatArray]:
    """Objectives (population, 5 in ALL_OBJECTIVES order) and constraints (population, 3).

    A constraint value is the total overflow of cpu, memory and gpu relative to what the node
    has free; <= 0 means the placement fits.
    """
    node_rows = np.atleast_2d(node_rows)
    population = node_rows.shape[0]
    runtime = encoding.pod_seconds / encoding.speed[node_rows]
    cpu_seconds = encoding.pod_cores * runtime

    objectives = np.empty((population, len(ALL_OBJECTIVES)))
    objectives[:, 0] = encoding.latency[node_rows].mean(axis=1)
    objectives[:, 1] = (cpu_seconds * encoding.energy[node_rows]).sum(axis=1)
    objectives[:, 2] = (cpu_seconds * encoding.price[node_rows]).sum(axis=1)
    objectives[:, 3] = node_completion(encoding, node_rows).max(axis=1)
    objectives[:, 4] = encoding.unreliability[node_rows].mean(axis=1)

    constraints = np.empty((population, 3))
    for column, (demand, free) in enumerate(
        (
            (encoding.pod_cpu, encoding.free_cpu),
            (encoding.pod_memory, encoding.free_memory),
            (encoding.pod_gpu, encoding.free_gpu),
        )
    ):
        load = per_node_sum(encoding, node_rows, demand)
        overflow = np.maximum(load - free, 0.0) / np.maximum(free, 1.0)
        constraints[:, column] = overflow.sum(axis=1)
    return objectives, constraints


def node_completion(encoding: Encoding, node_rows: IntArray) -> FloatArray:
    """Seconds until each node clears its share: (population, nodes)."""
    work = per_node_sum(encoding, node_rows, encoding.pod_cores * encoding.pod_seconds)
    completion: FloatArray = encoding.base_seconds + work / encoding.rate
    return completion


def per_node_sum(encoding: Encoding, node_rows: IntArray, per_pod: FloatArray) -> FloatArray:
    """Sum a per-pod quantity onto nodes for every individual at once: (population, nodes)."""
    population = node_rows.shape[0]
    flat = (node_rows + np.arange(population)[:, None] * encoding.n_nodes).ravel()
    weights = np.broadcast_to(per_pod, node_rows.shape).ravel()
    sums = np.bincount(flat, weights=weights, minlength=population * encoding.n_nodes)
    return np.asarray(sums, dtype=np.float64).reshape(population, encoding.n_nodes)


def job_objectives(encoding: Encoding, node_row: IntArray) -> FloatArray:
    """Each job's own share of one placement: (jobs, 5) in ALL_OBJECTIVES order."""
    row = np.asarray(node_row, dtype=np.int64)
    runtime = encoding.pod_seconds / encoding.speed[row]
    cpu_seconds = encoding.pod_cores * runtime
    completion = node_completion(encoding, row[None, :])[0]
    n_jobs = len(encoding.jobs)
    pods = np.bincount(encoding.pod_job, minlength=n_jobs)

    def by_job(values: FloatArray) -> FloatArray:
        sums = np.bincount(encoding.pod_job, weights=values, minlength=n_jobs)
        return np.asarray(sums, dtype=np.float64)

    result = np.empty((n_jobs, len(ALL_OBJECTIVES)))
    result[:, 0] = by_job(encoding.latency[row]) / pods
    result[:, 1] = by_job(cpu_seconds * encoding.energy[row])
    result[:, 2] = by_job(cpu_seconds * encoding.price[row])
    result[:, 3] = 0.0
    np.maximum.at(result[:, 3], encoding.pod_job, completion[row])
    result[:, 4] = by_job(encoding.unreliability[row]) / pods
    return result


def as_mapping(values: npt.ArrayLike) -> dict[str, float]:
    return {o.value: float(v) for o, v in zip(ALL_OBJECTIVES, np.ravel(values), strict=True)}


def score_placement(
    *,
    jobs: Sequence[JobRequest],
    nodes: Sequence[NodeSnapshot],
    placement: Mapping[str, Sequence[str]],
) -> dict[str, float]:
    """Objectives of any placement (job name -> node name per pod, primary first) plus
    `capacity_overflow` (0 when everything fits), judged by the optimiser's model."""
    index = {node.name: i for i, node in enumerate(nodes)}
    everywhere = [list(range(len(nodes)))] * len(jobs)
    encoding = encode(jobs=jobs, candidates=everywhere, nodes=nodes)
    row = np.asarray([index[name] for job in jobs for name in placement[job.name]])
    if row.size != encoding.n_pods:
        raise ValueError(f"placement names {row.size} pods, the jobs have {encoding.n_pods}")
    objectives, constraints = evaluate(encoding, row[None, :])
    scored = as_mapping(objectives[0])
    scored["capacity_overflow"] = float(constraints[0].sum())
    return scored
