"""Output values of a scheduling round: placements, pending reasons and the placement record.

Sits at the end of the flow: `rounds.schedule_round` returns a `RoundResult`; the FogJob
controller copies a `Placement`'s record into status and a `PendingJob`'s reason into the
Queued condition. Values only: no decisions are taken here. Picklable (process pool).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

import numpy as np
import numpy.typing as npt


class ExclusionKind(StrEnum):
    """Why a node cannot take any pod of a job."""

    INSUFFICIENT_CPU = "Insufficient cpu"
    INSUFFICIENT_MEMORY = "Insufficient memory"
    INSUFFICIENT_GPU = "Insufficient gpu"
    NOT_HARVESTABLE = "NotHarvestable"
    HARVEST_NOT_ALLOWED = "HarvestNotAllowed"
    SELECTOR_MISMATCH = "SelectorMismatch"
    TAINT = "Taint"
    TIER_RULE = "TierRule"
    DEADLINE = "DeadlineUnreachable"


@dataclass(frozen=True)
class Exclusion:
    """One node excluded for one job, with the detail a user needs (`OnBattery`, a taint)."""

    node: str
    kind: ExclusionKind
    detail: str = ""

    @property
    def label(self) -> str:
        return f"{self.kind.value}({self.detail})" if self.detail else self.kind.value


@dataclass(frozen=True)
class Alternative:
    """A runner-up point of the front, seen from one job: its nodes and its objectives."""

    nodes: tuple[str, ...]
    objectives: Mapping[str, float]


# time: the budget ran out; generations: the configured cap; exhausted: no new offspring could
# be bred (tiny search space); trivial: one candidate per pod, nothing to search.
StopReason = Literal["time", "generations", "exhausted", "trivial"]


@dataclass(frozen=True)
class PlacementRecord:
    """What status shows about how a job was placed.

    `objectives` are the job's own share (its pods), `batch_objectives` the whole tier batch
    point that was chosen; `hypervolume` is of the tier's front normalised to the bounds of
    the round's final population (reference point 1.1 per objective).
    """

    objectives: Mapping[str, float]
    batch_objectives: Mapping[str, float]
    front_size: int
    hypervolume: float
    optimiser_seconds: float
    seed: int
    algorithm: str
    generations: int
    stopped_by: StopReason
    chosen_by: Literal["asf", "knee", "only"]
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True)
class Placement:
    """A placed job: `nodes[0]` hosts the primary, `nodes[i]` replica i."""

    job: str
    uid: str
    tier: str
    nodes: tuple[str, ...]
    record: PlacementRecord


@dataclass(frozen=True)
class PendingJob:
    """A job left pending this round, with a message phrased for `kubectl describe`."""

    job: str
    uid: str
    tier: str
    reason: Literal["Unschedulable", "InsufficientCapacity", "UnknownTier"]
    message: str
    exclusions: tuple[Exclusion, ...] = ()


@dataclass(frozen=True)
class TierRound:
    """One tier's optimisation in a round; `front` holds the batch objective vectors.

    `feasible` is False when the search found no placement that fits (possible only when
    unseeded); the front is then MCT's placement alone.
    """

    tier: str
    jobs: int
    pods: int
    algorithm: str
    generations: int
    seconds: float
    budget_seconds: float
    stopped_by: StopReason
    feasible: bool
    front_size: int
    hypervolume: float
    seeds: Mapping[str, int]
    front: tuple[tuple[float, ...], ...]


@dataclass(frozen=True)
class RoundRecord:
    seed: int
    budget_seconds: float
    seconds: float
    objectives: tuple[str, ...]
    tiers: tuple[TierRound, ...]


@dataclass(frozen=True, eq=False)
class PopulationMemory:
    """The final populations of a round, kept to seed the next one.

    `assignments[i, j]` indexes `node_names` for pod `pod_keys[j]` in individual i. Keyed by
    pod and node names so it survives jobs and nodes coming and going between rounds.
    eq=False: it holds an array.
    """

    pod_keys: tuple[str, ...]
    node_names: tuple[str, ...]
    assignments: npt.NDArray[np.int32]


@dataclass(frozen=True, eq=False)
class RoundResult:
    placements: tuple[Placement, ...]
    pending: tuple[PendingJob, ...]
    record: RoundRecord
    population: PopulationMemory | None
