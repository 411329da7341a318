"""Account names and kinds of the ledger: the vocabulary every other ledger module speaks.

Pure values, no database. A staker's account is ``staker:<name>`` (created on first use); the
pools and system accounts are fixed and created by the first migration. The kind of an account
follows from its name, and the database checks the two agree.
"""

from __future__ import annotations

import functools
import re
from typing import Final, Literal, NewType

__all__ = [
    "BONDED",
    "BURN",
    "ESCROW",
    "MINT",
    "REWARDS",
    "SLASHED",
    "SYSTEM_ACCOUNTS",
    "UNBONDING",
    "AccountKind",
    "AccountName",
    "StakeUid",
    "kind_of",
    "staker_account",
]

AccountName = NewType("AccountName", str)
StakeUid = NewType("StakeUid", str)
AccountKind = Literal[
    "staker", "bonded", "unbonding", "rewards", "escrow", "slashed", "mint", "burn"
]

BONDED: Final = AccountName("pool:bonded")
UNBONDING: Final = AccountName("pool:unbonding")
REWARDS: Final = AccountName("pool:rewards")
ESCROW: Final = AccountName("pool:escrow")
SLASHED: Final = AccountName("system:slashed")
MINT: Final = AccountName("system:mint")
BURN: Final = AccountName("system:burn")

SYSTEM_ACCOUNTS: Final[dict[AccountName, AccountKind]] = {
    BONDED: "bonded",
    UNBONDING: "unbonding",
    REWARDS: "rewards",
    ESCROW: "escrow",
    SLASHED: "slashed",
    MINT: "mint",
    BURN: "burn",
}

_STAKER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,199}$")


def staker_account(owner: str) -> AccountName:
    """The account of ``owner`` (a user or ServiceAccount name), or ValueError naming the fix."""
    if not _STAKER.match(owner):
        raise ValueError(
            f"staker name {owner!r} is not valid: use 1-200 letters, digits and . _ : / @ -, "
            "starting with a letter or digit"
        )
    return AccountName(f"staker:{owner}")


@functools.lru_cache(maxsize=65_536)
def kind_of(account: AccountName) -> AccountKind:
    """The kind of ``account``; ValueError for a name neither a staker nor a system account."""
    if account in SYSTEM_ACCOUNTS:
        return SYSTEM_ACCOUNTS[account]
    if account.startswith("staker:") and _STAKER.match(account.removeprefix("staker:")):
        return "staker"
    raise ValueError(
        f"account {account!r} is unknown: use staker_account(name) or one of "
        f"{', '.join(sorted(SYSTEM_ACCOUNTS))}"
    )
