"""Input values of a scheduling round: jobs, nodes, tiers and the objectives they are judged by.

Sits at the very start of the flow: the FogJob controller turns FogJobs, Nodes and EdgeDevices
into these frozen values, hands them to `rounds.schedule_round`, and nothing below ever reaches
back to Kubernetes. Everything here must stay picklable (the round runs in a process pool), so
no callables, no open resources, no MappingProxyType.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Objective(StrEnum):
    """What a placement is judged by; every objective is minimised."""

    LATENCY = "latency"  # mean network latency of the job's pods to their node, ms
    ENERGY = "energy"  # joules spent running the work
    COST = "cost"  # price of the cpu-seconds bought
    MAKESPAN = "makespan"  # seconds until the busiest node finishes its share of the batch
    UNRELIABILITY = "unreliability"  # mean (1 - reliability) of the chosen nodes


ALL_OBJECTIVES: tuple[Objective, ...] = tuple(Objective)


TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]


@dataclass(frozen=True)
class Taint:
    """A node taint, as in `Node.spec.taints`."""

    key: str
    value: str = ""
    effect: TaintEffect = "NoSchedule"

    def __str__(self) -> str:
        value = f"={self.value}" if self.value else ""
        return f"{self.key}{value}:{self.effect}"


@dataclass(frozen=True)
class Toleration:
    """A pod toleration; `effect=None` tolerates every effect, `Exists` ignores the value."""

    key: str
    operator: Literal["Equal", "Exists"] = "Equal"
    value: str = ""
    effect: TaintEffect | None = None

    def tolerates(self, taint: Taint) -> bool:
        if self.key != taint.key or self.effect not in (None, taint.effect):
            return False
        return self.operator == "Exists" or self.value == taint.value


@dataclass(frozen=True)
class EdgeReadings:
    """What an EdgeDevice's status says about a harvested device right now.

    A node with readings is a harvested (volunteer) device; a node without is an ordinary fog
    node. Unknown readings stay None: the library never invents them.
    """

    harvestable: bool
    not_harvestable_reason: str = ""  # e.g. "OnBattery", "TooHot", "UserActive"
    on_ac_power: bool | None = None
    temperature_c: float | None = None


@dataclass(frozen=True)
class NodeSnapshot:
    """One node as the round sees it: free capacity (allocatable minus what is already placed)
    and the figures the objectives are computed from."""

    name: str
    cpu_millis: int
    memory_bytes: int
    gpu: int = 0
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: tuple[Taint, ...] = ()
    edge: EdgeReadings | None = None
    latency_ms: float = 10.0
    energy_per_cpu_second: float = 10.0  # joules
    price_per_cpu_second: float = 0.0001
    reliability: float = 0.99  # probability the node keeps the pod to the end, 0..1
    speed: float = 1.0  # cpu speed factor relative to the reference core

    @property
    def harvested(self) -> bool:
        return self.edge is not None


@dataclass(frozen=True)
class JobRequest:
    """A pending FogJob reduced to what placement needs.

    `replicas` counts the pods beyond the primary: a job runs `1 + replicas` pods, slot 0 is the
    primary. Requests are per pod. `estimated_seconds` is the runtime of one pod on a
    speed-1.0 core; `seconds_to_deadline` is measured from the snapshot (None: no deadline).
    """

    name: str  # "namespace/name"
    uid: str
    cpu_millis: int
    memory_bytes: int
    gpu: int = 0
    replicas: int = 0
    tier: str = "gold"
    estimated_seconds: float = 60.0
    seconds_to_deadline: float | None = None
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Toleration, ...] = ()
    allow_harvested: bool = True

    @property
    def pod_count(self) -> int:
        return 1 + self.replicas

    def pod_key(self, slot: int) -> str:
        return f"{self.uid}/{slot}"


@dataclass(frozen=True)
class Weights:
    """How much a tier cares about each objective; only the ratios matter.

    `max_makespan_ratio` bounds the choice before the weights rank it: only points of the front
    whose makespan is at most that multiple of the front's best makespan are eligible (None: no
    bound). Normalised weights alone cannot promise that: on a wide front a tenth of the
    makespan's range can be twice its best value.
    """

    latency: float = 1.0
    energy: float = 1.0
    cost: float = 1.0
    makespan: float = 1.0
    unreliability: float = 1.0
    max_makespan_ratio: float | None = None

    def __post_init__(self) -> None:
        bound = self.max_makespan_ratio
        if bound is not None and not bound >= 1.0:
            raise ValueError(
                f"weights.max_makespan_ratio must be >= 1 (a multiple of the best makespan) or "
                f"unset, got {bound}"
            )

    def of(self, objective: Objective) -> float:
        value: float = getattr(self, objective.value)
        return value


@dataclass(frozen=True)
class Tier:
    """An SLA tier. `weights=None` means no preference: the knee of the front is chosen."""

    name: str
    priority: int
    weights: Weights | None = None
    max_pending_seconds: float = 600.0
    preemptible: bool = False
    allow_harvested: bool = True
    min_reliability: float = 0.0


@dataclass(frozen=True)
class OptimiserSettings:
    """Knobs of the search. `seeded=False` and `algorithm` exist for benchmarks and ablations;
    `max_generations` makes a run deterministic for a seed (time stops are not)."""

    pop_size: int = 100
    max_generations: int | None = None
    seeded: bool = True
    algorithm: Literal["auto", "nsga2", "nsga3"] = "auto"
    objectives: tuple[Objective, ...] = ALL_OBJECTIVES
