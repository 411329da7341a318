"""A deleted Stake's pure decisions with a fake clock: the unbond finalizer as a table over
(finalizer present, ledger history, deletion), and what a deleted Stake's plan asks of the
ledger (only its unbonding: no bond, reward or slash), with the Unbonding condition saying
what it waits for. Replaying the plan against what it recorded asks for nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from fogcompute_api.stakes import Stake
from fogcompute_operator.controlling import FinalizerStep, finalizer_step
from fogcompute_operator.ledger import (
    Action,
    BeginUnbond,
    Bond,
    StakePosition,
    Unbond,
    staker_account,
)
from fogcompute_operator.ledger.histories import ActionHistory
from fogcompute_operator.stakes import (
    UNBOND_FINALIZER,
    UNBONDING,
    Facts,
    Health,
    holds,
    plan,
    settle,
)
from fogcompute_operator.treasury import Governed

EPOCH = 10.0
NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
NOW_EPOCH = int(NOW.timestamp() // EPOCH)
PARAMS = Governed(
    minimum_stake=100, jail_seconds=30, unbonding_seconds=60, downtime_fraction=Fraction(1, 10)
)
DELETED = "2026-01-01T11:59:00Z"
BONDED = {"bond": ActionHistory(last_epoch=500, entries=1, moved=500)}
REWARDED = {**BONDED, "reward": ActionHistory(last_epoch=NOW_EPOCH - 5, entries=3, moved=70)}
UNBONDING_H = {**REWARDED, "unbond": ActionHistory(last_epoch=0, entries=1, moved=500)}
RELEASED = {**UNBONDING_H, "release": ActionHistory(last_epoch=0, entries=1, moved=500)}


def make_stake(
    amount: int = 500, *, deleted: bool = True, status: dict[str, Any] | None = None
) -> Stake:
    metadata: dict[str, Any] = {"name": "s", "namespace": "ns", "uid": "uid-1", "generation": 1}
    if deleted:
        metadata |= {"deletionTimestamp": DELETED, "finalizers": [UNBOND_FINALIZER]}
    body: dict[str, Any] = {
        "metadata": metadata,
        "spec": {
            "account": "alice",
            "target": {"kind": "MixNode", "name": "m"},
            "amount": str(amount),
        },
    }
    if status is not None:
        body["status"] = status
    return Stake.model_validate(body)


def facts(history: dict[str, ActionHistory], **changes: Any) -> Facts:
    base: dict[str, Any] = {
        "now": NOW,
        "epoch": NOW_EPOCH,
        "epoch_seconds": EPOCH,
        "params": PARAMS,
        "history": history,
        "position": StakePosition(staker=staker_account("alice"), bonded=500),
        "health": Health(exists=True, down=True, reason="reliability 0.1 < 0.5", performance=0.1),
        "rewards": dict.fromkeys(range(NOW_EPOCH - 4, NOW_EPOCH), 9),
    }
    return Facts(**{**base, **changes})


BOND = Bond(uid="uid-1", epoch=500, staker=staker_account("alice"), amount=500, memo="bond to 500")


@pytest.mark.parametrize(
    ("present", "history", "planned", "deleting", "step"),
    [
        pytest.param(False, {}, (BOND,), False, "add", id="first bond: add before it"),
        pytest.param(False, BONDED, (), False, "add", id="bonded by an older operator: add"),
        pytest.param(True, BONDED, (), False, None, id="bonded: keep"),
        pytest.param(True, {}, (BOND,), False, None, id="bond refused, retried: keep"),
        pytest.param(True, UNBONDING_H, (), True, None, id="deleted, unbonding: keep"),
        pytest.param(True, BONDED, (), True, None, id="deleted, bonded: keep"),
        pytest.param(True, RELEASED, (), True, "remove", id="deleted, released: remove"),
        pytest.param(True, {}, (), True, "remove", id="deleted before the bond: remove"),
        pytest.param(True, RELEASED, (), False, "remove", id="spec.unbond released: remove"),
        pytest.param(False, {}, (), True, None, id="deleted, never bonded: nothing"),
        pytest.param(False, {}, (), False, None, id="below the minimum: nothing"),
    ],
)
def test_the_unbond_finalizer(
    present: bool,
    history: dict[str, ActionHistory],
    planned: tuple[Action, ...],
    deleting: bool,
    step: FinalizerStep | None,
) -> None:
    found = finalizer_step(present=present, holds=holds(history, planned), deleting=deleting)
    assert found == step


def test_a_deleted_bonded_stake_only_begins_to_unbond() -> None:
    stake = make_stake(900)  # a raise, rewards due, the node down: none of it after deletion
    actions = plan(stake, facts(REWARDED))
    assert actions == (BeginUnbond(uid="uid-1", epoch=0, memo="deleted"),)
    alive = plan(make_stake(900, deleted=False), facts(REWARDED))
    assert {type(a).__name__ for a in alive} >= {"Bond", "Reward", "Slash"}  # the contrast


def test_a_stake_deleted_before_it_bonded_is_never_bonded() -> None:
    assert plan(make_stake(500), facts({}, position=None)) == ()


def test_in_a_terminating_namespace_nothing_is_bonded() -> None:
    stake = make_stake(500, deleted=False)
    found = facts({}, position=None, namespace_terminating=True)
    assert plan(stake, found) == ()
    settled = settle(stake, {}, found, state="Ready", message="", violations=())
    bonded = next(c for c in settled.status["conditions"] if c["type"] == "Bonded")
    assert (bonded["status"], bonded["reason"]) == ("False", "NamespaceTerminating")


def test_the_release_waits_for_the_period_and_the_condition_says_until_when() -> None:
    complete = NOW + timedelta(seconds=30)
    status = {"unbondingCompleteTime": complete.strftime("%Y-%m-%dT%H:%M:%SZ")}
    stake = make_stake(status=status)
    waiting = facts(UNBONDING_H, position=StakePosition(staker=staker_account("alice")))
    assert plan(stake, waiting) == ()
    settled = settle(stake, {"status": status}, waiting, state="Ready", message="", violations=())
    condition = next(c for c in settled.status["conditions"] if c["type"] == UNBONDING)
    assert (condition["status"], condition["reason"]) == ("True", "StakeDeleted")
    assert "2026-01-01T12:00:30Z" in condition["message"]
    assert UNBOND_FINALIZER in condition["message"]
    assert settled.status["phase"] == "Unbonding"
    assert any(e.reason == "StakeDeleted" for e in settled.events)
    later = facts(UNBONDING_H, now=complete)
    assert plan(stake, later) == (Unbond(uid="uid-1", epoch=0, memo="unbonding period served"),)
    assert plan(stake, facts(RELEASED, now=complete)) == ()  # replayed: nothing more


def test_after_the_release_the_condition_says_where_the_tokens_went() -> None:
    stake = make_stake()
    settled = settle(stake, {}, facts(RELEASED), state="Ready", message="", violations=())
    condition = next(c for c in settled.status["conditions"] if c["type"] == UNBONDING)
    assert (condition["status"], condition["reason"]) == ("False", "Unbonded")
    assert condition["message"] == "500 back on account alice"
    assert settled.status["phase"] == "Unbonded"


def test_an_alive_bonded_stake_has_no_unbonding_condition() -> None:
    settled = settle(
        make_stake(deleted=False), {}, facts(REWARDED), state="Ready", message="", violations=()
    )
    assert UNBONDING not in {c["type"] for c in settled.status["conditions"]}
