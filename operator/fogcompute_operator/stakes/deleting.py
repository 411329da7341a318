"""Deleting a Stake that holds tokens: its finalizer and what it waits for. Pure, clock passed in.

Part of the Stake's "decide" step (``deciding`` and ``reconciling`` call it), like the PV/PVC
protection controllers: a Stake that has bonded anything carries ``UNBOND_FINALIZER``, so a
``kubectl delete`` (or its namespace's deletion) only sets ``deletionTimestamp``; the Stake is
then treated as if ``spec.unbond`` had been set at that moment, and nothing else happens to it:

- no new bond, no reward for any epoch not yet paid, no new slash (a slash recorded before the
  deletion was seen stays: it is in the ledger);
- ``BeginUnbond`` at once, ``Unbond`` when the unbonding period (governed, from the moment the
  unbonding was first seen recorded) has passed, both under their usual idempotency keys;
- then the finalizer is removed, last, and the API server lets the object go. Meanwhile the
  Stake shows phase Unbonding, the condition ``Unbonding`` (reason ``StakeDeleted``, with the
  completion time) and Events; ``kubectl get stake`` lists it until the tokens are back.

A Stake that never bonded (below the minimum, refused, or deleted first) holds nothing: it has
no finalizer, or loses it at once, and goes without touching the ledger.
While the ledger cannot be reached (no database, or a dead one) a deleted Stake waits with its
finalizer and LedgerReady=False: its tokens are still bonded, and nothing is given back blind.

Crash safety, by order (each step is idempotent, so a restart at any point repeats harmlessly):

1. the finalizer is added, guarded by resourceVersion, *before* the first ``Bond`` is written:
   a crash in between leaves a finalizer and nothing bonded, which the next look (or the
   deletion) removes; the reverse order could leave tokens bonded behind an object already gone.
   A deletion that raced the add makes the guarded patch fail (the object moved on), and the
   next look sees ``deletionTimestamp`` and never bonds;
2. the ledger actions (``BeginUnbond``, later ``Unbond``), keyed, so a replay moves nothing;
3. status written once (the ``Unbonding`` condition, phase, completion time);
4. the finalizer removed only when the ledger shows nothing bonded or the release recorded.
   A crash before it: the next look finds the release recorded and removes it.

``holds`` says whether the Stake holds (or is about to hold) tokens; ``controlling.finalizer_step``
turns it into add/remove. The same rule drops the finalizer once a ``spec.unbond`` release is
recorded, since nothing is held any more.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Final

from fogcompute_api.stakes import Stake

from fogcompute_operator.controlling import Verdict
from fogcompute_operator.ledger import Action, ActionHistory, Bond

__all__ = ["UNBONDING", "UNBOND_FINALIZER", "deleting", "holds", "unbonding", "unbonding_verdict"]

UNBOND_FINALIZER: Final = "fogcompute.io/unbond"
UNBONDING: Final = "Unbonding"


def deleting(stake: Stake) -> bool:
    """Whether the Stake's deletion was asked for (``deletionTimestamp`` set)."""
    return stake.metadata.deletion_timestamp is not None


def unbonding(stake: Stake) -> bool:
    """Whether the Stake asks to unbond: ``spec.unbond``, or its deletion."""
    return stake.spec.unbond or deleting(stake)


def holds(history: Mapping[str, ActionHistory], planned: Sequence[Action]) -> bool:
    """Whether the Stake holds tokens in the ledger (bonded, not yet released) or is about to."""
    if any(isinstance(action, Bond) for action in planned):
        return True
    return "bond" in history and "release" not in history


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def unbonding_verdict(
    stake: Stake,
    history: Mapping[str, ActionHistory],
    *,
    complete: datetime | None,
) -> Verdict | None:
    """The ``Unbonding`` condition: what an unbonding (or deleted) Stake waits for; None while
    it has not asked to unbond (the condition is then not written)."""
    if not unbonding(stake) or "bond" not in history:
        return None
    reason = "StakeDeleted" if deleting(stake) else "UnbondRequested"
    account = stake.spec.account
    if "release" in history:
        message = f"{history['release'].moved} back on account {account}"
        return Verdict("False", "Unbonded", message)
    until = f"until {_stamp(complete)}" if complete is not None else "once the period starts"
    if "unbond" not in history:
        return Verdict("True", reason, f"beginning to unbond; then unbonding {until}")
    moved = history["unbond"].moved
    message = f"{moved} unbonding {until}, then back on account {account}"
    if deleting(stake):
        message += f"; the finalizer {UNBOND_FINALIZER} keeps the deleted Stake until then"
    return Verdict("True", reason, message)
