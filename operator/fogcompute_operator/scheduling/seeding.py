"""Greedy placements and the initial population built from them.

Runs between admission (packing) and optimising. The greedy seeds are the sequential packers of
`packing`, run again on the admitted jobs alone: minimum completion time (MCT), minimum energy,
minimum cost, minimum latency, maximum reliability, kube-scheduler's least-allocated spread and
first-fit decreasing, each keeping a job's pods on distinct nodes; and energy and cost seeds
that keep the makespan within 1.25x and 1.5x of the best fitting seed's. A seed that cannot fit
some admitted job takes the admitted placement's genes for it. The initial population is the
admitted placement itself (it fits by construction, so the search always has a feasible
individual placing every admitted job), those seeds, the previous round's population mapped
onto this round's pods, then half of what is left as job-by-job mixes of two seeds (points
between two extremes of the front) and half random individuals; every row that is not a greedy
seed passes through `repairing.repair`, so none puts two pods of a job on one node.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fogcompute_operator.scheduling.encoding import Encoding, IntArray
from fogcompute_operator.scheduling.objectives import node_completion
from fogcompute_operator.scheduling.packing import (
    CRITERIA,
    Criterion,
    Greedy,
    Packer,
    pack,
)
from fogcompute_operator.scheduling.records import PopulationMemory
from fogcompute_operator.scheduling.repairing import repair

# The packers worth a row: one per objective and both of kube-scheduler's kinds of packing
# (its spread, and bin packing); the admission-only packers add little but time.
SEEDS: tuple[Packer, ...] = (*CRITERIA, "least_allocated", "first_fit_decreasing")
_FRUGAL: tuple[Packer, ...] = ("energy", "cost")
_HORIZONS = (1.25, 1.5)

__all__ = [
    "CRITERIA",
    "SEEDS",
    "Criterion",
    "Greedy",
    "blends",
    "greedy",
    "initial_population",
    "random_genes",
    "remembered_rows",
]


def greedy(encoding: Encoding, criterion: Criterion) -> Greedy:
    """One greedy seed: `packing.pack` with a per-objective rule, jobs in the batch's order."""
    return pack(encoding, criterion)


def initial_population(
    *,
    encoding: Encoding,
    pop_size: int,
    rng: np.random.Generator,
    previous: PopulationMemory | None,
    mct: IntArray,
) -> tuple[IntArray, dict[str, int]]:
    """(pop_size, pods) genes and how many rows came from each source.

    `mct` is the admitted placement (`packing.admit`'s genes for the admitted jobs, MCT's when
    MCT placed everything): it must fit, since it is every other seed's fallback.
    """
    seeds = [mct]
    fitting = [mct]
    for packer in SEEDS:
        # A job the packer cannot fit keeps the admitted genes (the row may then overflow: the
        # search sorts it out; a job skipped for want of room could not use a second pass).
        result = pack(encoding, packer)
        unplaced = ~result.placed[encoding.pod_job]
        seeds.append(np.where(unplaced, mct, result.genes))
        if not unplaced.any():
            fitting.append(result.genes)
    seeds += _within_horizons(encoding, fitting)
    rows = _distinct(seeds, pop_size)
    counts = {"greedy": len(rows)}
    # The previous population may fill everything the seeds leave: it is the best start there is.
    remembered = remembered_rows(encoding=encoding, previous=previous, fallback=mct)
    rows = _distinct(rows + remembered, pop_size)
    counts["previous"] = len(rows) - counts["greedy"]
    n_blended = max((pop_size - len(rows)) // 2, 0)
    before = len(rows)
    rows = _distinct(rows + blends(encoding, np.stack(seeds), n_blended, rng=rng), pop_size)
    counts["blended"] = len(rows) - before
    n_random = max(pop_size - len(rows), 0)
    rows.extend(random_genes(encoding, n_random, rng=rng))
    counts["random"] = n_random
    return np.stack(rows)[:pop_size], counts


def _within_horizons(encoding: Encoding, fitting: list[IntArray]) -> list[IntArray]:
    """Energy and cost seeds that keep the makespan near the best a fitting seed reached.

    The plain energy and cost seeds put the longest pods on the most frugal nodes, which are
    often the slowest: their makespan can be twice the best. These prefer nodes that finish
    within 1.25x and 1.5x of the best makespan of the seeds that fit (MCT's, usually), the
    region a tier's makespan bound (`Weights.max_makespan_ratio`) leaves to choose from.
    """
    makespan = float(node_completion(encoding, encoding.nodes_of(np.stack(fitting))).max(1).min())
    seeds = []
    for packer in _FRUGAL:
        for factor in _HORIZONS:
            result = pack(encoding, packer, horizon=factor * makespan)
            seeds.append(np.where(~result.placed[encoding.pod_job], fitting[0], result.genes))
    return seeds


def blends(
    encoding: Encoding, seeds: IntArray, count: int, *, rng: np.random.Generator
) -> list[IntArray]:
    """`count` mixes of two different seeds, job by job, each with its own share of the second.

    Each seed is the extreme of one objective; a mix takes every pod of a job from one of its
    two parents, so it lands between them on the trade-off (and keeps each job's pods on
    distinct nodes). Small perturbations of the seeds (what the population used to hold) stay
    near the extremes, and the middle of the front starts empty.
    """
    if count <= 0 or len(seeds) < 2:
        return []
    first = rng.integers(len(seeds), size=count)
    second = (first + rng.integers(1, len(seeds), size=count)) % len(seeds)
    share = rng.random(count)
    from_second = rng.random((count, len(encoding.jobs))) < share[:, None]
    genes = np.where(from_second[:, encoding.pod_job], seeds[second], seeds[first])
    return list(repair(encoding, genes))


def random_genes(encoding: Encoding, count: int, *, rng: np.random.Generator) -> list[IntArray]:
    if count <= 0:
        return []
    matrix = np.floor(rng.random((count, encoding.n_pods)) * encoding.n_candidates)
    return list(repair(encoding, matrix.astype(np.int64)))


def remembered_rows(
    *, encoding: Encoding, previous: PopulationMemory | None, fallback: IntArray
) -> list[IntArray]:
    """The previous population's rows that say something about this round's pods, repaired:
    a pod whose old node is gone takes `fallback`'s gene, which may double a sibling's node."""
    if previous is None or previous.assignments.size == 0:
        return []
    column = {key: i for i, key in enumerate(previous.pod_keys)}
    node_index: Mapping[str, int] = {name: i for i, name in enumerate(encoding.node_names)}
    pods = [j for j, key in enumerate(encoding.pod_keys) if key in column]
    if not pods:
        return []
    # Old node index -> this round's node index (-1: the node is gone).
    translate = np.asarray([node_index.get(n, -1) for n in previous.node_names], dtype=np.int64)
    old = previous.assignments[:, [column[encoding.pod_keys[j]] for j in pods]]
    nodes = np.full((old.shape[0], encoding.n_pods), -1, dtype=np.int64)
    nodes[:, pods] = translate[old]
    genes = np.where(nodes >= 0, encoding.genes_of(np.maximum(nodes, 0)), -1)
    genes = np.where(genes >= 0, genes, fallback)
    return list(repair(encoding, genes))


def _distinct(rows: list[IntArray], limit: int) -> list[IntArray]:
    """The first `limit` distinct rows, in order."""
    seen: set[bytes] = set()
    kept: list[IntArray] = []
    for row in rows:
        key = np.ascontiguousarray(row, dtype=np.int64).tobytes()
        if key not in seen and len(kept) < limit:
            seen.add(key)
            kept.append(row)
    return kept
