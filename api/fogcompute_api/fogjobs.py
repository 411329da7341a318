"""FogJob: a batch job the NSGA-II scheduler places on fog and edge nodes and runs as pods.

Users write the spec; the operator's FogJob controller writes the status (queueing, placement
record, attempts, ready counts). The CEL rules here are what the API server enforces before the
operator ever sees an object: the spec is immutable after creation except ``backoffLimit``,
``evictionLimit`` and ``deadline`` (which may only move later), which the controller re-reads on
its next decision. The pydantic validators repeat the cross-field checks for Python callers.
"""

from typing import Annotated, Any, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from fogcompute_api.conditions import Conditions
from fogcompute_api.meta import API_VERSION, KIND_FOGJOB
from fogcompute_api.objects import ObjectMeta
from fogcompute_api.primitives import (
    ApiModel,
    LabelKey,
    LabelValue,
    ObjectName,
    Quantity,
    Reason,
    Timestamp,
    cel,
    validations,
)

__all__ = [
    "Alternative",
    "Assignment",
    "Attempt",
    "ContainerSpec",
    "EnvVar",
    "Exclusion",
    "ExitCode",
    "FogJob",
    "FogJobPhase",
    "FogJobSpec",
    "FogJobStatus",
    "Objectives",
    "Placement",
    "ResourceRequest",
    "Tier",
]

Tier = Literal["platinum", "gold", "bronze"]
FogJobPhase = Literal["Pending", "Queued", "Scheduled", "Running", "Succeeded", "Failed"]
MAX_REPLICAS = 16

Arg = Annotated[str, Field(max_length=4096)]
# A container's exit code as the kubelet reports it (int32; 128 + n after signal n).
ExitCode = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def _immutable(path: str, fix: str = "delete the FogJob and create a new one") -> dict[str, Any]:
    return validations(
        cel(
            "self == oldSelf",
            f"{path} is immutable after creation; {fix}",
            reason="FieldValueForbidden",
        )
    )


class EnvVar(ApiModel):
    """One environment variable of the job's container."""

    name: Annotated[
        str, Field(min_length=1, max_length=256, pattern=r"^[-._a-zA-Z][-._a-zA-Z0-9]*$")
    ]
    value: Annotated[str, Field(max_length=4096)] = ""


class ContainerSpec(ApiModel):
    """What each replica runs."""

    image: Annotated[str, Field(min_length=1, max_length=512)] = Field(
        description="Container image reference."
    )
    command: tuple[Arg, ...] = Field(default=(), max_length=32, description="Entrypoint.")
    args: tuple[Arg, ...] = Field(default=(), max_length=64, description="Arguments.")
    env: tuple[EnvVar, ...] = Field(
        default=(),
        max_length=64,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    working_dir: Annotated[str, Field(max_length=1024)] | None = None


class ResourceRequest(ApiModel):
    """Requests (and limits) of one replica."""

    model_config = ConfigDict(
        json_schema_extra=validations(
            cel(
                "quantity(self.cpu).isGreaterThan(quantity('0'))",
                "spec.resources.cpu must be greater than 0; request at least 1m",
                field_path=".cpu",
            ),
            cel(
                "quantity(self.memory).isGreaterThan(quantity('0'))",
                "spec.resources.memory must be greater than 0; request at least 1Mi",
                field_path=".memory",
            ),
        )
    )

    cpu: Quantity = Field(default="100m", description="CPU per replica (Kubernetes quantity).")
    memory: Quantity = Field(default="128Mi", description="Memory per replica (quantity).")
    gpu: int = Field(default=0, ge=0, le=8, description="Whole GPUs per replica.")


class FogJobSpec(ApiModel):
    """What the user asks for. Immutable except backoffLimit, evictionLimit and deadline."""

    model_config = ConfigDict(
        json_schema_extra=validations(
            cel(
                "self.minAvailable <= self.replicas",
                "spec.minAvailable must be less than or equal to spec.replicas; lower minAvailable "
                "or raise replicas",
                field_path=".minAvailable",
            ),
            cel(
                "!(self.tier == 'platinum' && self.allowHarvested)",
                "spec.allowHarvested must be false for tier platinum (harvested devices can be "
                "reclaimed at any time); use tier gold or bronze, or set allowHarvested: false",
                field_path=".allowHarvested",
            ),
            cel(
                "has(self.nodeSelector) == has(oldSelf.nodeSelector) && "
                "(!has(self.nodeSelector) || self.nodeSelector == oldSelf.nodeSelector)",
                "spec.nodeSelector is immutable after creation; delete the FogJob and create "
                "a new one",
                field_path=".nodeSelector",
                reason="FieldValueForbidden",
            ),
            cel(
                "has(self.maxPendingSeconds) == has(oldSelf.maxPendingSeconds) && "
                "(!has(self.maxPendingSeconds) || "
                "self.maxPendingSeconds == oldSelf.maxPendingSeconds)",
                "spec.maxPendingSeconds is immutable after creation; delete the FogJob and create "
                "a new one",
                field_path=".maxPendingSeconds",
                reason="FieldValueForbidden",
            ),
        )
    )

    tier: Tier = Field(
        default="bronze",
        description="SLA tier: its weights pick the placement; its rules bound pending time.",
        json_schema_extra=_immutable("spec.tier"),
    )
    container: ContainerSpec = Field(
        description="The container every replica runs.",
        json_schema_extra=_immutable("spec.container"),
    )
    resources: ResourceRequest = Field(
        default=ResourceRequest(),
        description="Requests and limits of each replica.",
        json_schema_extra=_immutable("spec.resources"),
    )
    replicas: int = Field(
        default=1,
        ge=1,
        le=MAX_REPLICAS,
        description="Pods to run: replica 0 is the primary, the others are redundant copies "
        "placed on distinct nodes.",
        json_schema_extra=_immutable("spec.replicas"),
    )
    min_available: int = Field(
        default=1,
        ge=1,
        le=MAX_REPLICAS,
        description="Ready replicas needed for the job to count as Ready (<= replicas).",
        json_schema_extra=_immutable("spec.minAvailable"),
    )
    backoff_limit: int = Field(
        default=3, ge=0, le=20, description="Failed attempts retried before the job fails."
    )
    eviction_limit: int = Field(
        default=5,
        ge=0,
        le=50,
        description="Evictions (device stopped being harvestable) re-placed before the job fails; "
        "they do not count against backoffLimit.",
    )
    deadline: Timestamp | None = Field(
        default=None,
        description="The job fails with DeadlineExceeded if not complete by then; "
        "may only move later.",
        json_schema_extra=validations(
            cel(
                "self >= oldSelf",
                "spec.deadline may only be moved later, not earlier; set a time at or after the "
                "current deadline",
            )
        ),
    )
    estimated_seconds: int | None = Field(
        default=None,
        ge=1,
        le=604800,
        description="Expected runtime of one replica on a reference core, in seconds; the "
        "scheduler's makespan objective and deadline check use it (60 when unset).",
        json_schema_extra=_immutable("spec.estimatedSeconds"),
    )
    max_pending_seconds: int | None = Field(
        default=None,
        ge=1,
        le=86400,
        description="Overrides the tier's maximum pending time.",
    )
    node_selector: dict[LabelKey, LabelValue] = Field(
        default_factory=dict, max_length=16, description="Node labels a placement must match."
    )
    allow_harvested: bool = Field(
        default=False,
        description="Whether harvested edge devices may run the job (never for platinum).",
        json_schema_extra=_immutable("spec.allowHarvested"),
    )

    @model_validator(mode="after")
    def _cross_field(self) -> Self:
        if self.min_available > self.replicas:
            msg = (
                f"spec.minAvailable ({self.min_available}) must be less than or equal to "
                f"spec.replicas ({self.replicas})"
            )
            raise ValueError(msg)
        if self.tier == "platinum" and self.allow_harvested:
            raise ValueError("spec.allowHarvested must be false for tier platinum")
        return self


class Assignment(ApiModel):
    """One replica bound to one node."""

    replica: int = Field(ge=0, le=MAX_REPLICAS - 1)
    node: ObjectName
    role: Literal["Primary", "Replica"]
    harvested: bool = Field(default=False, description="The node is a harvested edge device.")


class Objectives(ApiModel):
    """Objective values of one placement (lower is better, except reliability)."""

    latency_ms: float = Field(ge=0)
    energy_joules: float = Field(ge=0)
    cost: float = Field(ge=0, description="Price of the placement in base token units.")
    makespan_seconds: float = Field(ge=0)
    reliability: float | None = Field(default=None, ge=0, le=1)


class Alternative(ApiModel):
    """A runner-up placement from the same Pareto front."""

    nodes: tuple[ObjectName, ...] = Field(max_length=MAX_REPLICAS)
    objectives: Objectives


class Placement(ApiModel):
    """The scheduler's record of how this job was placed."""

    assignments: tuple[Assignment, ...] = Field(max_length=MAX_REPLICAS)
    objectives: Objectives
    algorithm: Literal["NSGA2", "NSGA3", "Greedy"]
    front_size: int = Field(ge=0, le=1_000_000)
    hypervolume: float | None = Field(default=None, ge=0)
    optimizer_seconds: float = Field(ge=0)
    seed: int = Field(ge=0, le=2**53 - 1)
    scheduling_round: int = Field(default=0, ge=0)
    alternatives: tuple[Alternative, ...] = Field(default=(), max_length=2)
    placed_time: Timestamp | None = None


class Attempt(ApiModel):
    """One run of the job's pods, and how it ended."""

    number: int = Field(ge=1, le=10_000)
    outcome: Literal["Running", "Succeeded", "Failed", "Evicted", "DeadlineExceeded"]
    reason: Reason | None = None
    message: Annotated[str, Field(max_length=1024)] = ""
    nodes: tuple[ObjectName, ...] = Field(default=(), max_length=MAX_REPLICAS)
    start_time: Timestamp | None = None
    end_time: Timestamp | None = None
    exit_code: ExitCode | None = Field(
        default=None,
        description="Exit code of the container that ended the attempt, as its pod reports it "
        "(state.terminated.exitCode): the failed pod's when it Failed, 0 when it Succeeded; "
        "absent when no container exit ended it (still running, a deadline, a pod deleted).",
    )


class Exclusion(ApiModel):
    """Why a node could not take the job (capacity, not harvestable, selector, taint, tier)."""

    node: ObjectName
    reason: Reason
    message: Annotated[str, Field(max_length=1024)] = ""


class FogJobStatus(ApiModel):
    """What the FogJob controller observed and decided; written once per reconcile."""

    phase: FogJobPhase | None = None
    conditions: Conditions = ()
    observed_generation: int | None = Field(default=None, ge=0)
    replicas: int = Field(default=0, ge=0, le=MAX_REPLICAS)
    ready_replicas: int = Field(default=0, ge=0, le=MAX_REPLICAS)
    ready_text: Annotated[str, Field(max_length=8, pattern=r"^[0-9]{1,2}/[0-9]{1,2}$")] | None = (
        Field(default=None, description="readyReplicas/replicas for the printer column.")
    )
    nodes_text: Annotated[str, Field(max_length=4096)] | None = Field(
        default=None, description="Comma-separated nodes of the current attempt (printer column)."
    )
    placement: Placement | None = None
    attempts: tuple[Attempt, ...] = Field(
        default=(), max_length=32, description="Most recent attempts, oldest dropped first."
    )
    failures: int = Field(default=0, ge=0, le=10_000, description="Counted against backoffLimit.")
    evictions: int = Field(default=0, ge=0, le=10_000, description="Counted against evictionLimit.")
    pending_reason: Annotated[str, Field(max_length=1024)] | None = None
    exclusions: tuple[Exclusion, ...] = Field(default=(), max_length=64)
    queued_time: Timestamp | None = None
    start_time: Timestamp | None = None
    completion_time: Timestamp | None = None
    next_retry_time: Timestamp | None = None
    last_exit_code: ExitCode | None = Field(
        default=None,
        description="exitCode of the newest attempt that recorded one (printer column).",
    )


class FogJob(ApiModel):
    """A FogJob as the API server returns it."""

    api_version: Literal["fogcompute.io/v1alpha1"] = API_VERSION
    kind: Literal["FogJob"] = KIND_FOGJOB
    metadata: ObjectMeta = ObjectMeta()
    spec: FogJobSpec
    status: FogJobStatus | None = None
