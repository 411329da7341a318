"""Unbonding: which requests have served the unbonding period and may be paid back.

Pure. A Stake's unbond request moves tokens from bonded to unbonding in the ledger
(``BeginUnbond``, keyed by the epoch it was asked in); once ``period_epochs`` have passed the
controller pays them back (``Unbond`` with the matured amount, keyed by the release epoch).
A requested amount is checked against what is bonded and the minimum stake: a partial unbond may
not leave less than the minimum (take all of it out instead).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["UnbondRequest", "check_unbond", "matured", "release_epoch"]


@dataclass(frozen=True, kw_only=True, order=True)
class UnbondRequest:
    requested_epoch: int
    amount: int


def release_epoch(*, requested_epoch: int, period_epochs: int) -> int:
    return requested_epoch + period_epochs


def matured(
    requests: Iterable[UnbondRequest], *, now_epoch: int, period_epochs: int
) -> tuple[int, tuple[UnbondRequest, ...]]:
    """The amount that may be paid back now, and the requests still waiting."""
    ready, waiting = 0, []
    for request in sorted(requests):
        if release_epoch(requested_epoch=request.requested_epoch, period_epochs=period_epochs) <= (
            now_epoch
        ):
            ready += request.amount
        else:
            waiting.append(request)
    return ready, tuple(waiting)


def check_unbond(*, amount: int, bonded: int, min_stake: int) -> str | None:
    """Why unbonding ``amount`` is not allowed (naming the field and the fix), or None."""
    if amount <= 0:
        return f"spec.unbond={amount}: ask for a positive amount"
    if amount > bonded:
        return f"spec.unbond={amount}: only {bonded} is bonded; ask for at most that"
    left = bonded - amount
    if 0 < left < min_stake:
        return (
            f"spec.unbond={amount}: it would leave {left}, below the minimum stake {min_stake}; "
            f"unbond {bonded} (everything) or at most {bonded - min_stake}"
        )
    return None
