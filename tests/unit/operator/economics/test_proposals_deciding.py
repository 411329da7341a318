"""The Proposal's pure decisions with a fake clock: deposit, voting window, tally, verdict keyed
in the ledger, execution; and the parameters in force derived from Executed Proposals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from fogcompute_api.proposals import PARAMETER_FORMATS, Proposal
from fogcompute_operator.economics import VoteOption
from fogcompute_operator.ledger import ESCROW, Burn, Leg, Transfer, staker_account
from fogcompute_operator.ledger.histories import ActionHistory
from fogcompute_operator.proposals import Facts, plan, settle
from fogcompute_operator.treasury import Governed, apply_changes, in_force

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
PARAMS = Governed(min_deposit=100, voting_seconds=60)


def make_proposal(deposit: int = 500, status: dict[str, Any] | None = None) -> Proposal:
    body: dict[str, Any] = {
        "metadata": {"name": "p", "uid": "puid", "generation": 1},
        "spec": {
            "title": "t",
            "proposer": "bob",
            "deposit": str(deposit),
            "changes": [
                {"parameter": "staking.minimumStake", "value": "2000"},
                {"parameter": "rewards.computeRatePerCpuSecond", "value": "12"},
            ],
        },
    }
    if status:
        body["status"] = status
    return Proposal.model_validate(body)


def h(moved: int) -> ActionHistory:
    return ActionHistory(last_epoch=0, entries=1, moved=moved)


def test_the_deposit_goes_to_escrow_once() -> None:
    (deposit,) = plan(make_proposal(), Facts(now=NOW, params=PARAMS))
    assert isinstance(deposit, Transfer)
    assert deposit.key.action == "deposit"
    assert deposit.legs == (
        Leg(account=staker_account("bob"), amount=-500),
        Leg(account=ESCROW, amount=500),
    )
    assert plan(make_proposal(), Facts(now=NOW, params=PARAMS, history={"deposit": h(500)})) == ()


def test_a_deposit_below_the_minimum_is_not_taken() -> None:
    proposal = make_proposal(deposit=50)
    assert plan(proposal, Facts(now=NOW, params=PARAMS)) == ()
    settled = settle(proposal, {}, Facts(now=NOW, params=PARAMS), state="Ready", message="")
    deposited = next(c for c in settled.status["conditions"] if c["type"] == "Deposited")
    assert deposited["reason"] == "DepositTooSmall"


def voting(now: datetime, **facts: Any) -> tuple[Proposal, Facts]:
    status = {
        "phase": "Voting",
        "votingStartTime": "2026-01-01T12:00:00Z",
        "votingEndTime": "2026-01-01T12:01:00Z",
    }
    return make_proposal(status=status), Facts(
        now=now, params=PARAMS, history={"deposit": h(500)}, **facts
    )


def test_voting_runs_for_the_period_then_a_passed_tally_refunds_under_its_verdict() -> None:
    votes = {"s1": VoteOption.YES, "s2": VoteOption.NO}
    bonded = {"s1": 700, "s2": 300}
    proposal, look = voting(NOW + timedelta(seconds=59), votes=votes, bonded=bonded)
    assert plan(proposal, look) == ()
    settled = settle(proposal, {}, look, state="Ready", message="")
    assert settled.status["phase"] == "Voting"
    assert settled.status["tally"] == {"yes": "700", "no": "300", "abstain": "0", "noWithVeto": "0"}
    assert settled.requeue_after == 1.0
    proposal, look = voting(NOW + timedelta(seconds=60), votes=votes, bonded=bonded)
    (refund,) = plan(proposal, look)
    assert isinstance(refund, Transfer)
    assert refund.key.action == "refund_passed"
    done = Facts(
        now=look.now,
        params=PARAMS,
        history={"deposit": h(500), "refund_passed": h(500)},
        votes=votes,
        bonded=bonded,
    )
    assert plan(proposal, done) == ()  # the verdict is in the ledger: never tallied twice
    settled = settle(proposal, {}, done, state="Ready", message="")
    assert settled.status["phase"] == "Executed"
    assert settled.status["executedTime"] == "2026-01-01T12:01:00Z"
    (note,) = [e for e in settled.events if e.reason == "ParametersApplied"]
    assert "staking.minimumStake=2000" in note.message
    assert "rewards.computeRatePerCpuSecond=12" in note.message


def test_a_veto_burns_the_deposit() -> None:
    proposal, look = voting(
        NOW + timedelta(seconds=61),
        votes={"s1": VoteOption.NO_WITH_VETO, "s2": VoteOption.YES},
        bonded={"s1": 500, "s2": 400},
    )
    (burn,) = plan(proposal, look)
    assert burn == Burn(uid="puid", epoch=0, source=ESCROW, amount=500, memo="Vetoed")


def test_without_quorum_the_deposit_comes_back_as_rejected() -> None:
    proposal, look = voting(
        NOW + timedelta(seconds=61), votes={"s1": VoteOption.YES}, bonded={"s1": 10, "s2": 990}
    )
    (refund,) = plan(proposal, look)
    assert isinstance(refund, Transfer)
    assert refund.key.action == "refund_noquorum"


def test_parameters_in_force_follow_executed_proposals_in_order() -> None:
    def executed(name: str, when: str, value: str, phase: str = "Executed") -> dict[str, Any]:
        return {
            "metadata": {"name": name},
            "spec": {"changes": [{"parameter": "governance.quorum", "value": value}]},
            "status": {"phase": phase, "executedTime": when},
        }

    proposals = [
        executed("b", "2026-01-02T00:00:00Z", "0.5"),
        executed("a", "2026-01-01T00:00:00Z", "0.4"),
        executed("c", "2026-01-03T00:00:00Z", "0.9", phase="Rejected"),
    ]
    assert in_force(Governed(), proposals).quorum == Fraction(1, 2)


def test_every_whitelisted_parameter_is_applied_and_nothing_else_is_accepted() -> None:
    """The Proposal API's whitelist and what the treasury applies are the same set: a passed
    Proposal can never carry a change that silently does nothing."""
    samples = {"token": "7", "integer": "7", "fraction": "0.25", "weight": "7"}
    for parameter, value_format in PARAMETER_FORMATS.items():
        changed = apply_changes(Governed(), [(parameter, samples[value_format])])
        assert changed != Governed(), f"{parameter} is whitelisted but changes nothing"
    with pytest.raises(ValueError, match=r"harvest\.minIdleSeconds: not a governed parameter"):
        apply_changes(Governed(), [("harvest.minIdleSeconds", "60")])
