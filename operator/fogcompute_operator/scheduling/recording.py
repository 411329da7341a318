"""Turning one tier's optimisation into placements, placement records and population memory.

Runs at the end of each tier's share of a round, after choosing: it reads arrays (the chosen
row, the runners-up, the front) and writes the frozen values of records.py. It takes no
decision of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from fogcompute_operator.scheduling.choosing import Choice
from fogcompute_operator.scheduling.encoding import Encoding, IntArray
from fogcompute_operator.scheduling.models import Tier
from fogcompute_operator.scheduling.objectives import as_mapping, job_objectives
from fogcompute_operator.scheduling.optimising import Outcome
from fogcompute_operator.scheduling.records import (
    Alternative,
    Placement,
    PlacementRecord,
    PopulationMemory,
)

_ALTERNATIVES = 2


@dataclass(frozen=True)
class FrontSummary:
    size: int
    hypervolume: float
    seed: int


def placements(
    *,
    encoding: Encoding,
    outcome: Outcome,
    choice: Choice,
    tier: Tier,
    summary: FrontSummary,
) -> list[Placement]:
    rows = encoding.nodes_of(outcome.front_genes)
    chosen = rows[choice.index]
    runners = [rows[int(i)] for i in choice.ranking[1 : 1 + _ALTERNATIVES]]
    mine = job_objectives(encoding, chosen)
    theirs = [job_objectives(encoding, row) for row in runners]
    batch = as_mapping(outcome.front_objectives[choice.index])
    starts = np.searchsorted(encoding.pod_job, np.arange(len(encoding.jobs) + 1))
    result = []
    for i, job in enumerate(encoding.jobs):
        pods = slice(starts[i], starts[i + 1])
        alternatives = tuple(
            Alternative(nodes=_names(encoding, row[pods]), objectives=as_mapping(values[i]))
            for row, values in zip(runners, theirs, strict=True)
        )
        record = PlacementRecord(
            objectives=as_mapping(mine[i]),
            batch_objectives=batch,
            front_size=summary.size,
            hypervolume=summary.hypervolume,
            optimiser_seconds=outcome.seconds,
            seed=summary.seed,
            algorithm=outcome.algorithm,
            generations=outcome.generations,
            stopped_by=outcome.stopped_by,
            chosen_by=choice.chosen_by,
            alternatives=alternatives,
        )
        nodes = _names(encoding, chosen[pods])
        result.append(
            Placement(job=job.name, uid=job.uid, tier=tier.name, nodes=nodes, record=record)
        )
    return result


def memory(
    parts: Sequence[tuple[tuple[str, ...], IntArray]], *, node_names: tuple[str, ...]
) -> PopulationMemory | None:
    """Join tiers' populations (pod keys, node-index matrix) into one memory.

    Tiers have different population sizes; shorter ones repeat cyclically so that every row
    is a complete individual for every pod.
    """
    if not parts:
        return None
    height = max(matrix.shape[0] for _, matrix in parts)
    columns = [np.resize(matrix, (height, matrix.shape[1])) for _, matrix in parts]
    keys = tuple(key for part_keys, _ in parts for key in part_keys)
    assignments = np.concatenate(columns, axis=1).astype(np.int32)
    return PopulationMemory(pod_keys=keys, node_names=node_names, assignments=assignments)


def _names(encoding: Encoding, row: IntArray) -> tuple[str, ...]:
    return tuple(encoding.node_names[int(n)] for n in row)
