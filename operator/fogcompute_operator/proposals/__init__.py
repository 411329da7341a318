"""The Proposal kind: deposit, voting through Stakes, Cosmos tally, execution, in the ledger.

Above the runtime, the ledger and the treasury, independent of every other kind package.
Modules: deciding (pure), reconciling (get, read, decide, write the ledger, write status once),
starting (the controller on the runtime).
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

__all__ = [
    "CONTROLLER",
    "DECIDED",
    "DEPOSITED",
    "LEDGER_READY",
    "Facts",
    "ProposalReconciler",
    "Proposals",
    "Settled",
    "build_proposals",
    "plan",
    "settle",
    "start_proposals",
]
