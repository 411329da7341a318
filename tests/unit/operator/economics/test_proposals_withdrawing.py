"""A deleted Proposal's pure decisions: the deposit finalizer as a table over (finalizer
present, ledger history, deletion), and the withdrawal: an escrowed deposit refunded once,
keyed, with no tally (votes void, never burned); nothing before a deposit or after a verdict."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fogcompute_api.proposals import Proposal
from fogcompute_operator.controlling import FinalizerStep, finalizer_step
from fogcompute_operator.economics import VoteOption
from fogcompute_operator.ledger import ESCROW, Action, Leg, Transfer, staker_account
from fogcompute_operator.ledger.actions import ActionKey
from fogcompute_operator.ledger.histories import ActionHistory
from fogcompute_operator.proposals import DEPOSIT_FINALIZER, WITHDRAWN, Facts, plan, settle
from fogcompute_operator.proposals.withdrawing import holds
from fogcompute_operator.treasury import Governed

NOW = datetime(2026, 1, 1, 12, 2, 0, tzinfo=UTC)  # after the voting period
PARAMS = Governed(min_deposit=100, voting_seconds=60)
VOTING = {
    "phase": "Voting",
    "votingStartTime": "2026-01-01T12:00:00Z",
    "votingEndTime": "2026-01-01T12:01:00Z",
}


def h(moved: int) -> ActionHistory:
    return ActionHistory(last_epoch=0, entries=1, moved=moved)


ESCROWED = {"deposit": h(500)}
WITHDRAWN_H = {**ESCROWED, WITHDRAWN: h(500)}
BURNED = {**ESCROWED, "burn": h(500)}
PASSED = {**ESCROWED, "refund_passed": h(500)}
DEPOSIT = Transfer(
    key=ActionKey(resource_uid="puid", action="deposit", epoch=0),
    legs=(Leg(account=staker_account("bob"), amount=-500), Leg(account=ESCROW, amount=500)),
)


def make_proposal(*, deleted: bool = True) -> Proposal:
    metadata: dict[str, Any] = {"name": "p", "uid": "puid", "generation": 1}
    if deleted:
        metadata |= {"deletionTimestamp": "2026-01-01T12:00:30Z", "finalizers": [DEPOSIT_FINALIZER]}
    return Proposal.model_validate(
        {
            "metadata": metadata,
            "spec": {
                "title": "t",
                "proposer": "bob",
                "deposit": "500",
                "changes": [{"parameter": "staking.minimumStake", "value": "2000"}],
            },
            "status": VOTING,
        }
    )


@pytest.mark.parametrize(
    ("present", "history", "planned", "deleting", "step"),
    [
        pytest.param(False, {}, (DEPOSIT,), False, "add", id="deposit next: add before it"),
        pytest.param(False, ESCROWED, (), False, "add", id="escrowed by an older operator: add"),
        pytest.param(True, ESCROWED, (), False, None, id="voting: keep"),
        pytest.param(True, PASSED, (), False, "remove", id="verdict refunded: remove"),
        pytest.param(True, BURNED, (), False, "remove", id="vetoed, burned: remove"),
        pytest.param(True, ESCROWED, (), True, None, id="deleted, escrowed: keep"),
        pytest.param(True, WITHDRAWN_H, (), True, "remove", id="deleted, refunded: remove"),
        pytest.param(True, {}, (), True, "remove", id="deleted before the deposit: remove"),
        pytest.param(False, {}, (), True, None, id="deleted, never deposited: nothing"),
    ],
)
def test_the_deposit_finalizer(
    present: bool,
    history: dict[str, ActionHistory],
    planned: tuple[Action, ...],
    deleting: bool,
    step: FinalizerStep | None,
) -> None:
    found = finalizer_step(present=present, holds=holds(history, planned), deleting=deleting)
    assert found == step


def test_a_deleted_voting_proposal_refunds_the_deposit_once_without_a_tally() -> None:
    vetoed = {"s1": VoteOption.NO_WITH_VETO}  # would burn it if tallied
    facts = Facts(now=NOW, params=PARAMS, history=ESCROWED, votes=vetoed, bonded={"s1": 900})
    (refund,) = plan(make_proposal(), facts)
    assert isinstance(refund, Transfer)
    assert refund.key == ActionKey(resource_uid="puid", action=WITHDRAWN, epoch=0)
    assert refund.legs == (
        Leg(account=ESCROW, amount=-500),
        Leg(account=staker_account("bob"), amount=500),
    )
    alive = plan(make_proposal(deleted=False), facts)
    assert [a.key.action for a in alive] == ["burn"]  # the contrast: tallied, burned
    after = Facts(now=NOW, params=PARAMS, history=WITHDRAWN_H, votes=vetoed, bonded={"s1": 900})
    assert plan(make_proposal(), after) == ()  # replayed: nothing more
    settled = settle(make_proposal(), {"status": VOTING}, after, state="Ready", message="")
    deposited = next(c for c in settled.status["conditions"] if c["type"] == "Deposited")
    assert (deposited["status"], deposited["reason"]) == ("False", "Withdrawn")
    assert "deposit 500 refunded to bob" in deposited["message"]


@pytest.mark.parametrize(
    "history", [pytest.param({}, id="no deposit"), pytest.param(BURNED, id="after a verdict")]
)
def test_a_deleted_proposal_without_escrow_moves_nothing(history: dict[str, ActionHistory]) -> None:
    assert plan(make_proposal(), Facts(now=NOW, params=PARAMS, history=history)) == ()
