"""Deleting a Proposal whose deposit is in escrow: a withdrawal, refunded, behind a finalizer. Pure.

Part of the Proposal's "decide" step (``deciding.plan`` and ``reconciling`` call it). A deposit
moved into escrow belongs to the proposer until a tally decides otherwise, so a Proposal holding
one carries ``DEPOSIT_FINALIZER`` and its deletion only sets ``deletionTimestamp``. The fair
outcome of deleting it before a verdict is recorded (phase Pending with a deposit, or Voting):

- the proposal is withdrawn: no tally, the votes cast on it are void (nothing counts them, no
  parameter changes), and the deposit is never burned, even if the votes so far would veto it;
- the whole deposit goes back to the proposer, once, keyed ``refund_withdrawn`` (so a restart
  or a replay after a crash never pays it twice); the Deposited condition turns False,
  reason ``Withdrawn``, with its Event naming the amount and the proposer;
- then the finalizer is removed, last, and the object goes.

Deleted after a verdict (the deposit already refunded or burned) or before any deposit was
recorded, it holds nothing and goes at once; a deletion never records a deposit.

Crash safety, by order: the finalizer is added (guarded by resourceVersion) before the deposit
is written, so a crash between leaves a finalizer and no deposit (removed at the next look or
at the deletion), never a deposit behind an object already gone; the refund is keyed; the
finalizer goes only once the ledger shows nothing in escrow for the proposal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from fogcompute_api.proposals import Proposal

from fogcompute_operator.ledger import (
    ESCROW,
    AccountName,
    Action,
    ActionHistory,
    ActionKey,
    Leg,
    Transfer,
)

__all__ = [
    "DEPOSIT_FINALIZER",
    "SETTLING_ACTIONS",
    "WITHDRAWN",
    "deleting",
    "holds",
    "withdraw",
]

DEPOSIT_FINALIZER: Final = "fogcompute.io/refund-deposit"
WITHDRAWN: Final = "refund_withdrawn"
SETTLING_ACTIONS: Final = frozenset(
    {"burn", "refund_passed", "refund_rejected", "refund_noquorum", WITHDRAWN}
)
"""The ledger actions that empty a proposal's escrow (a verdict's, or the withdrawal's)."""


def deleting(proposal: Proposal) -> bool:
    return proposal.metadata.deletion_timestamp is not None


def _escrowed(history: Mapping[str, ActionHistory]) -> bool:
    return "deposit" in history and not SETTLING_ACTIONS & history.keys()


def holds(history: Mapping[str, ActionHistory], planned: Sequence[Action]) -> bool:
    """Whether the proposal's deposit is in escrow, or is about to be."""
    if any(action.key.action == "deposit" for action in planned):
        return True
    return _escrowed(history)


def withdraw(
    proposal: Proposal, history: Mapping[str, ActionHistory], *, proposer: AccountName
) -> tuple[Action, ...]:
    """The deleted Proposal's refund of its escrowed deposit (nothing if none is escrowed)."""
    if not _escrowed(history):
        return ()
    held = history["deposit"].moved
    key = ActionKey(resource_uid=proposal.metadata.uid or "", action=WITHDRAWN, epoch=0)
    legs = (Leg(account=ESCROW, amount=-held), Leg(account=proposer, amount=held))
    return (Transfer(key=key, legs=legs, memo="proposal deleted: deposit refunded"),)
