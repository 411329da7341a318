"""The governed parameters in force, and the epoch arithmetic the economics controllers share.

Pure. ``Governed`` holds what passed Proposals may change, named as the Proposal API names
them (``staking.minimumStake`` ...). Its values are not stored anywhere of their own: they are
the operator's starting values (``settings``) with the changes of every Executed Proposal
applied in order of ``status.executedTime`` (then name), so any operator, after any restart,
derives the same parameters from the cluster (``in_force``). The SLA tiers' weights
(``scheduler.tierWeights.<tier>.<objective>``) are kept as the overrides passed Proposals made
(``tier_weights``, checked by ``weighting``); the scheduler reads them at each round through
``steering``. The API's whitelist is exactly what this module applies (a test holds them
equal), so a Proposal can never pass a change nothing applies. ``apply_changes`` refuses a
change it cannot apply (not a number, a tier left with every
weight 0) with a ValueError naming the parameter and the fix; the Proposal controller then marks
the passed Proposal Failed instead of Executed, so it never counts in ``in_force``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any, Final

from fogcompute_operator.economics import TallyParams
from fogcompute_operator.treasury.weighting import (
    TIER_WEIGHTS_PREFIX,
    check_tier_weights,
    weight_change,
)

__all__ = [
    "APPLIED",
    "Governed",
    "apply_changes",
    "epoch_of",
    "epoch_start",
    "epochs_in",
    "in_force",
    "seconds_to_next",
]


@dataclass(frozen=True, kw_only=True)
class Governed:
    minimum_stake: int = 1_000_000
    unbonding_seconds: int = 86_400
    downtime_fraction: Fraction = Fraction(1, 100)
    jail_seconds: int = 21_600
    mixing_pool: int = 10_000_000
    compute_pool: int = 10_000_000
    compute_rate: int = 10
    min_deposit: int = 1_000_000
    voting_seconds: int = 86_400
    quorum: Fraction = Fraction(334, 1000)
    threshold: Fraction = Fraction(1, 2)
    veto: Fraction = Fraction(334, 1000)
    minimum_reliability: Fraction = Fraction(1, 2)
    unknown_window_seconds: int = 600
    tier_weights: Mapping[str, Fraction] = field(default_factory=dict)
    """``<tier>.<objective>`` -> weight, for the weights passed Proposals changed."""

    @property
    def tally(self) -> TallyParams:
        return TallyParams(quorum=self.quorum, threshold=self.threshold, veto=self.veto)


APPLIED: Final[Mapping[str, str]] = {
    "staking.minimumStake": "minimum_stake",
    "staking.unbondingPeriodSeconds": "unbonding_seconds",
    "slashing.downtimeFraction": "downtime_fraction",
    "slashing.jailSeconds": "jail_seconds",
    "rewards.mixingPoolPerEpoch": "mixing_pool",
    "rewards.computePoolPerEpoch": "compute_pool",
    "rewards.computeRatePerCpuSecond": "compute_rate",
    "governance.minDeposit": "min_deposit",
    "governance.votingPeriodSeconds": "voting_seconds",
    "governance.quorum": "quorum",
    "governance.threshold": "threshold",
    "governance.vetoThreshold": "veto",
    "mixnet.minimumReliability": "minimum_reliability",
}


def apply_changes(params: Governed, changes: Iterable[tuple[str, str]]) -> Governed:
    """``params`` with each applicable ``(parameter, value)`` set, all or nothing; ValueError
    naming the parameter, the value and the fix for a change that cannot apply."""
    updates: dict[str, Any] = {}
    weights = dict(params.tier_weights)
    for name, value in changes:
        if name.startswith(TIER_WEIGHTS_PREFIX):
            key, weight = weight_change(name, value)
            weights[key] = weight
            continue
        attribute = APPLIED.get(name)
        if attribute is None:  # the API refuses it; an object from an older whitelist
            raise ValueError(f"{name}: not a governed parameter; remove this change")
        try:
            number = Fraction(value)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{name}={value!r}: not a number; write e.g. 12 or 0.05") from None
        current = getattr(params, attribute)
        updates[attribute] = number if isinstance(current, Fraction) else int(number)
    if weights != params.tier_weights:
        check_tier_weights(weights)
        updates["tier_weights"] = weights
    return replace(params, **updates)


def in_force(base: Governed, proposals: Iterable[Mapping[str, Any]]) -> Governed:
    """``base`` with the changes of every Executed Proposal body, in execution order."""
    executed = []
    for body in proposals:
        status = body.get("status") or {}
        if status.get("phase") != "Executed":
            continue
        name = str((body.get("metadata") or {}).get("name") or "")
        changes = [
            (str(c.get("parameter")), str(c.get("value")))
            for c in (body.get("spec") or {}).get("changes") or ()
        ]
        executed.append((str(status.get("executedTime") or ""), name, changes))
    params = base
    for _, _, changes in sorted(executed):
        try:
            params = apply_changes(params, changes)
        except ValueError:
            continue  # marked Failed by the Proposal controller: nothing of it applies
    return params


def epoch_of(now: datetime, *, epoch_seconds: float) -> int:
    return int(now.timestamp() // epoch_seconds)


def epoch_start(epoch: int, *, epoch_seconds: float) -> datetime:
    return datetime.fromtimestamp(epoch * epoch_seconds, tz=UTC)


def epochs_in(seconds: int, *, epoch_seconds: float) -> int:
    """Whole epochs covering ``seconds`` (rounded up: a jail is never shorter than asked)."""
    return math.ceil(seconds / epoch_seconds)


def seconds_to_next(now: datetime, *, epoch_seconds: float) -> float:
    nxt = epoch_start(epoch_of(now, epoch_seconds=epoch_seconds) + 1, epoch_seconds=epoch_seconds)
    return max((nxt - now) / timedelta(seconds=1), 0.0)
