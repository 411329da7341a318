"""The double-entry ledger of fog-compute's economics, in PostgreSQL.

Flow: controllers decide (``fogcompute_operator.economics``, pure) -> build ``actions`` -> the
``Ledger`` (``writing``) applies them idempotently in SERIALIZABLE transactions -> ``checking``
(the operator's continuous invariant checks) and ``verifying`` (the full audit behind
``fog-ledger verify``) read them back. This is the only package that imports psycopg.
"""

from fogcompute_operator.ledger.accounts import (
    BONDED,
    BURN,
    ESCROW,
    MINT,
    REWARDS,
    SLASHED,
    UNBONDING,
    AccountName,
    StakeUid,
    staker_account,
)
from fogcompute_operator.ledger.actions import (
    Action,
    ActionKey,
    BeginUnbond,
    Bond,
    Burn,
    Leg,
    Mint,
    Receipt,
    Refusal,
    Reward,
    Slash,
    StakePosition,
    Transfer,
    Unbond,
)
from fogcompute_operator.ledger.errors import (
    LedgerConflictError,
    LedgerError,
    LedgerUnavailableError,
    MigrationError,
)
from fogcompute_operator.ledger.genesis import genesis_actions, mismatches
from fogcompute_operator.ledger.histories import ActionHistory
from fogcompute_operator.ledger.readings import MeterBasis, MeterReading
from fogcompute_operator.ledger.writing import Ledger, Outcome, RetryPolicy

__all__ = [
    "BONDED",
    "BURN",
    "ESCROW",
    "MINT",
    "REWARDS",
    "SLASHED",
    "UNBONDING",
    "AccountName",
    "Action",
    "ActionHistory",
    "ActionKey",
    "BeginUnbond",
    "Bond",
    "Burn",
    "Ledger",
    "LedgerConflictError",
    "LedgerError",
    "LedgerUnavailableError",
    "Leg",
    "MeterBasis",
    "MeterReading",
    "MigrationError",
    "Mint",
    "Outcome",
    "Receipt",
    "Refusal",
    "RetryPolicy",
    "Reward",
    "Slash",
    "StakePosition",
    "StakeUid",
    "Transfer",
    "Unbond",
    "genesis_actions",
    "mismatches",
    "staker_account",
]
