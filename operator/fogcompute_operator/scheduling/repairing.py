"""Keeping the pods of a job on distinct nodes: the repair every searched placement goes through.

A FogJob's primary and replicas are redundant copies, so no two of them may share a node. The
greedy seeds respect that by construction (seeding); everything else that produces genes passes
through `repair` here: the random, mixed and remembered rows of the initial population
(seeding) and every offspring of crossover and mutation (optimising wraps it as a pymoo
`Repair`, which pymoo applies before evaluation and before duplicate elimination). Pure numpy,
no randomness: a seed still fixes a run.

Why a repair, and not the other two ways to make the rule hard:
- a constraint (a count of doubled pods per individual) lets the search breed placements it
  must then throw away: uniform crossover mixes one job's pods from two parents, so at a
  thousand jobs nearly every child doubles some pod somewhere, and constrained domination ranks
  it behind every feasible individual. The budget would go to rejecting children;
- an encoding that cannot express duplicates (a k-subset of candidates per job) needs its own
  crossover and mutation per job and loses the flat integer genes the greedy seeds and the
  previous round's population are written in;
- a repair keeps every child and changes only the doubled genes (a handful per individual),
  moving each to the free distinct candidate where it does least harm: one with room left for
  the pod, earliest completion first (the MCT rule). The repaired genes go back into the
  population (Lamarckian), so the search never sees a doubled placement.

Vectorised over the whole population: a doubled pod is found by comparing each pod with the
up to `max pods per job - 1` pods before it; every doubled pod is scored against its job's
candidate list at once; the k-th doubled pod of one (individual, job) takes that group's k-th
best free candidate, so the moved pods of one job never collide with each other. Filtering
guarantees a job at least as many candidates as pods, so a free candidate always exists.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from fogcompute_operator.scheduling.encoding import Encoding, IntArray
from fogcompute_operator.scheduling.objectives import node_completion, per_node_sum

BoolArray = npt.NDArray[np.bool_]


def doubled(encoding: Encoding, node_rows: npt.NDArray[np.integer]) -> BoolArray:
    """(population, pods): True where an earlier pod of the same job is on the same node."""
    node_rows = np.atleast_2d(node_rows)
    found = np.zeros(node_rows.shape, dtype=bool)
    pods_per_job = np.bincount(encoding.pod_job, minlength=len(encoding.jobs))
    widest = int(pods_per_job.max(initial=1))
    for shift in range(1, widest):  # at most MAX_REPLICAS comparisons of whole matrices
        same_job = encoding.pod_job[shift:] == encoding.pod_job[:-shift]
        found[:, shift:] |= (node_rows[:, shift:] == node_rows[:, :-shift]) & same_job
    return found


def repair(encoding: Encoding, genes: npt.NDArray[np.integer]) -> IntArray:
    """`genes` (population, pods) with every doubled pod moved to a free distinct candidate."""
    result: IntArray = np.array(np.atleast_2d(genes), dtype=np.int64)
    nodes = encoding.nodes_of(result)
    found = doubled(encoding, nodes)
    if not found.any():
        return result
    individual, pod = np.nonzero(found)
    rank = _rank_in_job(encoding, found, individual, pod)
    blocked, no_room, finish = _scores(encoding, nodes, individual, pod)
    order = np.lexsort((finish, no_room, blocked), axis=-1)
    picked = order[np.arange(len(pod)), np.minimum(rank, order.shape[1] - 1)]
    movable = ~blocked[np.arange(len(pod)), picked]
    result[individual[movable], pod[movable]] = picked[movable]
    return result


def _rank_in_job(
    encoding: Encoding, found: BoolArray, individual: IntArray, pod: IntArray
) -> IntArray:
    """How many doubled pods of the same job come before each one in its individual."""
    counts = np.cumsum(found, axis=1, dtype=np.int64)
    starts = np.searchsorted(encoding.pod_job, np.arange(len(encoding.jobs)))
    first = starts[encoding.pod_job[pod]]  # a job's first pod is never doubled
    rank = counts[individual, pod] - counts[individual, first] - 1
    return np.asarray(rank, dtype=np.int64)


def _scores(
    encoding: Encoding, nodes: IntArray, individual: IntArray, pod: IntArray
) -> tuple[BoolArray, BoolArray, npt.NDArray[np.float64]]:
    """For each doubled pod and each column of its candidate list: whether the candidate is
    unusable (padding, or already holds a pod of the job), whether it lacks room for the pod,
    and when the node would finish with the pod added."""
    rows, local = np.unique(individual, return_inverse=True)
    loads = nodes[rows]
    candidates = encoding.candidates[pod]  # (doubled, width)
    width = candidates.shape[1]
    padding = np.arange(width)[None, :] >= encoding.n_candidates[pod][:, None]
    blocked = padding | _holds_the_job(encoding, nodes, individual, pod, candidates)
    no_room = np.zeros(candidates.shape, dtype=bool)
    for demand, free in (
        (encoding.pod_cpu, encoding.free_cpu),
        (encoding.pod_memory, encoding.free_memory),
        (encoding.pod_gpu, encoding.free_gpu),
    ):
        used = per_node_sum(encoding, loads, demand)[local[:, None], candidates]
        no_room |= free[candidates] - used < demand[pod][:, None]
    completion = node_completion(encoding, loads)[local[:, None], candidates]
    work = (encoding.pod_cores * encoding.pod_seconds)[pod][:, None]
    finish = completion + work / encoding.rate[candidates]
    return blocked, no_room, finish


def _holds_the_job(
    encoding: Encoding,
    nodes: IntArray,
    individual: IntArray,
    pod: IntArray,
    candidates: IntArray,
) -> BoolArray:
    """(doubled, width): whether each candidate already holds a pod of the doubled pod's job."""
    pods_per_job = np.bincount(encoding.pod_job, minlength=len(encoding.jobs))
    starts = np.searchsorted(encoding.pod_job, np.arange(len(encoding.jobs)))
    job = encoding.pod_job[pod]
    offsets = np.arange(int(pods_per_job.max()))[None, :]
    siblings = starts[job][:, None] + offsets  # (doubled, widest job)
    real = offsets < pods_per_job[job][:, None]
    sibling_nodes = nodes[individual[:, None], np.where(real, siblings, pod[:, None])]
    holding = np.zeros((len(pod), encoding.n_nodes), dtype=bool)
    holding[np.arange(len(pod))[:, None], sibling_nodes] = True
    held: BoolArray = holding[np.arange(len(pod))[:, None], candidates]
    return held
