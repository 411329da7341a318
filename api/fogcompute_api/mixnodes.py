"""MixNode: one Sphinx mixnode hosted by an edge agent, as the mixnet directory sees it.

The operator writes the spec (which node hosts it, which layer it serves); the agent on that node
writes the status (address, public keys per epoch, packet counters) and the operator adds the
measured reliability and the stake behind the node, which path selection and rewards read.
Private keys never appear here: they stay on the node.
"""

from typing import Annotated, Literal

from pydantic import Field

from fogcompute_api.conditions import Conditions
from fogcompute_api.meta import API_VERSION, KIND_MIXNODE
from fogcompute_api.objects import ObjectMeta
from fogcompute_api.primitives import (
    ApiModel,
    HexKey,
    ObjectName,
    Timestamp,
    TokenAmount,
    cel,
    validations,
)

__all__ = [
    "MAX_LAYERS",
    "DropCounters",
    "EpochKey",
    "Measurement",
    "MixCounters",
    "MixNode",
    "MixNodeSpec",
    "MixNodeStatus",
    "ReliabilityBucket",
    "ReliabilityWindow",
]

MAX_LAYERS = 5
Counter = Annotated[int, Field(ge=0, le=2**53 - 1)]


class MixNodeSpec(ApiModel):
    """Where the mixnode runs and which layer it serves."""

    node_name: ObjectName = Field(
        description="The Kubernetes Node whose edge agent hosts this mixnode.",
        json_schema_extra=validations(
            cel(
                "self == oldSelf",
                "spec.nodeName is immutable; delete the MixNode and create one on the other node",
                reason="FieldValueForbidden",
            )
        ),
    )
    layer: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LAYERS - 1,
        description="Mix layer, 0 (entry) to 4; unset: the operator assigns one (status.layer).",
    )
    enabled: bool = Field(default=True, description="Set false to take the node out of paths.")


class EpochKey(ApiModel):
    """The X25519 public key a node uses in one key epoch."""

    epoch: int = Field(ge=0, le=2**53 - 1)
    public_key: HexKey
    not_after: Timestamp | None = None


class DropCounters(ApiModel):
    """Dropped packets by reason since the node started."""

    bad_mac: Counter = 0
    replay: Counter = 0
    unknown_epoch: Counter = 0
    malformed: Counter = 0
    queue_full: Counter = 0
    expired: Counter = 0


class MixCounters(ApiModel):
    """Packet counters since the node started."""

    received: Counter = 0
    forwarded: Counter = 0
    delivered: Counter = 0
    cover_sent: Counter = 0
    dropped: DropCounters = DropCounters()


class ReliabilityBucket(ApiModel):
    """Measurement outcomes that became known within one bucket of the window."""

    index: int = Field(ge=0, le=2**53 - 1, description="floor(unix seconds / bucketSeconds).")
    ok: Counter = Field(description="Packets back within the deadline.")
    lost: Counter = Field(description="Packets lost or back too late.")


class ReliabilityWindow(ApiModel):
    """The measurement window behind status.reliability, kept so a restart does not lose it."""

    bucket_seconds: float = Field(gt=0, le=86400)
    buckets: tuple[ReliabilityBucket, ...] = Field(default=(), max_length=1001)
    unknown_returns: Counter = Field(default=0, description="Returns of packets never sent.")
    lower: float = Field(ge=0, le=1, description="Lower end of the 95 % Wilson interval.")
    upper: float = Field(ge=0, le=1, description="Upper end of the 95 % Wilson interval.")
    samples: Counter = Field(description="Outcomes in the window.")


class Measurement(ApiModel):
    """Outcomes of this node's agent's measurement packets through one MixNode, since it started.

    Each packet goes through ``mixNode`` and back through this node to the agent; the operator's
    reliability monitor adds every agent's new outcomes into ``mixNode``'s window.
    """

    mix_node: ObjectName
    ok: Counter = Field(description="Packets back within the deadline.")
    lost: Counter = Field(description="Packets not back within the deadline.")


class MixNodeStatus(ApiModel):
    """What the agent publishes and the operator measures."""

    address: (
        Annotated[
            str,
            Field(max_length=261, pattern=r"^[^\s:]+:[0-9]{1,5}$|^\[[0-9a-fA-F:.]+\]:[0-9]{1,5}$"),
        ]
        | None
    ) = Field(default=None, description="host:port the node receives packets on (UDP).")
    identity_key: HexKey | None = Field(
        default=None, description="Long-term Ed25519 public key of the node."
    )
    layer: int | None = Field(
        default=None,
        ge=0,
        le=MAX_LAYERS - 1,
        description="The layer the node serves: spec.layer, or the one the operator assigned.",
    )
    workers: int | None = Field(
        default=None, ge=1, le=1024, description="Worker processes the node runs."
    )
    health: Annotated[str, Field(max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9]*$")] | None = Field(
        default=None, description="The agent's word on its mixnode: Serving, Down, ..."
    )
    epoch: int | None = Field(default=None, ge=0, le=2**53 - 1, description="Current key epoch.")
    keys: tuple[EpochKey, ...] = Field(
        default=(),
        max_length=4,
        description="Public keys per epoch: the current and the next, maybe the previous.",
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["epoch"],
        },
    )
    counters: MixCounters | None = None
    measurements: tuple[Measurement, ...] = Field(
        default=(),
        max_length=256,
        description="The hosting agent's measurement outcomes per MixNode (cumulative).",
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["mixNode"],
        },
    )
    reliability: float | None = Field(default=None, ge=0, le=1)
    reliability_window: ReliabilityWindow | None = Field(
        default=None, description="The measurements status.reliability is estimated from."
    )
    stake: TokenAmount | None = Field(default=None, description="Tokens bonded behind the node.")
    last_heartbeat: Timestamp | None = None
    conditions: Conditions = ()
    observed_generation: int | None = Field(default=None, ge=0)


class MixNode(ApiModel):
    """A MixNode as the API server returns it."""

    api_version: Literal["fogcompute.io/v1alpha1"] = API_VERSION
    kind: Literal["MixNode"] = KIND_MIXNODE
    metadata: ObjectMeta = ObjectMeta()
    spec: MixNodeSpec
    status: MixNodeStatus | None = None
