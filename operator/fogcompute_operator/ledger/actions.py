"""Economic actions, and how each turns into balanced postings: pure planning, no database.

The ledger (``writing``) reads the balances and stake positions an action needs inside its
SERIALIZABLE transaction, hands them to ``plan`` as a ``PlanView`` and writes the legs it returns.
Every action carries one idempotency key ``(resource uid, action, epoch)``: the ledger records the
action under it once, and a replay returns that first result. An action whose legs would overdraw
an account is refused (``Refusal``), not partly applied. Amounts are integers of base units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import ClassVar, Protocol

from fogcompute_operator.ledger.accounts import (
    BONDED,
    BURN,
    MINT,
    REWARDS,
    SLASHED,
    UNBONDING,
    AccountName,
    StakeUid,
    kind_of,
)
from fogcompute_operator.ledger.readings import MeterReading

__all__ = [
    "Action",
    "ActionKey",
    "BeginUnbond",
    "Bond",
    "Burn",
    "Leg",
    "Mint",
    "PlanView",
    "Receipt",
    "Refusal",
    "Refused",
    "Reward",
    "Slash",
    "StakePosition",
    "Transfer",
    "Unbond",
]

_ACTION = re.compile(r"^[a-z][a-z_]{0,31}$")


@dataclass(frozen=True, kw_only=True, order=True)
class ActionKey:
    """The idempotency key of one economic action."""

    resource_uid: str
    action: str
    epoch: int

    def __post_init__(self) -> None:
        if not 1 <= len(self.resource_uid) <= 253:
            raise ValueError(f"resource_uid {self.resource_uid!r}: give 1 to 253 characters")
        if not _ACTION.match(self.action):
            raise ValueError(f"action {self.action!r}: use lower-case letters and _, max 32")
        if self.epoch < 0:
            raise ValueError(f"epoch {self.epoch}: must be 0 or more")

    def __str__(self) -> str:
        return f"{self.resource_uid}/{self.action}/{self.epoch}"


@dataclass(frozen=True, kw_only=True)
class Leg:
    """One posting: ``amount`` (non-zero, signed) to ``account``; pool legs name their stake."""

    account: AccountName
    amount: int
    stake: StakeUid | None = None


@dataclass(frozen=True, kw_only=True)
class StakePosition:
    """What one stake holds in the pools, and whose account it pays back to."""

    staker: AccountName
    bonded: int = 0
    unbonding: int = 0


class PlanView(Protocol):
    """Balances and positions as the planning transaction sees them."""

    def balance(self, account: AccountName) -> int: ...

    def position(self, stake: StakeUid) -> StakePosition | None: ...


class Action(Protocol):
    """An economic action: its key, what it reads, and its legs given what it read."""

    @property
    def key(self) -> ActionKey: ...

    @property
    def memo(self) -> str: ...

    def accounts(self) -> tuple[AccountName, ...]: ...

    def stakes(self) -> tuple[tuple[StakeUid, AccountName | None], ...]:
        """The stakes it reads, each with its staker when the action may create the stake."""
        ...

    def plan(self, view: PlanView) -> tuple[Leg, ...]: ...


@dataclass(frozen=True, kw_only=True)
class Receipt:
    """The recorded result of an action (the original one when ``replayed``)."""

    key: ActionKey
    entry_id: int
    legs: tuple[Leg, ...]
    replayed: bool
    hash_hex: str


@dataclass(frozen=True, kw_only=True)
class Refusal:
    """An action the ledger would not apply; nothing was written for it."""

    key: ActionKey
    reason: str


class Refused(Exception):  # noqa: N818 (it is a verdict, not a failure of ours)
    """Raised by ``plan`` when the action cannot apply to what it read; becomes a ``Refusal``."""


def _known(view: PlanView, stake: StakeUid) -> StakePosition:
    position = view.position(stake)
    if position is None:
        raise Refused(f"stake {stake!r} has never been bonded")
    return position


def _positive(name: str, amount: int) -> None:
    if amount <= 0:
        raise ValueError(f"{name}={amount}: must be a positive integer of base units")


@dataclass(frozen=True, kw_only=True)
class Transfer:
    """Explicit legs that must sum to zero (the general case; the others are shorthands)."""

    key: ActionKey
    legs: tuple[Leg, ...]
    memo: str = ""

    def __post_init__(self) -> None:
        if sum(leg.amount for leg in self.legs) != 0:
            raise ValueError(f"transfer {self.key}: legs sum to non-zero; balance them")
        if len(self.legs) == 1 or any(leg.amount == 0 for leg in self.legs):
            raise ValueError(f"transfer {self.key}: needs 2 or more legs, none of them zero")
        for leg in self.legs:
            kind_of(leg.account)

    def accounts(self) -> tuple[AccountName, ...]:
        return tuple(leg.account for leg in self.legs)

    def stakes(self) -> tuple[tuple[StakeUid, AccountName | None], ...]:
        return tuple((leg.stake, None) for leg in self.legs if leg.stake is not None)

    def plan(self, view: PlanView) -> tuple[Leg, ...]:
        return self.legs


@dataclass(frozen=True, kw_only=True)
class _Simple:
    ACTION: ClassVar[str] = ""
    uid: str
    epoch: int
    memo: str = ""

    @property
    def key(self) -> ActionKey:
        return ActionKey(resource_uid=self.uid, action=self.ACTION, epoch=self.epoch)


@dataclass(frozen=True, kw_only=True)
class Mint(_Simple):
    """New supply from the mint into ``to`` (genesis balances, the rewards budget)."""

    ACTION: ClassVar[str] = "mint"
    to: AccountName
    amount: int

    def __post_init__(self) -> None:
        _positive("amount", self.amount)
        kind_of(self.to)

    def accounts(self) -> tuple[AccountName, ...]:
        return (MINT, self.to)

    def stakes(self) -> tuple[tuple[StakeUid, AccountName | None], ...]:
        return ()

    def plan(self, view: PlanView) -> tuple[Leg, ...]:
        return (Leg(account=MINT, amount=-self.amount), Leg(account=self.to, amount=self.amount))


@dataclass(frozen=True, kw_only=True)
class Burn(_Simple):
    """Supply removed for good: ``amount`` from ``source`` into the burn account."""

    ACTION: ClassVar[str] = "burn"
    source: AccountName
    amount: int

    def __post_init__(self) -> None:
        _positive("amount", self.amount)
        kind_of(self.source)

    def accounts(self) -> tuple[AccountName, ...]:
        return (self.source, BURN)

    def stakes(self) -> tuple[tuple[StakeUid, AccountName | None], ...]:
        return ()

    def plan(self, view: PlanView) -> tuple[Leg, ...]:
        return (
            Leg(account=self.source, amount=-self.amount),
            Leg(account=BURN, amount=self.amount),
        )


@dataclass(frozen=True, kw_only=True)
class Bond(_Simple):
    """``amount`` from the staker's account into the bonded pool, behind stake ``uid``."""

    ACTION: ClassVar[str] = "bond"
    staker: AccountName
    amount: int

    def __post_init__(self) -> None:
        _positive("amount", self.amount)
        if kind_of(self.staker) != "staker":
            raise ValueError(f"staker {self.staker!r}: must be a staker account")

    def accounts(self) -> tuple[AccountName, ...]:
        return (self.staker, BONDED)

    def stakes(self) -> tuple[tuple[StakeUid, AccountName | None], ...]:
        return ((StakeUid(self.uid), self.staker),)

    def plan(self, view: PlanView) -> tuple[Leg, ...]:
        stake = StakeUid(self.uid)
        return (
            Leg(account=self.staker, amount=-self.amount),
            Leg(account=BONDED, amount=self.amount, stake=stake),
        )


@dataclass(frozen=True, kw_only=True)
class BeginUnbond(_Simple):
    """``amount`` of stake ``uid`` (None: all of it) moves from bonded to unbonding."""

    ACTION: ClassVar[str] = "unbond"
    amount: int | None = None

    def __post_init__(self) -> None:
        if self.amount is not None:
            _positive("amount", self.amount)

    def accounts(self) -> tuple[AccountName, ...]:
        return (BONDED, UNBONDING)

    def stakes(self) -> tuple[tuple[StakeUid, AccountName | None], ...]:
        return ((StakeUid(self.uid), None),)

    def plan(self, view: PlanView) -> tuple[Leg, ...]:
        stake = StakeUid(self.uid)
        position = _known(view, stake)
        amount = position.bonded if self.amount is None else self.amount
        if amount == 0:
            return ()
        return (
            Leg(account=BONDED, amount=-amount, stake=stake),
            Leg(account=UNBONDING, amount=amount, stake=stake),
        )


@dataclass(frozen=True, kw_only=True)
class Unbond(_Simple):
    """The end of the unbonding period: ``amount`` (None: all) unbonding goes back to the staker."""

    ACTION: ClassVar[str] = "release"
    amount: int | None = None

    def __post_init__(self) -> None:
        if self.amount is not None:
            _positive("amount", self.amount)

    def accounts(self) -> tuple[AccountName, ...]:
        return (UNBONDING,)

    def stakes(self) -> tuple[tuple[StakeUid, AccountName | None], ...]:
        return ((StakeUid(self.uid), None),)

    def plan(self, view: PlanView) -> tuple[Leg, ...]:
        stake = StakeUid(self.uid)
        position = _known(view, stake)
        amount = position.unbonding if self.amount is None else self.amount
        if amount == 0:
            return ()
        return (
            Leg(account=UNBONDING, amount=-amount, stake=stake),
            Leg(account=position.staker, amount=amount),
        )


@dataclass(frozen=True, kw_only=True)
class Slash(_Simple):
    """``fraction`` of stake ``uid`` (bonded and unbonding, rounded down) to the slashed account."""

    ACTION: ClassVar[str] = "slash"
    fraction: Fraction

    def __post_init__(self) -> None:
        if not 0 < self.fraction <= 1:
            raise ValueError(f"fraction {self.fraction}: must be in (0, 1]")

    def accounts(self) -> tuple[AccountName, ...]:
        return (BONDED, UNBONDING, SLASHED)

    def stakes(self) -> tuple[tuple[StakeUid, AccountName | None], ...]:
        return ((StakeUid(self.uid), None),)

    def plan(self, view: PlanView) -> tuple[Leg, ...]:
        stake = StakeUid(self.uid)
        position = _known(view, stake)
        legs = []
        for pool, held in ((BONDED, position.bonded), (UNBONDING, position.unbonding)):
            cut = int(held * self.fraction)
            if cut:
                legs.append(Leg(account=pool, amount=-cut, stake=stake))
        total = -sum(leg.amount for leg in legs)
        return (*legs, Leg(account=SLASHED, amount=total)) if total else ()


@dataclass(frozen=True, kw_only=True)
class Reward(_Simple):
    """``amount`` from the rewards pool to the staker of stake ``uid`` (0: recorded, unpaid);
    ``reading``: the EdgeDevice counter it was computed from, recorded with it (``readings``)."""

    ACTION: ClassVar[str] = "reward"
    amount: int
    reading: MeterReading | None = None

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"amount={self.amount}: a reward cannot be negative")

    def accounts(self) -> tuple[AccountName, ...]:
        return (REWARDS,)

    def stakes(self) -> tuple[tuple[StakeUid, AccountName | None], ...]:
        return ((StakeUid(self.uid), None),)

    def plan(self, view: PlanView) -> tuple[Leg, ...]:
        position = _known(view, StakeUid(self.uid))
        if self.amount == 0:
            return ()
        return (
            Leg(account=REWARDS, amount=-self.amount),
            Leg(account=position.staker, amount=self.amount),
        )
