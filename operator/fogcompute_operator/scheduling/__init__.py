"""The FogJob scheduling library: filter, seed, optimise (NSGA-II/III), choose, record.

Pure Python, numpy and pymoo; no kopf, no Kubernetes client. The FogJob controller builds the
input values (models), calls `schedule_round_in_pool` once per round and writes the returned
placements and pending reasons into status. Modules, in flow order: filtering, encoding,
objectives, repairing (a job's pods on distinct nodes), seeding, optimising, choosing,
recording, rounds; tiers holds the SLA defaults.
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
from fogcompute_operator.scheduling.rounds import (
    make_pool,
    schedule_round,
    schedule_round_in_pool,
)
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
]
