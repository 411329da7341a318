"""The Stake's pure decisions with a fake clock: which keyed actions one look asks for, and the
status it settles from the ledger. Replaying a plan against what it recorded asks for nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from fogcompute_api.stakes import Stake
from fogcompute_operator.ledger import (
    BeginUnbond,
    Bond,
    Mint,
    Refusal,
    Reward,
    Slash,
    StakePosition,
    Unbond,
    staker_account,
)
from fogcompute_operator.ledger.actions import ActionKey
from fogcompute_operator.ledger.histories import ActionHistory
from fogcompute_operator.stakes import Facts, Health, plan, settle
from fogcompute_operator.stakes.deciding import CATCH_UP
from fogcompute_operator.treasury import Governed

EPOCH = 10.0
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
NOW_EPOCH = int(NOW.timestamp() // EPOCH)
PARAMS = Governed(
    minimum_stake=100, jail_seconds=30, unbonding_seconds=60, downtime_fraction=Fraction(1, 10)
)


def make_stake(
    amount: int = 500,
    *,
    unbond: bool = False,
    status: dict[str, Any] | None = None,
    votes: list[dict[str, str]] | None = None,
) -> Stake:
    body: dict[str, Any] = {
        "metadata": {"name": "s", "namespace": "ns", "uid": "uid-1", "generation": 1},
        "spec": {
            "account": "alice",
            "target": {"kind": "MixNode", "name": "m"},
            "amount": str(amount),
            "unbond": unbond,
            "votes": votes or [],
        },
    }
    if status is not None:
        body["status"] = status
    return Stake.model_validate(body)


def h(last: int, entries: int = 1, moved: int = 0) -> ActionHistory:
    return ActionHistory(last_epoch=last, entries=entries, moved=moved)


def facts(**changes: Any) -> Facts:
    base: dict[str, Any] = {
        "now": NOW,
        "epoch": NOW_EPOCH,
        "epoch_seconds": EPOCH,
        "params": PARAMS,
    }
    return Facts(**{**base, **changes})


def test_first_bond_with_the_bond_epoch_marker() -> None:
    actions = plan(make_stake(500), facts())
    assert actions == (
        Bond(
            uid="uid-1", epoch=500, staker=staker_account("alice"), amount=500, memo="bond to 500"
        ),
        Reward(uid="uid-1", epoch=NOW_EPOCH, amount=0, memo="bond epoch: unpaid"),
    )


def test_below_the_minimum_nothing_is_bonded_and_the_condition_says_why() -> None:
    stake = make_stake(50)
    assert plan(stake, facts()) == ()
    settled = settle(stake, {}, facts(), state="Ready", message="", violations=())
    bonded = next(c for c in settled.status["conditions"] if c["type"] == "Bonded")
    assert (bonded["status"], bonded["reason"]) == ("False", "BelowMinimumStake")
    assert settled.status["phase"] == "Pending"


def test_a_grown_amount_bonds_the_difference_keyed_by_the_new_total() -> None:
    history = {"bond": h(500, moved=500), "reward": h(NOW_EPOCH)}
    (bond,) = plan(
        make_stake(800),
        facts(history=history, position=StakePosition(staker=staker_account("alice"), bonded=500)),
    )
    assert bond == Bond(
        uid="uid-1", epoch=800, staker=staker_account("alice"), amount=300, memo="bond to 800"
    )


def test_finished_epochs_are_rewarded_once_each_after_the_budget_mint() -> None:
    history = {"bond": h(500, moved=500), "reward": h(NOW_EPOCH - 3)}
    rewards = {NOW_EPOCH - 2: 7, NOW_EPOCH - 1: 9}
    actions = plan(make_stake(500), facts(history=history, rewards=rewards))
    budget = PARAMS.mixing_pool + PARAMS.compute_pool
    assert actions == (
        Mint(uid="rewards-budget", epoch=NOW_EPOCH - 2, to="pool:rewards", amount=budget),  # type: ignore[arg-type]
        Reward(uid="uid-1", epoch=NOW_EPOCH - 2, amount=7, memo="epoch reward"),
        Mint(uid="rewards-budget", epoch=NOW_EPOCH - 1, to="pool:rewards", amount=budget),  # type: ignore[arg-type]
        Reward(uid="uid-1", epoch=NOW_EPOCH - 1, amount=9, memo="epoch reward"),
    )
    # the same look after those were recorded asks for nothing (idempotence)
    done = {**history, "reward": h(NOW_EPOCH - 1)}
    assert plan(make_stake(500), facts(history=done, rewards={})) == ()


def test_catch_up_is_bounded_per_look() -> None:
    history = {"bond": h(500), "reward": h(NOW_EPOCH - 100)}
    rewards = [a for a in plan(make_stake(500), facts(history=history)) if isinstance(a, Reward)]
    assert len(rewards) == CATCH_UP
    assert rewards[0].epoch == NOW_EPOCH - 99


def test_down_slashes_once_then_jail_holds_and_pays_nothing() -> None:
    position = StakePosition(staker=staker_account("alice"), bonded=500)
    down = Health(exists=True, down=True, reason="reliability 0.1 below 0.5")
    history = {"bond": h(500), "reward": h(NOW_EPOCH - 1)}
    (slash,) = plan(make_stake(500), facts(history=history, position=position, health=down))
    assert slash == Slash(uid="uid-1", epoch=NOW_EPOCH, fraction=Fraction(1, 10), memo=down.reason)
    later = NOW + timedelta(seconds=2 * EPOCH)
    jailed = {**history, "slash": h(NOW_EPOCH, moved=50)}
    look = facts(
        now=later,
        epoch=NOW_EPOCH + 2,
        history=jailed,
        position=position,
        health=down,
        rewards={NOW_EPOCH: 99, NOW_EPOCH + 1: 99},
    )
    actions = plan(make_stake(500), look)
    assert not any(isinstance(a, Slash) for a in actions)  # no second cut while jailed (30 s)
    assert [a.amount for a in actions if isinstance(a, Reward)] == [0, 0]
    settled = settle(make_stake(500), {}, look, state="Ready", message="", violations=())
    assert settled.status["phase"] == "Jailed"
    assert settled.status["slashed"] == "50"
    assert settled.status["jailedUntil"] == "2026-01-01T12:00:30Z"


def test_jail_ends_and_a_new_outage_slashes_again() -> None:
    position = StakePosition(staker=staker_account("alice"), bonded=450)
    down = Health(exists=True, down=True, reason="down")
    history = {"bond": h(500), "reward": h(NOW_EPOCH + 2), "slash": h(NOW_EPOCH, moved=50)}
    look = facts(
        now=NOW + timedelta(seconds=40),
        epoch=NOW_EPOCH + 4,
        history=history,
        position=position,
        health=down,
    )
    assert any(isinstance(a, Slash) for a in plan(make_stake(500), look))


def test_unbonding_starts_once_and_releases_after_the_period() -> None:
    stake = make_stake(500, unbond=True)
    history = {"bond": h(500), "reward": h(NOW_EPOCH - 1)}
    assert plan(stake, facts(history=history)) == (
        BeginUnbond(uid="uid-1", epoch=0, memo="spec.unbond"),
    )
    started = {**history, "unbond": h(0, moved=500)}
    settled = settle(stake, {}, facts(history=started), state="Ready", message="", violations=())
    assert settled.status["phase"] == "Unbonding"
    complete = settled.status["unbondingCompleteTime"]
    assert complete == "2026-01-01T12:01:00Z"
    waiting = make_stake(500, unbond=True, status={"unbondingCompleteTime": complete})
    assert plan(waiting, facts(history=started, now=NOW + timedelta(seconds=59))) == ()
    assert plan(waiting, facts(history=started, now=NOW + timedelta(seconds=60))) == (
        Unbond(uid="uid-1", epoch=0, memo="unbonding period served"),
    )
    released = {**started, "release": h(0, moved=500)}
    assert plan(waiting, facts(history=released, now=NOW + timedelta(seconds=61))) == ()


@pytest.mark.parametrize(
    ("state", "reason"),
    [("NoDatabase", "NoDatabase"), ("Unavailable", "LedgerUnavailable"), ("Ready", "LedgerReady")],
)
def test_ledger_state_is_a_condition(state: Any, reason: str) -> None:
    settled = settle(make_stake(), {}, facts(), state=state, message="m", violations=None)
    ready = next(c for c in settled.status["conditions"] if c["type"] == "LedgerReady")
    assert ready["reason"] == reason
    assert ("phase" in settled.status) == (state == "Ready")


def test_invariant_violations_make_the_consistency_condition_false() -> None:
    from fogcompute_operator.ledger.checking import Violation

    broken = (Violation(invariant="balances_sum_to_zero", detail="balances sum to 5"),)
    settled = settle(make_stake(), {}, facts(), state="Ready", message="", violations=broken)
    consistent = next(c for c in settled.status["conditions"] if c["type"] == "LedgerConsistent")
    assert (consistent["status"], consistent["reason"]) == ("False", "InvariantViolated")
    assert "balances sum to 5" in consistent["message"]


def test_a_refused_bond_is_insufficient_funds() -> None:
    refusal = Refusal(
        key=ActionKey(resource_uid="uid-1", action="bond", epoch=500),
        reason="staker:alice would hold -1: insufficient funds",
    )
    settled = settle(
        make_stake(), {}, facts(), state="Ready", message="", violations=(), refusals=(refusal,)
    )
    bonded = next(c for c in settled.status["conditions"] if c["type"] == "Bonded")
    assert bonded["reason"] == "InsufficientFunds"


def test_votes_on_open_proposals_are_recorded_with_the_bonded_weight() -> None:
    stake = make_stake(
        votes=[{"proposal": "p1", "option": "yes"}, {"proposal": "closed", "option": "no"}]
    )
    look = facts(
        history={"bond": h(500)}, position=StakePosition(staker=staker_account("alice"), bonded=500)
    )
    settled = settle(
        stake, {}, look, state="Ready", message="", violations=(), open_proposals=frozenset({"p1"})
    )
    assert settled.status["recordedVotes"] == [
        {"proposal": "p1", "option": "yes", "weight": "500", "recordedTime": "2026-01-01T12:00:00Z"}
    ]


def test_settling_twice_changes_nothing() -> None:
    look = facts(
        history={"bond": h(500), "reward": h(NOW_EPOCH)},
        position=StakePosition(staker=staker_account("alice"), bonded=500),
    )
    first = settle(make_stake(), {}, look, state="Ready", message="", violations=())
    body = {"status": first.status}
    again = settle(
        make_stake(status=first.status), body, look, state="Ready", message="", violations=()
    )
    assert first.changed
    assert not again.changed
    assert again.events == ()
