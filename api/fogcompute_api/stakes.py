"""Stake: tokens bonded behind a MixNode or an EdgeDevice, and the staker's governance votes.

The staker writes the spec (an admission webhook checks the request comes from the account it
names); the operator's ledger service posts the bond, unbonding, slashes and rewards in
PostgreSQL and mirrors the outcome here in status. Amounts are base-unit integers as strings.
Account and target never change; the amount may only grow while bonded; unbonding is one-way.
"""

from typing import Literal, Self

from pydantic import ConfigDict, Field, model_validator

from fogcompute_api.conditions import Conditions
from fogcompute_api.meta import API_VERSION, KIND_STAKE
from fogcompute_api.objects import ObjectMeta
from fogcompute_api.primitives import (
    AccountName,
    ApiModel,
    ObjectName,
    Timestamp,
    TokenAmount,
    cel,
    token_at_least,
    validations,
)

__all__ = [
    "RecordedVote",
    "Stake",
    "StakePhase",
    "StakeSpec",
    "StakeStatus",
    "StakeTarget",
    "Vote",
    "VoteOption",
]

VoteOption = Literal["yes", "no", "abstain", "noWithVeto"]
StakePhase = Literal["Pending", "Bonded", "Unbonding", "Unbonded", "Jailed", "Failed"]


class StakeTarget(ApiModel):
    """What the tokens are bonded behind (both kinds are cluster-scoped)."""

    kind: Literal["MixNode", "EdgeDevice"]
    name: ObjectName


class Vote(ApiModel):
    """The staker's vote on one Proposal, weighted by the bonded amount."""

    proposal: ObjectName
    option: VoteOption


class StakeSpec(ApiModel):
    """The staker's intent."""

    model_config = ConfigDict(
        json_schema_extra=validations(
            cel(
                "!oldSelf.unbond || self.amount == oldSelf.amount",
                "spec.amount cannot change once spec.unbond is true; create a new Stake "
                "to bond more",
                field_path=".amount",
                reason="FieldValueForbidden",
            ),
        )
    )

    account: AccountName = Field(
        description="The ledger account (Kubernetes user name) whose tokens are bonded.",
        json_schema_extra=validations(
            cel(
                "self == oldSelf",
                "spec.account is immutable; create a new Stake for another account",
                reason="FieldValueForbidden",
            )
        ),
    )
    target: StakeTarget = Field(
        description="The MixNode or EdgeDevice the tokens back.",
        json_schema_extra=validations(
            cel(
                "self == oldSelf",
                "spec.target is immutable; unbond this Stake and create a new one for "
                "the other target",
                reason="FieldValueForbidden",
            )
        ),
    )
    amount: TokenAmount = Field(
        description="Tokens to bond, in base units; may only grow.",
        json_schema_extra=validations(
            cel(
                "self != '0'",
                "spec.amount must be a positive number of base units, for example '1000000'",
            ),
            cel(
                token_at_least("self", "oldSelf"),
                "spec.amount may only grow; to withdraw, set spec.unbond: true",
                reason="FieldValueForbidden",
            ),
        ),
    )
    unbond: bool = Field(
        default=False,
        description="Set true to start unbonding; it cannot be set back to false.",
        json_schema_extra=validations(
            cel(
                "!oldSelf || self",
                "spec.unbond cannot go back to false once unbonding started; create a new Stake",
                reason="FieldValueForbidden",
            )
        ),
    )
    votes: tuple[Vote, ...] = Field(
        default=(),
        max_length=32,
        description="Votes on open Proposals, one per proposal; may change until voting ends.",
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["proposal"],
        },
    )

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.amount == "0":
            raise ValueError("spec.amount must be a positive number of base units")
        return self


class RecordedVote(ApiModel):
    """A vote as the ledger counted it."""

    proposal: ObjectName
    option: VoteOption
    weight: TokenAmount
    recorded_time: Timestamp | None = None


class StakeStatus(ApiModel):
    """What the ledger holds for this stake."""

    phase: StakePhase | None = None
    bonded: TokenAmount = "0"
    rewards: TokenAmount = Field(default="0", description="Rewards paid to the account so far.")
    slashed: TokenAmount = "0"
    jailed_until: Timestamp | None = None
    unbonding_complete_time: Timestamp | None = None
    last_reward_epoch: int | None = Field(default=None, ge=0, le=2**53 - 1)
    recorded_votes: tuple[RecordedVote, ...] = Field(
        default=(),
        max_length=32,
        json_schema_extra={
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["proposal"],
        },
    )
    conditions: Conditions = ()
    observed_generation: int | None = Field(default=None, ge=0)


class Stake(ApiModel):
    """A Stake as the API server returns it."""

    api_version: Literal["fogcompute.io/v1alpha1"] = API_VERSION
    kind: Literal["Stake"] = KIND_STAKE
    metadata: ObjectMeta = ObjectMeta()
    spec: StakeSpec
    status: StakeStatus | None = None
