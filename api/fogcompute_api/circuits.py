"""Circuit: a route of 3 to 5 mixnodes, one per layer, chosen by a verifiable random function.

A user (or the operator on a client's behalf) writes the spec; the operator's circuit service
picks the path from the MixNode directory with an ECVRF (RFC 9381, edwards25519) keyed by the
operator and writes path, input, proof and output in the status so that anyone can check the
choice was not biased. The spec is immutable: a different route is a new Circuit.
"""

from typing import Annotated, Literal, Self

from pydantic import ConfigDict, Field, model_validator

from fogcompute_api.conditions import Conditions
from fogcompute_api.meta import API_VERSION, KIND_CIRCUIT
from fogcompute_api.mixnodes import MAX_LAYERS
from fogcompute_api.objects import ObjectMeta
from fogcompute_api.primitives import (
    ApiModel,
    HexKey,
    HexOutput,
    HexProof,
    ObjectName,
    Timestamp,
    cel,
    validations,
)

__all__ = [
    "MAX_HOPS",
    "MIN_HOPS",
    "Circuit",
    "CircuitPhase",
    "CircuitSpec",
    "CircuitStatus",
    "Hop",
    "VrfProof",
]

MIN_HOPS = 3
MAX_HOPS = MAX_LAYERS
CircuitPhase = Literal["Pending", "Established", "Failed", "Expired"]


class CircuitSpec(ApiModel):
    """What route is wanted. Immutable after creation."""

    model_config = ConfigDict(
        json_schema_extra=validations(
            cel(
                "self == oldSelf",
                "spec of a Circuit is immutable (hops, minReliability, excludeNodes, exitNode, "
                "ttlSeconds); delete the Circuit and create a new one",
                reason="FieldValueForbidden",
            ),
            cel(
                "!has(self.exitNode) || !has(self.excludeNodes) || "
                "!(self.exitNode in self.excludeNodes)",
                "spec.exitNode must not be listed in spec.excludeNodes; remove it from one of them",
                field_path=".exitNode",
            ),
        )
    )

    hops: int = Field(
        default=MIN_HOPS,
        ge=MIN_HOPS,
        le=MAX_HOPS,
        description="Mixnodes in the route, one per layer: 3 to 5.",
        json_schema_extra=validations(
            cel(
                "self == oldSelf",
                "spec.hops is immutable; create a new Circuit for a different number of hops",
                reason="FieldValueForbidden",
            )
        ),
    )
    min_reliability: float = Field(
        default=0.0, ge=0, le=1, description="Only mixnodes at least this reliable are eligible."
    )
    exclude_nodes: tuple[ObjectName, ...] = Field(
        default=(),
        max_length=16,
        description="MixNodes that must not be on the route.",
        json_schema_extra={"x-kubernetes-list-type": "set"},
    )
    exit_node: ObjectName | None = Field(default=None, description="Pin the last hop's MixNode.")
    ttl_seconds: int = Field(
        default=600,
        ge=60,
        le=86400,
        description="The circuit expires this long after it is set up.",
    )

    @model_validator(mode="after")
    def _exit_not_excluded(self) -> Self:
        if self.exit_node is not None and self.exit_node in self.exclude_nodes:
            raise ValueError("spec.exitNode must not be listed in spec.excludeNodes")
        return self


class Hop(ApiModel):
    """One mixnode of the route."""

    layer: int = Field(ge=0, le=MAX_LAYERS - 1)
    mix_node: ObjectName
    address: Annotated[str, Field(max_length=261)]
    public_key: HexKey = Field(description="The node's key for the circuit's epoch.")


class VrfProof(ApiModel):
    """ECVRF-EDWARDS25519-SHA512-TAI proof that the path came from this input."""

    public_key: HexKey = Field(description="The operator's VRF public key.")
    alpha: Annotated[str, Field(min_length=2, max_length=256, pattern=r"^([0-9a-f]{2})+$")] = Field(
        description="The VRF input (hex): circuit uid, epoch and directory digest."
    )
    proof: HexProof
    output: HexOutput = Field(description="beta: the VRF output the path was drawn from.")


class CircuitStatus(ApiModel):
    """The chosen route and the proof it was chosen fairly."""

    model_config = ConfigDict(
        json_schema_extra=validations(
            cel(
                "!has(self.path) || self.path.all(h, self.path.exists_one(g, g.layer == h.layer))",
                "status.path must hold exactly one hop per layer; remove the duplicate layer",
                field_path=".path",
            )
        )
    )

    phase: CircuitPhase | None = None
    epoch: int | None = Field(default=None, ge=0, le=2**53 - 1)
    path: tuple[Hop, ...] = Field(default=(), max_length=MAX_HOPS)
    vrf: VrfProof | None = None
    established_time: Timestamp | None = None
    expires_time: Timestamp | None = None
    conditions: Conditions = ()
    observed_generation: int | None = Field(default=None, ge=0)


ROOT_VALIDATIONS = (
    cel(
        "!has(self.status) || !has(self.status.path) || size(self.status.path) == 0 || "
        "size(self.status.path) == self.spec.hops",
        "status.path must have exactly spec.hops hops",
    ),
    cel(
        "!has(self.status) || !has(self.status.path) || "
        "self.status.path.all(h, h.layer < self.spec.hops)",
        "status.path[].layer must be less than spec.hops; number layers 0 to hops-1",
    ),
)
"""Rules across spec and status, placed at the root of the Circuit schema."""


class Circuit(ApiModel):
    """A Circuit as the API server returns it."""

    api_version: Literal["fogcompute.io/v1alpha1"] = API_VERSION
    kind: Literal["Circuit"] = KIND_CIRCUIT
    metadata: ObjectMeta = ObjectMeta()
    spec: CircuitSpec
    status: CircuitStatus | None = None

    @model_validator(mode="after")
    def _path_matches_hops(self) -> Self:
        path = self.status.path if self.status is not None else ()
        if path and len(path) != self.spec.hops:
            raise ValueError(f"status.path has {len(path)} hops but spec.hops is {self.spec.hops}")
        if len({h.layer for h in path}) != len(path) or any(
            h.layer >= self.spec.hops for h in path
        ):
            raise ValueError("status.path must hold one hop per layer 0..hops-1")
        return self
