"""Genesis balances from the chart's values, minted once whatever happens to the values later.

Pure. The operator turns ``values.economics.genesis`` (account -> amount) into ``genesis_actions``
and applies them at start, every start: each is keyed ``(genesis/<account>, mint, 0)``, so only
the first start mints and later ones replay. ``mismatches`` compares what was recorded with what
the values say now, so an edited value is reported (an Event, a log line) instead of silently
ignored or minted again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fogcompute_operator.ledger.accounts import AccountName
from fogcompute_operator.ledger.actions import Mint, Receipt, Refusal

__all__ = ["genesis_actions", "mismatches"]


def genesis_actions(balances: Mapping[AccountName, int]) -> list[Mint]:
    """One idempotent mint per account, in a stable order (ValueError names a bad amount)."""
    return [
        Mint(uid=f"genesis/{account}", epoch=0, to=account, amount=amount, memo="genesis")
        for account, amount in sorted(balances.items())
    ]


def mismatches(
    balances: Mapping[AccountName, int], outcomes: Sequence[Receipt | Refusal]
) -> list[str]:
    """What differs between the values and the genesis recorded earlier, one line per account."""
    problems = []
    for (account, amount), outcome in zip(sorted(balances.items()), outcomes, strict=True):
        if isinstance(outcome, Refusal):
            problems.append(f"genesis for {account} refused: {outcome.reason}")
            continue
        minted = sum(leg.amount for leg in outcome.legs if leg.account == account)
        if minted != amount:
            problems.append(
                f"genesis for {account} was minted as {minted}; the values now say {amount}: "
                "genesis is minted once, so restore the value (or move tokens with a proposal)"
            )
    return problems
