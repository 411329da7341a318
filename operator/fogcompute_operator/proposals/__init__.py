"""The Proposal kind: deposit, voting through Stakes, Cosmos tally, execution, in the ledger.

Above the runtime, the ledger and the treasury, independent of every other kind package.
Modules: deciding (pure), withdrawing (pure: the deposit finalizer, and the refund of a
Proposal deleted before its verdict), reconciling (get, read, decide, write the ledger, write
status once), starting (the controller on the runtime).
"""

from fogcompute_operator.proposals.deciding import (
    DECIDED,
    DEPOSITED,
    LEDGER_READY,
    Facts,
    Settled,
    plan,
    settle,
)
from fogcompute_operator.proposals.reconciling import CONTROLLER, ProposalReconciler
from fogcompute_operator.proposals.starting import Proposals, build_proposals, start_proposals
from fogcompute_operator.proposals.withdrawing import DEPOSIT_FINALIZER, WITHDRAWN, withdraw

__all__ = [
    "CONTROLLER",
    "DECIDED",
    "DEPOSITED",
    "DEPOSIT_FINALIZER",
    "LEDGER_READY",
    "WITHDRAWN",
    "Facts",
    "ProposalReconciler",
    "Proposals",
    "Settled",
    "build_proposals",
    "plan",
    "settle",
    "start_proposals",
    "withdraw",
]
