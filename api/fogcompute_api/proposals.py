"""Proposal: a governance proposal to change whitelisted platform parameters.

A proposer writes the spec (title, deposit, parameter changes); stakers vote through their own
Stake; the operator's governance service opens voting, tallies stake-weighted votes Cosmos-style
and, if it passes, applies the changes, recording each step in status. The whitelist below is the
closed set of parameters governance may touch, each with the format its value must have
(``scheduler.tierWeights.<tier>.<objective>``: the SLA tiers' weights, read by the scheduler at
each round). The spec is immutable once submitted.
"""

import re
from types import MappingProxyType
from typing import Annotated, Literal, Self, get_args

from pydantic import ConfigDict, Field, model_validator

from fogcompute_api.conditions import Conditions
from fogcompute_api.meta import API_VERSION, KIND_PROPOSAL, TOKEN_PATTERN
from fogcompute_api.objects import ObjectMeta
from fogcompute_api.primitives import (
    AccountName,
    ApiModel,
    Timestamp,
    TokenAmount,
    cel,
    validations,
)

__all__ = [
    "PARAMETER_FORMATS",
    "TIER_WEIGHTS_PREFIX",
    "VALUE_PATTERNS",
    "Parameter",
    "ParameterChange",
    "Proposal",
    "ProposalPhase",
    "ProposalSpec",
    "ProposalStatus",
    "Tally",
]

Parameter = Literal[
    "staking.minimumStake",
    "staking.unbondingPeriodSeconds",
    "slashing.downtimeFraction",
    "slashing.jailSeconds",
    "rewards.mixingPoolPerEpoch",
    "rewards.computePoolPerEpoch",
    "rewards.computeRatePerCpuSecond",
    "governance.minDeposit",
    "governance.votingPeriodSeconds",
    "governance.quorum",
    "governance.threshold",
    "governance.vetoThreshold",
    "mixnet.minimumReliability",
    "scheduler.tierWeights.platinum.latency",
    "scheduler.tierWeights.platinum.energy",
    "scheduler.tierWeights.platinum.cost",
    "scheduler.tierWeights.platinum.makespan",
    "scheduler.tierWeights.platinum.unreliability",
    "scheduler.tierWeights.gold.latency",
    "scheduler.tierWeights.gold.energy",
    "scheduler.tierWeights.gold.cost",
    "scheduler.tierWeights.gold.makespan",
    "scheduler.tierWeights.gold.unreliability",
    "scheduler.tierWeights.bronze.latency",
    "scheduler.tierWeights.bronze.energy",
    "scheduler.tierWeights.bronze.cost",
    "scheduler.tierWeights.bronze.makespan",
    "scheduler.tierWeights.bronze.unreliability",
]
ValueFormat = Literal["token", "fraction", "integer", "weight"]
VALUE_PATTERNS: MappingProxyType[str, str] = MappingProxyType(
    {
        "token": TOKEN_PATTERN,
        "fraction": r"^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$",
        "integer": r"^[1-9][0-9]{0,9}$",
        # a tier's weight for one objective: 0 to 999.999 (only ratios matter, see the
        # scheduler's tiers); the operator refuses a change leaving a tier with every weight 0
        "weight": r"^(0|[1-9][0-9]{0,2})(\.[0-9]{1,3})?$",
    }
)


TIER_WEIGHTS_PREFIX = "scheduler.tierWeights."
"""``scheduler.tierWeights.<tier>.<objective>``: one SLA tier's weight for one objective."""


def _format_of(parameter: str) -> ValueFormat:
    if parameter.startswith(TIER_WEIGHTS_PREFIX):
        return "weight"
    if parameter.endswith(("Fraction", "quorum", "Threshold", "threshold", "Reliability")):
        return "fraction"
    if parameter.endswith(("Seconds", "Celsius")):
        return "integer"
    return "token"


PARAMETER_FORMATS: MappingProxyType[str, ValueFormat] = MappingProxyType(
    {p: _format_of(p) for p in get_args(Parameter)}
)
"""Each whitelisted parameter and the format its value must have."""
ProposalPhase = Literal["Pending", "Voting", "Passed", "Rejected", "Executed", "Failed"]


def _format_rule(value_format: ValueFormat) -> dict[str, str]:
    names = ", ".join(f"'{p}'" for p, f in sorted(PARAMETER_FORMATS.items()) if f == value_format)
    pattern = VALUE_PATTERNS[value_format]
    in_cel = pattern.replace("\\", "\\\\")  # a backslash inside a CEL string literal
    return cel(
        f"!(self.parameter in [{names}]) || self.value.matches('{in_cel}')",
        f"spec.changes[].value must have the {value_format} format ({pattern}) for this "
        "parameter; fix the value",
        field_path=".value",
        message_expression=f"'spec.changes[].value ' + self.value + ' does not have the "
        f"{value_format} format ({in_cel}) that ' + self.parameter + ' needs'",
    )


class ParameterChange(ApiModel):
    """One parameter and its new value (a string in the parameter's format)."""

    model_config = ConfigDict(
        json_schema_extra=validations(*(_format_rule(f) for f in get_args(ValueFormat)))
    )

    parameter: Parameter
    value: Annotated[str, Field(min_length=1, max_length=64)]

    @model_validator(mode="after")
    def _value_format(self) -> Self:
        value_format = PARAMETER_FORMATS[self.parameter]
        if re.fullmatch(VALUE_PATTERNS[value_format], self.value) is None:
            msg = (
                f"spec.changes[].value {self.value!r} does not have the {value_format} format "
                f"that {self.parameter} needs"
            )
            raise ValueError(msg)
        return self


class ProposalSpec(ApiModel):
    """The proposal as submitted. Immutable."""

    model_config = ConfigDict(
        json_schema_extra=validations(
            cel(
                "self == oldSelf",
                "spec of a Proposal is immutable once submitted; create a new Proposal",
                reason="FieldValueForbidden",
            )
        )
    )

    title: Annotated[str, Field(min_length=1, max_length=140)]
    description: Annotated[str, Field(max_length=10000)] = ""
    proposer: AccountName = Field(description="Account that pays the deposit.")
    deposit: TokenAmount = Field(
        description="Tokens locked by the proposer, in base units.",
        json_schema_extra=validations(
            cel(
                "self != '0'",
                "spec.deposit must be positive; deposit at least governance.minDeposit",
            )
        ),
    )
    changes: tuple[ParameterChange, ...] = Field(
        min_length=1,
        max_length=16,
        description="Parameters to change, each at most once.",
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["parameter"],
            **validations(
                cel(
                    "self == oldSelf",
                    "spec.changes is immutable once submitted; create a new Proposal",
                    reason="FieldValueForbidden",
                )
            ),
        },
    )

    @model_validator(mode="after")
    def _checks(self) -> Self:
        if self.deposit == "0":
            raise ValueError("spec.deposit must be positive")
        if len({c.parameter for c in self.changes}) != len(self.changes):
            raise ValueError("spec.changes must name each parameter at most once")
        return self


class Tally(ApiModel):
    """Stake-weighted votes, in base units."""

    yes: TokenAmount = "0"
    no: TokenAmount = "0"
    abstain: TokenAmount = "0"
    no_with_veto: TokenAmount = "0"


class ProposalStatus(ApiModel):
    """Voting period, tally and outcome."""

    model_config = ConfigDict(
        json_schema_extra=validations(
            cel(
                "!has(self.votingStartTime) || !has(self.votingEndTime) || "
                "self.votingEndTime > self.votingStartTime",
                "status.votingEndTime must be after status.votingStartTime",
                field_path=".votingEndTime",
            )
        )
    )

    phase: ProposalPhase | None = None
    voting_start_time: Timestamp | None = None
    voting_end_time: Timestamp | None = None
    tally: Tally | None = None
    total_bonded: TokenAmount | None = Field(
        default=None, description="Bonded tokens when voting ended (quorum base)."
    )
    quorum_reached: bool | None = None
    executed_time: Timestamp | None = None
    conditions: Conditions = ()
    observed_generation: int | None = Field(default=None, ge=0)


class Proposal(ApiModel):
    """A Proposal as the API server returns it."""

    api_version: Literal["fogcompute.io/v1alpha1"] = API_VERSION
    kind: Literal["Proposal"] = KIND_PROPOSAL
    metadata: ObjectMeta = ObjectMeta()
    spec: ProposalSpec
    status: ProposalStatus | None = None
