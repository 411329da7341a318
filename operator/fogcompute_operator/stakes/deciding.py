"""A Stake's ledger actions, and its status from what the ledger then holds. Pure, clock passed in.

The "decide" step of the Stake reconcile, in two halves around the ledger write:

``plan`` (before): the actions this look at the Stake asks for, each under its idempotency key,
so repeating a plan after a crash, a lost status write or a dead database changes nothing:

- bond: ``spec.amount`` above what was bonded (the highest bond key, whose "epoch" is the total
  it bonds up to) -> ``Bond`` of the difference keyed by the new total; the first bond must
  reach the governed minimum stake;
- rewards: one ``Reward`` per finished epoch after the bond epoch (a 0 marker is recorded in the
  bond epoch, which is not paid: it was not bonded all of it), each preceded by the epoch's
  idempotent ``Mint`` of the reward budget; at most ``CATCH_UP`` epochs per look; 0 while
  jailed; none once unbonding started;
- slash: the object behind was down this epoch and the stake is not serving a jail
  (``economics.slashing.decide``: the jail follows from the last slash key's epoch) -> ``Slash``
  keyed by this epoch;
- unbond: ``spec.unbond`` -> ``BeginUnbond`` (once), and ``Unbond`` (the release, once) when
  ``status.unbondingCompleteTime`` has come;
- deleted (``deletionTimestamp`` set, ``deleting``): as ``spec.unbond``, and no bond and no
  slash any more either; the finalizer that holds the object meanwhile is ``deleting``'s. A
  Stake whose namespace is being deleted is never bonded (``Facts.namespace_terminating``).

``settle`` (after): status from the ledger's history and position of the stake (bonded, rewards,
slashed, last reward epoch, jail, phase), recorded votes, and the conditions LedgerReady,
Bonded and LedgerConsistent (and, behind an EdgeDevice, ComputeMeasured: whether the last
compute reward came from the device's measured counter or the estimate, ``delivering``), with
an Event per transition and per ledger change. A reward behind an EdgeDevice carries its meter
reading (``Facts.readings``), which the ledger records in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from fogcompute_api.conditions import Condition
from fogcompute_api.stakes import Stake

from fogcompute_operator.controlling import EventNote, EventType, Verdict, apply_verdicts
from fogcompute_operator.economics import SlashingParams
from fogcompute_operator.economics import decide as decide_slash
from fogcompute_operator.ledger import (
    REWARDS,
    Action,
    ActionHistory,
    BeginUnbond,
    Bond,
    MeterReading,
    Mint,
    Refusal,
    Reward,
    Slash,
    StakePosition,
    Unbond,
    staker_account,
)
from fogcompute_operator.ledger.checking import Violation
from fogcompute_operator.stakes.deleting import UNBONDING, deleting, unbonding, unbonding_verdict
from fogcompute_operator.stakes.delivering import COMPUTE_MEASURED
from fogcompute_operator.stakes.earning import Health
from fogcompute_operator.treasury import Governed, LedgerState, epoch_start, epochs_in

__all__ = ["BONDED", "CATCH_UP", "LEDGER_CONSISTENT", "LEDGER_READY", "Facts", "plan", "settle"]

LEDGER_READY, BONDED, LEDGER_CONSISTENT = "LedgerReady", "Bonded", "LedgerConsistent"
CATCH_UP: Final = 24
BUDGET_UID: Final = "rewards-budget"


@dataclass(frozen=True, kw_only=True)
class Facts:
    """What one look at a Stake knows: time, parameters, the ledger, the object behind it."""

    now: datetime
    epoch: int
    epoch_seconds: float
    params: Governed
    history: Mapping[str, ActionHistory] = field(default_factory=dict)
    position: StakePosition | None = None
    health: Health = field(default_factory=lambda: Health(exists=False))
    rewards: Mapping[int, int] = field(default_factory=dict)  # epoch -> earned, when known
    readings: Mapping[int, MeterReading] = field(default_factory=dict)  # recorded with rewards
    metering: Verdict | None = None  # the ComputeMeasured condition, behind an EdgeDevice
    namespace_terminating: bool = False  # the Stake's namespace is being deleted: never bond


def _uid(stake: Stake) -> str:
    return stake.metadata.uid or ""


def jailed_until_epoch(
    history: Mapping[str, ActionHistory], *, params: Governed, epoch_seconds: float
) -> int | None:
    slash = history.get("slash")
    if slash is None:
        return None
    return slash.last_epoch + epochs_in(params.jail_seconds, epoch_seconds=epoch_seconds)


def reward_epochs(history: Mapping[str, ActionHistory], *, epoch: int, unbond: bool) -> range:
    """The finished epochs still to reward (empty before the bond marker, or when unbonding)."""
    reward = history.get("reward")
    if reward is None or unbond or "unbond" in history:
        return range(0)
    first = reward.last_epoch + 1
    return range(first, min(epoch, first + CATCH_UP))


def plan(stake: Stake, facts: Facts) -> tuple[Action, ...]:
    """The actions this look asks for, in the order they must apply (see the module docstring)."""
    uid, history, params = _uid(stake), facts.history, facts.params
    actions: list[Action] = []
    target = int(stake.spec.amount)
    bonded_to = history["bond"].last_epoch if "bond" in history else 0
    if (
        not unbonding(stake)
        and not facts.namespace_terminating
        and target > bonded_to
        and (bonded_to or target >= params.minimum_stake)
    ):
        actions.append(
            Bond(
                uid=uid,
                epoch=target,
                staker=staker_account(stake.spec.account),
                amount=target - bonded_to,
                memo=f"bond to {target}",
            )
        )
    if "reward" not in history and (actions or "bond" in history):
        actions.append(
            Reward(
                uid=uid,
                epoch=facts.epoch,
                amount=0,
                memo="bond epoch: unpaid",
                reading=facts.readings.get(facts.epoch),
            )
        )
    jail = jailed_until_epoch(history, params=params, epoch_seconds=facts.epoch_seconds)
    budget = params.mixing_pool + params.compute_pool
    for epoch in reward_epochs(history, epoch=facts.epoch, unbond=unbonding(stake)):
        earned = 0 if jail is not None and epoch < jail else facts.rewards.get(epoch, 0)
        if budget > 0:
            actions.append(Mint(uid=BUDGET_UID, epoch=epoch, to=REWARDS, amount=budget))
        reading = facts.readings.get(epoch)
        actions.append(
            Reward(uid=uid, epoch=epoch, amount=earned, memo=_memo(reading), reading=reading)
        )
    slash = _slash(stake, facts, jail)
    if slash is not None:
        actions.append(slash)
    actions += _unbonding(stake, facts)
    return tuple(actions)


def _memo(reading: MeterReading | None) -> str:
    if reading is None:
        return "epoch reward"
    return f"epoch reward: {reading.credited_micros / 10**6:g} cpu-s {reading.basis}"


def _slash(stake: Stake, facts: Facts, jail: int | None) -> Slash | None:
    position = facts.position
    if position is None or position.bonded + position.unbonding <= 0 or deleting(stake):
        return None
    if facts.params.downtime_fraction <= 0:
        return None
    decision = decide_slash(
        down=facts.health.down,
        epoch=facts.epoch,
        jailed_until_epoch=jail,
        reason=facts.health.reason,
        params=SlashingParams(
            downtime_fraction=facts.params.downtime_fraction,
            jail_epochs=0,
        ),
    )
    if decision is None:
        return None
    return Slash(
        uid=_uid(stake), epoch=facts.epoch, fraction=decision.fraction, memo=decision.reason[:200]
    )


def unbonding_complete(stake: Stake, facts: Facts) -> datetime | None:
    if "unbond" not in facts.history and not unbonding(stake):
        return None
    held = stake.status.unbonding_complete_time if stake.status else None
    return held or facts.now + timedelta(seconds=facts.params.unbonding_seconds)


def _unbonding(stake: Stake, facts: Facts) -> list[Action]:
    history, uid = facts.history, _uid(stake)
    if not unbonding(stake) or "bond" not in history:
        return []
    if "unbond" not in history:
        memo = "deleted" if deleting(stake) else "spec.unbond"
        return [BeginUnbond(uid=uid, epoch=0, memo=memo)]
    complete = unbonding_complete(stake, facts)
    if "release" not in history and complete is not None and facts.now >= complete:
        return [Unbond(uid=uid, epoch=0, memo="unbonding period served")]
    return []


@dataclass(frozen=True, kw_only=True)
class Settled:
    status: dict[str, Any]
    changed: bool
    events: tuple[EventNote, ...]


def _phase(history: Mapping[str, ActionHistory], *, jailed: bool) -> str:
    if "release" in history:
        return "Unbonded"
    if "unbond" in history:
        return "Unbonding"
    if "bond" not in history:
        return "Pending"
    return "Jailed" if jailed else "Bonded"


def _ledger_verdicts(
    state: LedgerState, message: str, violations: tuple[Violation, ...] | None
) -> dict[str, Verdict]:
    if state == "NoDatabase":
        return {LEDGER_READY: Verdict("False", "NoDatabase", message)}
    if state != "Ready":
        return {LEDGER_READY: Verdict("False", "LedgerUnavailable", message)}
    verdicts = {LEDGER_READY: Verdict("True", "LedgerReady", "the ledger database answers")}
    if violations is None:
        verdicts[LEDGER_CONSISTENT] = Verdict("Unknown", "NotCheckedYet", "")
    elif violations:
        text = "; ".join(f"{v.invariant}: {v.detail}" for v in violations)[:900]
        verdicts[LEDGER_CONSISTENT] = Verdict("False", "InvariantViolated", text)
    else:
        verdicts[LEDGER_CONSISTENT] = Verdict(
            "True", "InvariantsHold", "every ledger invariant holds"
        )
    return verdicts


def _bonded_verdict(stake: Stake, facts: Facts, refusals: Sequence[Refusal]) -> Verdict:
    for refusal in refusals:
        if refusal.key.action == "bond":
            return Verdict("False", "InsufficientFunds", f"bond refused: {refusal.reason}")
    history = facts.history
    if "bond" not in history and facts.namespace_terminating:
        return Verdict("False", "NamespaceTerminating", "its namespace is being deleted")
    if "bond" not in history:
        minimum = facts.params.minimum_stake
        if int(stake.spec.amount) < minimum:
            return Verdict(
                "False",
                "BelowMinimumStake",
                f"spec.amount={stake.spec.amount} is below the minimum stake {minimum}; raise it",
            )
        return Verdict("False", "NotBonded", "not bonded yet")
    if "unbond" in history:
        return Verdict("False", "Unbonding" if "release" not in history else "Unbonded", "")
    bonded = facts.position.bonded if facts.position else 0
    return Verdict(
        "True",
        "Bonded",
        f"{bonded} bonded behind {stake.spec.target.kind} {stake.spec.target.name}",
    )


def settle(
    stake: Stake,
    body: Mapping[str, Any],
    facts: Facts,
    *,
    state: LedgerState,
    message: str,
    violations: tuple[Violation, ...] | None,
    refusals: Sequence[Refusal] = (),
    open_proposals: frozenset[str] = frozenset(),
) -> Settled:
    """The Stake's status from the ledger as it now stands (``facts`` read after the write)."""
    generation = stake.metadata.generation or 0
    current: Mapping[str, Any] = body.get("status") or {}
    before: tuple[Condition, ...] = stake.status.conditions if stake.status else ()
    verdicts = _ledger_verdicts(state, message, violations)
    status: dict[str, Any] = {**current, "observedGeneration": generation}
    notes: list[EventNote] = []
    if state == "Ready":
        verdicts[BONDED] = _bonded_verdict(stake, facts, refusals)
        if facts.metering is not None:
            verdicts[COMPUTE_MEASURED] = facts.metering
        waiting = unbonding_verdict(stake, facts.history, complete=unbonding_complete(stake, facts))
        if waiting is not None:
            verdicts[UNBONDING] = waiting
        status.update(_figures(stake, facts, open_proposals))
        notes = _ledger_notes(current, status)
    conditions, events = apply_verdicts(before, verdicts, now=facts.now, generation=generation)
    status["conditions"] = [c.model_dump(mode="json", by_alias=True) for c in conditions]
    return Settled(status=status, changed=status != dict(current), events=(*events, *notes))


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _figures(stake: Stake, facts: Facts, open_proposals: frozenset[str]) -> dict[str, Any]:
    history, position = facts.history, facts.position
    jail = jailed_until_epoch(history, params=facts.params, epoch_seconds=facts.epoch_seconds)
    jail_end = None if jail is None else epoch_start(jail, epoch_seconds=facts.epoch_seconds)
    jailed = jail_end is not None and facts.now < jail_end
    figures: dict[str, Any] = {
        "phase": _phase(history, jailed=jailed),
        "bonded": str(position.bonded if position else 0),
        "rewards": str(history["reward"].moved if "reward" in history else 0),
        "slashed": str(history["slash"].moved if "slash" in history else 0),
        "jailedUntil": _stamp(jail_end) if jail_end is not None else None,
        "lastRewardEpoch": history["reward"].last_epoch if "reward" in history else None,
        "recordedVotes": _votes(stake, facts, open_proposals),
    }
    complete = unbonding_complete(stake, facts)
    figures["unbondingCompleteTime"] = _stamp(complete) if complete else None
    return {k: v for k, v in figures.items() if v is not None}


def _votes(stake: Stake, facts: Facts, open_proposals: frozenset[str]) -> list[dict[str, Any]]:
    weight = str(facts.position.bonded if facts.position else 0)
    held = {v.proposal: v for v in (stake.status.recorded_votes if stake.status else ())}
    recorded = []
    for vote in stake.spec.votes:
        old = held.get(vote.proposal)
        if vote.proposal not in open_proposals:
            if old is not None:
                recorded.append(old.model_dump(mode="json", by_alias=True, exclude_none=True))
            continue
        same = old is not None and old.option == vote.option and old.weight == weight
        when = old.recorded_time if same and old is not None else None
        recorded.append(
            {
                "proposal": vote.proposal,
                "option": vote.option,
                "weight": weight,
                "recordedTime": _stamp(when or facts.now),
            }
        )
    return recorded


def _ledger_notes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[EventNote]:
    notes = []
    changes: tuple[tuple[str, str, EventType], ...] = (
        ("bonded", "BondedAmountChanged", "Normal"),
        ("rewards", "Rewarded", "Normal"),
        ("slashed", "Slashed", "Warning"),
        ("phase", "PhaseChanged", "Normal"),
    )
    for field_name, reason, kind in changes:
        old, new = before.get(field_name), after.get(field_name)
        if old != new and not (field_name != "phase" and new == "0" and old is None):
            message = f"{field_name}: {old or '-'} -> {new}"
            notes.append(EventNote(type=kind, reason=reason, message=message))
    return notes
