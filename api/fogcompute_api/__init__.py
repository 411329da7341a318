"""fog-compute's resource models: the one source of truth for the CRDs in ``crds/``.

Bottom layer of the platform: the operator, the agents and the tests import kinds, conditions and
constants from here; this package imports nothing of ours and never talks to a cluster.

Names are imported on first use (PEP 562): ``import fogcompute_api.meta`` costs no pydantic,
which keeps the edge agent's memory in budget; ``from fogcompute_api import FogJob`` works as
before and mypy sees the imports below.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_WHERE = {
    "API_VERSION": "meta",
    "CATEGORY": "meta",
    "FINALIZER": "meta",
    "GROUP": "meta",
    "PARAMETER_FORMATS": "proposals",
    "PLURAL_CIRCUITS": "meta",
    "PLURAL_EDGEDEVICES": "meta",
    "PLURAL_FOGJOBS": "meta",
    "PLURAL_MIXNODES": "meta",
    "PLURAL_PROPOSALS": "meta",
    "PLURAL_STAKES": "meta",
    "PREFIX": "meta",
    "RESOURCES": "kinds",
    "TOKEN_PATTERN": "meta",
    "VERSION": "meta",
    "Assignment": "fogjobs",
    "Attempt": "fogjobs",
    "BlePeripheral": "edgedevices",
    "Circuit": "circuits",
    "CircuitSpec": "circuits",
    "CircuitStatus": "circuits",
    "Condition": "conditions",
    "ConditionStatus": "conditions",
    "EdgeDevice": "edgedevices",
    "EdgeDeviceSpec": "edgedevices",
    "EdgeDeviceStatus": "edgedevices",
    "EpochKey": "mixnodes",
    "FogJob": "fogjobs",
    "FogJobPhase": "fogjobs",
    "FogJobSpec": "fogjobs",
    "FogJobStatus": "fogjobs",
    "HarvestPolicy": "edgedevices",
    "Hop": "circuits",
    "MixNode": "mixnodes",
    "MixNodeSpec": "mixnodes",
    "MixNodeStatus": "mixnodes",
    "ObjectMeta": "objects",
    "OwnerReference": "objects",
    "ParameterChange": "proposals",
    "Placement": "fogjobs",
    "PrinterColumn": "kinds",
    "Proposal": "proposals",
    "ProposalSpec": "proposals",
    "ProposalStatus": "proposals",
    "ResourceKind": "kinds",
    "Stake": "stakes",
    "StakeSpec": "stakes",
    "StakeStatus": "stakes",
    "StakeTarget": "stakes",
    "Tally": "proposals",
    "Tier": "fogjobs",
    "Vote": "stakes",
    "VoteOption": "stakes",
    "VrfProof": "circuits",
    "find_condition": "conditions",
    "is_condition_true": "conditions",
    "remove_condition": "conditions",
    "resource_kind": "kinds",
    "set_condition": "conditions",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value
