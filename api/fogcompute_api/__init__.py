"""fog-compute's resource models: the one source of truth for the CRDs in ``crds/``.

Bottom layer of the platform: the operator, the agents and the tests import kinds, conditions and
constants from here; this package imports nothing of ours and never talks to a cluster.
"""

from fogcompute_api.circuits import Circuit, CircuitSpec, CircuitStatus, Hop, VrfProof
from fogcompute_api.conditions import (
    Condition,
    ConditionStatus,
    find_condition,
    is_condition_true,
    remove_condition,
    set_condition,
)
from fogcompute_api.edgedevices import (
    BlePeripheral,
    EdgeDevice,
    EdgeDeviceSpec,
    EdgeDeviceStatus,
    HarvestPolicy,
)
from fogcompute_api.fogjobs import (
    Assignment,
    Attempt,
    FogJob,
    FogJobPhase,
    FogJobSpec,
    FogJobStatus,
    Placement,
    Tier,
)
from fogcompute_api.kinds import RESOURCES, PrinterColumn, ResourceKind, resource_kind
from fogcompute_api.meta import (
    API_VERSION,
    CATEGORY,
    FINALIZER,
    GROUP,
    PLURAL_CIRCUITS,
    PLURAL_EDGEDEVICES,
    PLURAL_FOGJOBS,
    PLURAL_MIXNODES,
    PLURAL_PROPOSALS,
    PLURAL_STAKES,
    PREFIX,
    TOKEN_PATTERN,
    VERSION,
)
from fogcompute_api.mixnodes import EpochKey, MixNode, MixNodeSpec, MixNodeStatus
from fogcompute_api.objects import ObjectMeta, OwnerReference
from fogcompute_api.proposals import (
    PARAMETER_FORMATS,
    ParameterChange,
    Proposal,
    ProposalSpec,
    ProposalStatus,
    Tally,
)
from fogcompute_api.stakes import Stake, StakeSpec, StakeStatus, StakeTarget, Vote, VoteOption

__all__ = [
    "API_VERSION",
    "CATEGORY",
    "FINALIZER",
    "GROUP",
    "PARAMETER_FORMATS",
    "PLURAL_CIRCUITS",
    "PLURAL_EDGEDEVICES",
    "PLURAL_FOGJOBS",
    "PLURAL_MIXNODES",
    "PLURAL_PROPOSALS",
    "PLURAL_STAKES",
    "PREFIX",
    "RESOURCES",
    "TOKEN_PATTERN",
    "VERSION",
    "Assignment",
    "Attempt",
    "BlePeripheral",
    "Circuit",
    "CircuitSpec",
    "CircuitStatus",
    "Condition",
    "ConditionStatus",
    "EdgeDevice",
    "EdgeDeviceSpec",
    "EdgeDeviceStatus",
    "EpochKey",
    "FogJob",
    "FogJobPhase",
    "FogJobSpec",
    "FogJobStatus",
    "HarvestPolicy",
    "Hop",
    "MixNode",
    "MixNodeSpec",
    "MixNodeStatus",
    "ObjectMeta",
    "OwnerReference",
    "ParameterChange",
    "Placement",
    "PrinterColumn",
    "Proposal",
    "ProposalSpec",
    "ProposalStatus",
    "ResourceKind",
    "Stake",
    "StakeSpec",
    "StakeStatus",
    "StakeTarget",
    "Tally",
    "Tier",
    "Vote",
    "VoteOption",
    "VrfProof",
    "find_condition",
    "is_condition_true",
    "remove_condition",
    "resource_kind",
    "set_condition",
]
