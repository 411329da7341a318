"""A Proposal's ledger actions and status: deposit, voting period, Cosmos tally, outcome. Pure.

The "decide" step of the Proposal reconcile, around the ledger write like the Stake's:

- deposit: ``spec.deposit`` (at least the governed minimum deposit) moves from the proposer's
  account into escrow (``Transfer`` keyed ``deposit``); that opens voting, for the governed
  voting period from the moment the deposit is first seen recorded;
- votes are cast through Stakes (``spec.votes``; the admission policy lets only the Stake's
  account write it); each weighs its bonded amount in the ledger (``economics.count_votes``);
- at the end of voting, ``economics.tally`` (quorum, veto, threshold of non-abstain): vetoed ->
  the deposit is burned (``Burn`` keyed ``burn``); otherwise it goes back to the proposer,
  under a key naming the verdict (``refund_passed``, ``refund_rejected``, ``refund_noquorum``),
  so the verdict itself lives in the ledger and a restart can never tally twice;
- passed -> phase Executed with ``executedTime``: the parameters in force are every Executed
  Proposal's changes in that order (``treasury.in_force``), applied by every controller that
  reads them (the scheduler reads the tier weights at its next round); changes this operator
  does not apply are named in an Event. A passed Proposal whose changes cannot apply to the
  parameters in force (``treasury.apply_changes`` refuses them: e.g. a tier left with every
  weight 0) turns Failed instead, with the ``Applied`` condition and a Warning Event naming the
  parameter and the fix; it never counts in ``in_force``. Executed and Failed are final. While
  voting, changes that could not apply now are flagged early (``Applied=False``,
  ``WouldNotApply``), so voters know;
- deleted before a verdict: withdrawn, the deposit refunded and the votes void, behind a
  finalizer (``withdrawing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from fogcompute_api.conditions import Condition
from fogcompute_api.proposals import Proposal

from fogcompute_operator.controlling import EventNote, Verdict, apply_verdicts
from fogcompute_operator.economics import TallyResult, VoteOption, count_votes, tally
from fogcompute_operator.economics import Verdict as Outcome
from fogcompute_operator.ledger import (
    ESCROW,
    Action,
    ActionHistory,
    ActionKey,
    Burn,
    Leg,
    Refusal,
    Transfer,
    staker_account,
)
from fogcompute_operator.proposals.withdrawing import WITHDRAWN, deleting, withdraw
from fogcompute_operator.treasury import Governed, LedgerState, apply_changes

__all__ = ["APPLIED", "DECIDED", "DEPOSITED", "LEDGER_READY", "Facts", "Settled", "plan", "settle"]

LEDGER_READY, DEPOSITED, DECIDED, APPLIED = "LedgerReady", "Deposited", "Decided", "Applied"
_FINAL: Final = frozenset({"Executed", "Failed"})
_REFUNDS: Final = {
    Outcome.PASSED: "refund_passed",
    Outcome.REJECTED: "refund_rejected",
    Outcome.NO_QUORUM: "refund_noquorum",
}
_BY_ACTION: Final = {**{a: v for v, a in _REFUNDS.items()}, "burn": Outcome.VETOED}


@dataclass(frozen=True, kw_only=True)
class Facts:
    now: datetime
    params: Governed
    history: Mapping[str, ActionHistory] = field(default_factory=dict)
    votes: Mapping[str, VoteOption] = field(default_factory=dict)  # stake uid -> option
    bonded: Mapping[str, int] = field(default_factory=dict)  # stake uid -> bonded now


def verdict_of(history: Mapping[str, ActionHistory]) -> Outcome | None:
    """The verdict the ledger recorded, if voting has been closed."""
    for action, outcome in _BY_ACTION.items():
        if action in history:
            return outcome
    return None


def voting_window(proposal: Proposal, facts: Facts) -> tuple[datetime, datetime] | None:
    if "deposit" not in facts.history:
        return None
    status = proposal.status
    start = (status.voting_start_time if status else None) or facts.now
    end = (status.voting_end_time if status else None) or start + timedelta(
        seconds=facts.params.voting_seconds
    )
    return start, end


def current_tally(facts: Facts) -> TallyResult:
    votes = count_votes(votes=facts.votes, bonded=facts.bonded)
    total = sum(max(b, 0) for b in facts.bonded.values())
    return tally(votes=votes, bonded_total=total, params=facts.params.tally)


def _uid(proposal: Proposal) -> str:
    return proposal.metadata.uid or ""


def plan(proposal: Proposal, facts: Facts) -> tuple[Action, ...]:
    uid, history, spec = _uid(proposal), facts.history, proposal.spec
    proposer = staker_account(spec.proposer)
    deposit = int(spec.deposit)
    if deleting(proposal):
        return withdraw(proposal, history, proposer=proposer)
    if "deposit" not in history:
        if deposit < facts.params.min_deposit:
            return ()
        key = ActionKey(resource_uid=uid, action="deposit", epoch=0)
        legs = (Leg(account=proposer, amount=-deposit), Leg(account=ESCROW, amount=deposit))
        return (Transfer(key=key, legs=legs, memo="proposal deposit"),)
    window = voting_window(proposal, facts)
    if verdict_of(history) is not None or window is None or facts.now < window[1]:
        return ()
    held = history["deposit"].moved
    result = current_tally(facts)
    if result.burn_deposit:
        return (Burn(uid=uid, epoch=0, source=ESCROW, amount=held, memo=result.verdict.value),)
    key = ActionKey(resource_uid=uid, action=_REFUNDS[result.verdict], epoch=0)
    legs = (Leg(account=ESCROW, amount=-held), Leg(account=proposer, amount=held))
    return (Transfer(key=key, legs=legs, memo=result.verdict.value),)


@dataclass(frozen=True, kw_only=True)
class Settled:
    status: dict[str, Any]
    changed: bool
    events: tuple[EventNote, ...]
    requeue_after: float | None


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _ledger_verdict(state: LedgerState, message: str) -> Verdict:
    if state == "NoDatabase":
        return Verdict("False", "NoDatabase", message)
    if state != "Ready":
        return Verdict("False", "LedgerUnavailable", message)
    return Verdict("True", "LedgerReady", "the ledger database answers")


def _deposited(proposal: Proposal, facts: Facts, refusals: tuple[Refusal, ...]) -> Verdict:
    if WITHDRAWN in facts.history:
        refunded, proposer = facts.history[WITHDRAWN].moved, proposal.spec.proposer
        message = f"deleted before a verdict: deposit {refunded} refunded to {proposer}"
        return Verdict("False", "Withdrawn", message + ", votes void")
    if "deposit" in facts.history:
        return Verdict("True", "DepositHeld", f"{facts.history['deposit'].moved} in escrow")
    for refusal in refusals:
        return Verdict("False", "InsufficientFunds", f"deposit refused: {refusal.reason}")
    minimum = facts.params.min_deposit
    return Verdict(
        "False",
        "DepositTooSmall",
        f"spec.deposit={proposal.spec.deposit} is below governance.minDeposit {minimum}; "
        "create a new Proposal with a larger deposit",
    )


def settle(
    proposal: Proposal,
    body: Mapping[str, Any],
    facts: Facts,
    *,
    state: LedgerState,
    message: str,
    refusals: tuple[Refusal, ...] = (),
) -> Settled:
    generation = proposal.metadata.generation or 0
    current: Mapping[str, Any] = body.get("status") or {}
    before: tuple[Condition, ...] = proposal.status.conditions if proposal.status else ()
    verdicts = {LEDGER_READY: _ledger_verdict(state, message)}
    status: dict[str, Any] = {**current, "observedGeneration": generation}
    notes: list[EventNote] = []
    requeue = None
    if state == "Ready":
        verdicts[DEPOSITED] = _deposited(proposal, facts, refusals)
        figures, requeue, notes = _figures(proposal, facts, current)
        status.update(figures)
        outcome = verdict_of(facts.history)
        if outcome is not None:
            verdicts[DECIDED] = Verdict(
                "True" if outcome is Outcome.PASSED else "False", outcome.value, ""
            )
        if status.get("phase") in _FINAL:
            verdicts[APPLIED] = _applied(proposal, facts, phase=str(status["phase"]))
        elif (problem := inapplicable(proposal, facts.params)) is not None:
            verdicts[APPLIED] = Verdict(
                "False",
                "WouldNotApply",
                f"if it passed now its changes could not apply: {problem}; create a new "
                "Proposal with values that can",
            )
    elif "phase" not in status:
        status["phase"] = "Pending"
    conditions, events = apply_verdicts(before, verdicts, now=facts.now, generation=generation)
    status["conditions"] = [c.model_dump(mode="json", by_alias=True) for c in conditions]
    return Settled(
        status=status,
        changed=status != dict(current),
        events=(*events, *notes),
        requeue_after=requeue,
    )


def _figures(
    proposal: Proposal, facts: Facts, current: Mapping[str, Any]
) -> tuple[dict[str, Any], float | None, list[EventNote]]:
    window = voting_window(proposal, facts)
    outcome = verdict_of(facts.history)
    if window is None:
        return {"phase": "Pending"}, None, []
    start, end = window
    figures: dict[str, Any] = {"votingStartTime": _stamp(start), "votingEndTime": _stamp(end)}
    held = current.get("tally")
    if outcome is None or held is None:
        result = current_tally(facts)
        figures["tally"] = {
            "yes": str(result.tally.yes),
            "no": str(result.tally.no),
            "abstain": str(result.tally.abstain),
            "noWithVeto": str(result.tally.no_with_veto),
        }
        figures["totalBonded"] = str(sum(max(b, 0) for b in facts.bonded.values()))
        figures["quorumReached"] = result.verdict is not Outcome.NO_QUORUM
    notes: list[EventNote] = []
    if outcome is None:
        figures["phase"] = "Voting"
        return figures, max((end - facts.now).total_seconds(), 0.0), notes
    figures["phase"] = _final_phase(proposal, facts, outcome, held=current.get("phase"))
    if current.get("phase") != figures["phase"] and figures["phase"] != "Failed":
        notes.append(_outcome_note(proposal, outcome))  # Failed: the Applied condition's Event
    if figures["phase"] == "Executed":
        figures["executedTime"] = current.get("executedTime") or _stamp(facts.now)
    return figures, None, notes


def _changes(proposal: Proposal) -> list[tuple[str, str]]:
    return [(c.parameter, c.value) for c in proposal.spec.changes]


def inapplicable(proposal: Proposal, params: Governed) -> str | None:
    """Why the Proposal's changes cannot apply to ``params`` (None: they can)."""
    try:
        apply_changes(params, _changes(proposal))
    except ValueError as exc:
        return str(exc)
    return None


def _final_phase(proposal: Proposal, facts: Facts, outcome: Outcome, *, held: object) -> str:
    if outcome is not Outcome.PASSED:
        return "Rejected"
    if held in _FINAL:
        return str(held)  # decided once: later Proposals never re-open it
    return "Failed" if inapplicable(proposal, facts.params) else "Executed"


def _applied(proposal: Proposal, facts: Facts, *, phase: str) -> Verdict:
    if phase == "Executed":
        return Verdict("True", "InForce", "the changes are in force")
    problem = inapplicable(proposal, facts.params) or "they could not apply when it passed"
    return Verdict(
        "False",
        "InvalidParameters",
        f"passed, but its changes cannot apply: {problem}; submit a new Proposal",
    )


def _outcome_note(proposal: Proposal, outcome: Outcome) -> EventNote:
    changes = _changes(proposal)
    if outcome is not Outcome.PASSED:
        burned = " (deposit burned)" if outcome is Outcome.VETOED else " (deposit returned)"
        return EventNote(
            type="Normal", reason=outcome.value, message=f"voting ended: {outcome.value}{burned}"
        )
    applied = ", ".join(f"{n}={v}" for n, v in changes)
    message = f"passed; parameters applied: {applied or 'none'}"
    return EventNote(type="Normal", reason="ParametersApplied", message=message)
