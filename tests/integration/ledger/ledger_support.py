"""Helpers shared by the ledger's integration tests."""

from __future__ import annotations

from fogcompute_operator.ledger import Ledger, Mint, Receipt, staker_account


def fund(ledger: Ledger, **balances: int) -> None:
    """Mint genesis balances for stakers named by keyword."""
    outcomes = ledger.apply_many(
        [
            Mint(uid=f"genesis/{name}", epoch=0, to=staker_account(name), amount=amount)
            for name, amount in balances.items()
        ]
    )
    assert all(isinstance(o, Receipt) for o in outcomes), outcomes
