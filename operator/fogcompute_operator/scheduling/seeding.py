"""Greedy placements and the initial population built from them.

Runs between encoding and optimising. The greedy heuristics place pods one at a time, each on
the candidate with the best value of one criterion among those with room left: minimum
completion time (MCT, the classic grid-scheduling heuristic, also used to admit jobs), minimum
energy, minimum cost, minimum latency, maximum reliability, never on a node that already holds
a pod of the same job (a job's pods go to distinct nodes). The initial population is those
seeds, the previous round's population mapped onto this round's pods, then half of what is left
as job-by-job mixes of two seeds (points between two extremes of the front) and half random
individuals; every row that is not a greedy seed passes through `repairing.repair`, so none
puts two pods of a job on one node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from fogcompute_operator.scheduling.encoding import Encoding, FloatArray, IntArray
from fogcompute_operator.scheduling.records import PopulationMemory
from fogcompute_operator.scheduling.repairing import repair

Criterion = Literal["completion", "energy", "cost", "latency", "reliability"]
CRITERIA: tuple[Criterion, ...] = ("completion", "energy", "cost", "latency", "reliability")


@dataclass(frozen=True, eq=False)
class Greedy:
    """Genes of a greedy placement; `placed[i]` says whether every pod of job i found room."""

    genes: IntArray
    placed: npt.NDArray[np.bool_]


def greedy(encoding: Encoding, criterion: Criterion) -> Greedy:
    """Place jobs in order, all pods of a job or none, each pod of a job on a node of its own.

    Placing one pod changes only the node it lands on, which the job's later pods may not use:
    so the pods of a job take the job's best candidates with room, in order, all at once, which
    is what placing them one by one would give.
    """
    free_cpu, free_memory, free_gpu = (
        encoding.free_cpu.copy(),
        encoding.free_memory.copy(),
        encoding.free_gpu.copy(),
    )
    completion = encoding.base_seconds.copy()
    unit = _unit_scores(encoding, criterion)
    genes = np.zeros(encoding.n_pods, dtype=np.int64)
    placed = np.zeros(len(encoding.jobs), dtype=bool)
    starts = np.searchsorted(encoding.pod_job, np.arange(len(encoding.jobs) + 1))
    for job in range(len(encoding.jobs)):
        first, end = int(starts[job]), int(starts[job + 1])
        cands = encoding.candidates[first, : encoding.n_candidates[first]]
        cpu, memory, gpu = (
            encoding.pod_cpu[first],
            encoding.pod_memory[first],
            encoding.pod_gpu[first],
        )
        room = (free_cpu[cands] >= cpu) & (free_memory[cands] >= memory) & (free_gpu[cands] >= gpu)
        if np.count_nonzero(room) < end - first:
            continue
        work = encoding.pod_cores[first] * encoding.pod_seconds[first]
        finish = completion[cands] + work / encoding.rate[cands]
        primary = finish if unit is None else unit[cands]
        chosen = np.lexsort((finish, np.where(room, primary, np.inf)))[: end - first]
        nodes = cands[chosen]
        genes[first:end] = chosen
        placed[job] = True
        free_cpu[nodes] -= cpu
        free_memory[nodes] -= memory
        free_gpu[nodes] -= gpu
        completion[nodes] = finish[chosen]
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
    n_blended = max((pop_size - len(rows)) // 2, 0)
    before = len(rows)
    rows = _distinct(rows + blends(encoding, np.stack(seeds), n_blended, rng=rng), pop_size)
    counts["blended"] = len(rows) - before
    n_random = max(pop_size - len(rows), 0)
    rows.extend(random_genes(encoding, n_random, rng=rng))
    counts["random"] = n_random
    return np.stack(rows)[:pop_size], counts


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
