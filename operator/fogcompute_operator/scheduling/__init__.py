"""The FogJob scheduling library: filter, seed, optimise (NSGA-II/III), choose, record.

This package's public surface is the pure library: Python, numpy and pymoo; no kopf, no
Kubernetes client. Modules, in flow order: filtering, encoding, objectives, repairing (a job's
pods on distinct nodes), seeding, optimising, choosing, recording, rounds; tiers holds the SLA
defaults; pooling is the process pool rounds run in (workers die with the operator).

The scheduler component sits beside it, imported by module and not re-exported here (the
pool's workers import this package and need none of it): ``batching`` (the ``Scheduler``: a
batch of waiting jobs per round, fed by the runtime's informers, never writing to the API),
``snapshots`` (informer bodies -> ``NodeSnapshot``), ``heartbeats`` (when an EdgeDevice's agent
is silent) and ``metering`` (its metrics).
"""

from fogcompute_operator.scheduling.filtering import (
    Candidates,
    exclusion_for,
    filter_candidates,
    pending_message,
)
from fogcompute_operator.scheduling.models import (
    ALL_OBJECTIVES,
    EdgeReadings,
    JobRequest,
    NodeSnapshot,
    Objective,
    OptimiserSettings,
    Taint,
    Tier,
    Toleration,
    Weights,
)
from fogcompute_operator.scheduling.objectives import score_placement
from fogcompute_operator.scheduling.pooling import SchedulingPool, make_pool, warm_up
from fogcompute_operator.scheduling.records import (
    Alternative,
    Exclusion,
    ExclusionKind,
    PendingJob,
    Placement,
    PlacementRecord,
    PopulationMemory,
    RoundRecord,
    RoundResult,
    TierRound,
)
from fogcompute_operator.scheduling.rounds import schedule_round, schedule_round_in_pool
from fogcompute_operator.scheduling.tiers import (
    BRONZE,
    DEFAULT_TIERS,
    GOLD,
    PLATINUM,
    configure_tiers,
)

__all__ = [
    "ALL_OBJECTIVES",
    "BRONZE",
    "DEFAULT_TIERS",
    "GOLD",
    "PLATINUM",
    "Alternative",
    "Candidates",
    "EdgeReadings",
    "Exclusion",
    "ExclusionKind",
    "JobRequest",
    "NodeSnapshot",
    "Objective",
    "OptimiserSettings",
    "PendingJob",
    "Placement",
    "PlacementRecord",
    "PopulationMemory",
    "RoundRecord",
    "RoundResult",
    "SchedulingPool",
    "Taint",
    "Tier",
    "TierRound",
    "Toleration",
    "Weights",
    "configure_tiers",
    "exclusion_for",
    "filter_candidates",
    "make_pool",
    "pending_message",
    "schedule_round",
    "schedule_round_in_pool",
    "score_placement",
    "warm_up",
]
