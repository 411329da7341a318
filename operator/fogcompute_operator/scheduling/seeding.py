"""Greedy placements and the initial population built from them.

Runs between encoding and optimising. The greedy heuristics place pods one at a time, each on
the candidate with the best value of one criterion among those with room left: minimum
completion time (MCT, the classic grid-scheduling heuristic, also used to admit jobs), minimum
energy, minimum cost, minimum latency, maximum reliability. The initial population is those
seeds, the previous round's population mapped onto this round's pods, small perturbations of
the seeds, and random individuals for diversity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from fogcompute_operator.scheduling.encoding import Encoding, FloatArray, IntArray
from fogcompute_operator.scheduling.records import PopulationMemory

Criterion = Literal["completion", "energy", "cost", "latency", "reliability"]
CRITERIA: tuple[Criterion, ...] = ("completion", "energy", "cost", "latency", "reliability")


@dataclass(frozen=True, eq=False)
class Greedy:
    """Genes of a greedy placement; `placed[i]` says whether every pod of job i found room."""

    genes: IntArray
    placed: npt.NDArray[np.bool_]


def greedy(encoding: Encoding, criterion: Criterion) -> Greedy:
    """Place jobs in order, all pods of a job or none (a job that does not fit is rolled back)."""
    free = np.stack([encoding.free_cpu, encoding.free_memory, encoding.free_gpu]).copy()
    completion = encoding.base_seconds.copy()
    demand = np.stack([encoding.pod_cpu, encoding.pod_memory, encoding.pod_gpu])
    work = encoding.pod_cores * encoding.pod_seconds
    unit = _unit_scores(encoding, criterion)
    genes = np.zeros(encoding.n_pods, dtype=np.int64)
    placed = np.ones(len(encoding.jobs), dtype=bool)
    starts = np.searchsorted(encoding.pod_job, np.arange(len(encoding.jobs) + 1))
    for job in range(len(encoding.jobs)):
        saved = free.copy(), completion.copy()
        for pod in range(starts[job], starts[job + 1]):
            cands = encoding.candidates[pod, : encoding.n_candidates[pod]]
            room = np.all(free[:, cands] >= demand[:, pod, None], axis=0)
            if not room.any():
                free, completion = saved
                placed[job] = False
                break
            finish = completion[cands] + work[pod] / encoding.rate[cands]
            primary = finish if unit is None else unit[cands]
            order = np.lexsort((finish, np.where(room, primary, np.inf)))
            choice = int(order[0])
            node = cands[choice]
            genes[pod] = choice
            free[:, node] -= demand[:, pod]
            completion[node] = finish[choice]
    return Greedy(genes=genes, placed=placed)


def initial_population(
    *,
    encoding: Encoding,
    pop_size: int,
    rng: np.random.Generator,
    previous: PopulationMemory | None,
    mct: IntArray,
) -> tuple[IntArray, dict[str, int]]:
    """(pop_size, pods) genes and how many rows came from each source."""
    seeds = [mct]
    for criterion in CRITERIA[1:]:
        result = greedy(encoding, criterion)
        # A job this greedy could not fit keeps MCT's genes, which are known to fit.
        unplaced = ~result.placed[encoding.pod_job]
        seeds.append(np.where(unplaced, mct, result.genes))
    rows = _distinct(seeds, pop_size)
    counts = {"greedy": len(rows)}
    # The previous population may fill everything the seeds leave: it is the best start there is.
    remembered = remembered_rows(encoding=encoding, previous=previous, fallback=mct)
    rows = _distinct(rows + remembered, pop_size)
    counts["previous"] = len(rows) - counts["greedy"]
    n_perturbed = max((pop_size - len(rows)) // 2, 0)
    for i in range(n_perturbed):
        rows.append(perturb(encoding, seeds[i % len(seeds)], rng=rng, rate=0.02))
    counts["perturbed"] = n_perturbed
    n_random = max(pop_size - len(rows), 0)
    rows.extend(random_genes(encoding, n_random, rng=rng))
    counts["random"] = n_random
    return np.stack(rows)[:pop_size], counts


def random_genes(encoding: Encoding, count: int, *, rng: np.random.Generator) -> list[IntArray]:
    if count <= 0:
        return []
    matrix = np.floor(rng.random((count, encoding.n_pods)) * encoding.n_candidates)
    return list(matrix.astype(np.int64))


def perturb(
    encoding: Encoding, genes: IntArray, *, rng: np.random.Generator, rate: float
) -> IntArray:
    """A copy of `genes` with about `rate` of its pods (at least one) sent to a random candidate."""
    mask = rng.random(encoding.n_pods) < rate
    mask[rng.integers(encoding.n_pods)] = True
    fresh = np.floor(rng.random(encoding.n_pods) * encoding.n_candidates).astype(np.int64)
    return np.where(mask, fresh, genes)


def remembered_rows(
    *, encoding: Encoding, previous: PopulationMemory | None, fallback: IntArray
) -> list[IntArray]:
    """The previous population's rows that say something about this round's pods."""
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
    return list(genes)


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


def _unit_scores(encoding: Encoding, criterion: Criterion) -> FloatArray | None:
    """Per-node score for one reference cpu-second (lower is better); None: use completion."""
    if criterion == "energy":
        return encoding.energy / encoding.speed
    if criterion == "cost":
        return encoding.price / encoding.speed
    if criterion == "latency":
        return encoding.latency
    if criterion == "reliability":
        return encoding.unreliability
    return None
